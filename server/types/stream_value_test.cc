// Unit tests of the stream encoding (stream_value.h), its IDs (stream_id.h)
// and consumer groups (stream_group.h).
#include "server/types/stream_value.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace shoal {
namespace {

using Fields = StreamValue::Fields;
// Views are valid during a visit only: the helpers copy them.
using Owned = std::vector<std::pair<std::string, std::string>>;

std::vector<std::pair<StreamID, Owned>> All(const StreamValue& s, bool rev = false) {
  std::vector<std::pair<StreamID, Owned>> out;
  s.Range(StreamID::Min(), StreamID::Max(), rev, 0, [&](const StreamID& id, const Fields& f) {
    Owned copy;
    for (const auto& [k, v] : f) copy.emplace_back(k, v);
    out.emplace_back(id, std::move(copy));
    return true;
  });
  return out;
}

std::vector<StreamID> Ids(const StreamValue& s, bool rev = false) {
  std::vector<StreamID> out;
  for (auto& [id, f] : All(s, rev)) out.push_back(id);
  return out;
}

void Add(StreamValue* s, StreamID id, std::vector<std::string_view> fv,
         StreamLimits limits = {}) {
  s->Append(id, fv, limits);
}

TEST(StreamId, ParsesLikeRedis) {
  StreamID id;
  bool seq_given;
  EXPECT_TRUE(ParseStreamID("5-3", &id, 0, true));
  EXPECT_EQ(id, (StreamID{5, 3}));
  EXPECT_TRUE(ParseStreamID("5", &id, 7, true));
  EXPECT_EQ(id, (StreamID{5, 7}));
  EXPECT_TRUE(ParseStreamID("  5", &id, 0, true));  // strtoull takes leading spaces
  EXPECT_TRUE(ParseStreamID("+8-+9", &id, 0, true));
  EXPECT_EQ(id, (StreamID{8, 9}));
  EXPECT_TRUE(ParseStreamID("18446744073709551615-18446744073709551615", &id, 0, true));
  EXPECT_TRUE(id.IsMax());
  EXPECT_FALSE(ParseStreamID("18446744073709551616", &id, 0, true));
  EXPECT_FALSE(ParseStreamID("-1", &id, 0, true));
  EXPECT_FALSE(ParseStreamID("-0", &id, 0, true));
  EXPECT_FALSE(ParseStreamID("1-1-", &id, 0, true));
  EXPECT_FALSE(ParseStreamID("-", &id, 0, true));
  EXPECT_TRUE(ParseStreamID("-", &id, 0, false));
  EXPECT_EQ(id, StreamID::Min());
  EXPECT_TRUE(ParseStreamID("+", &id, 0, false));
  EXPECT_TRUE(id.IsMax());
  EXPECT_FALSE(ParseStreamID("1-*", &id, 0, true));  // only where XADD allows it
  EXPECT_TRUE(ParseStreamID("1-*", &id, 0, true, &seq_given));
  EXPECT_FALSE(seq_given);
  EXPECT_FALSE(ParseStreamID(std::string(128, '1'), &id, 0, false));
  bool ex;
  EXPECT_TRUE(ParseStreamIntervalID("(5-1", &id, &ex, 0));
  EXPECT_TRUE(ex);
  EXPECT_FALSE(ParseStreamIntervalID("(-", &id, &ex, 0));
  EXPECT_FALSE(ParseStreamIntervalID("(", &id, &ex, 0));
  EXPECT_EQ((StreamID{12, 34}).ToString(), "12-34");
}

TEST(StreamId, IncrementsAndDecrementsAcrossParts) {
  StreamID id{1, UINT64_MAX};
  ASSERT_TRUE(StreamIncrID(&id));
  EXPECT_EQ(id, (StreamID{2, 0}));
  ASSERT_TRUE(StreamDecrID(&id));
  EXPECT_EQ(id, (StreamID{1, UINT64_MAX}));
  StreamID max = StreamID::Max();
  EXPECT_FALSE(StreamIncrID(&max));
  StreamID min;
  EXPECT_FALSE(StreamDecrID(&min));
}

TEST(StreamValue, AppendsAndReadsBackInBothOrders) {
  StreamValue s;
  Add(&s, {1, 0}, {"a", "1", "b", "2"});
  Add(&s, {1, 1}, {"a", "3", "b", "4"});        // same fields: values only
  Add(&s, {5, 0}, {"c", "x"});                  // other fields
  Add(&s, {UINT64_MAX - 1, 7}, {"a", "", "b", "long value here"});  // wide ms delta
  EXPECT_EQ(s.length(), 4u);
  auto all = All(s);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].second, (Owned{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(all[1].second, (Owned{{"a", "3"}, {"b", "4"}}));
  EXPECT_EQ(all[2].second, (Owned{{"c", "x"}}));
  EXPECT_EQ(all[3].first, (StreamID{UINT64_MAX - 1, 7}));
  EXPECT_EQ(all[3].second, (Owned{{"a", ""}, {"b", "long value here"}}));
  EXPECT_EQ(Ids(s, true), (std::vector<StreamID>{{UINT64_MAX - 1, 7}, {5, 0}, {1, 1}, {1, 0}}));
  EXPECT_EQ(s.last_id(), (StreamID{UINT64_MAX - 1, 7}));
  EXPECT_EQ(s.first_id(), (StreamID{1, 0}));
  EXPECT_EQ(s.entries_added(), 4u);
}

TEST(StreamValue, IntegerValuesReadBackAsTheirText) {
  const std::vector<std::string> values = {
      "0", "-7", "1", "007", "+5", "-0", "", "1700000000000", "12345678901234567890",
      "9223372036854775807", "-9223372036854775808", "4611686018427387903",
      "-4611686018427387904", "4611686018427387904", " 1", "1.5"};
  StreamValue s;
  uint64_t ms = 1;
  for (const std::string& v : values) Add(&s, {ms++, 0}, {"n", v, "m", v});
  size_t i = 0;
  for (auto& [id, fields] : All(s)) {
    EXPECT_EQ(fields, (Owned{{"n", values[i]}, {"m", values[i]}})) << values[i];
    ++i;
  }
  i = values.size();
  for (auto& [id, fields] : All(s, /*rev=*/true)) {
    --i;
    EXPECT_EQ(fields[1].second, values[i]);
  }
}

TEST(StreamValue, SplitsNodesByEntriesAndBytes) {
  StreamValue s;
  StreamLimits limits{4096, 10};
  for (uint64_t i = 1; i <= 35; ++i) Add(&s, {i, 0}, {"f", "v"}, limits);
  EXPECT_EQ(s.node_count(), 4u);  // 10 + 10 + 10 + 5
  StreamValue big;
  const std::string value(1000, 'x');
  for (uint64_t i = 1; i <= 10; ++i) Add(&big, {i, 0}, {"f", value}, {4096, 100});
  // Redis's listpack reaches 4096 bytes after 4 such entries: 4 + 4 + 2, as
  // redis-server 7.0 splits them (XINFO STREAM radix-tree-keys 3).
  EXPECT_EQ(big.node_count(), 3u);
}

TEST(StreamValue, RangesAcrossNodes) {
  StreamValue s;
  for (uint64_t i = 1; i <= 100; ++i) Add(&s, {i, i % 3}, {"n", std::to_string(i)}, {4096, 7});
  std::vector<StreamID> got;
  s.Range({10, 0}, {20, UINT64_MAX}, false, 0, [&](const StreamID& id, const Fields&) {
    got.push_back(id);
    return true;
  });
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got.front(), (StreamID{10, 1}));
  got.clear();
  s.Range({10, 0}, {20, 0}, true, 3, [&](const StreamID& id, const Fields&) {
    got.push_back(id);
    return true;
  });
  EXPECT_EQ(got, (std::vector<StreamID>{{19, 1}, {18, 0}, {17, 2}}));
}

TEST(StreamValue, DeletesLeaveTombstonesAndFreeEmptyNodes) {
  StreamValue s;
  for (uint64_t i = 1; i <= 6; ++i) Add(&s, {i, 0}, {"f", "v"}, {4096, 3});
  EXPECT_EQ(s.node_count(), 2u);
  EXPECT_TRUE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({9, 0}));
  EXPECT_EQ(s.first_id(), (StreamID{2, 0}));
  EXPECT_EQ(s.max_deleted_id(), (StreamID{1, 0}));
  EXPECT_TRUE(s.Delete({2, 0}));
  EXPECT_TRUE(s.Delete({3, 0}));
  EXPECT_EQ(s.node_count(), 1u);  // the first node had no live entry left
  EXPECT_EQ(Ids(s), (std::vector<StreamID>{{4, 0}, {5, 0}, {6, 0}}));
  EXPECT_FALSE(s.Contains({3, 0}));
  EXPECT_TRUE(s.Contains({5, 0}));
  // A tombstone still counts for whether the tail node is full.
  EXPECT_TRUE(s.Delete({6, 0}));
  Add(&s, {7, 0}, {"f", "v"}, {4096, 3});
  EXPECT_EQ(s.node_count(), 2u);
}

TEST(StreamValue, TrimsExactlyAndByWholeNodes) {
  auto make = [] {
    auto s = std::make_unique<StreamValue>();
    for (uint64_t i = 1; i <= 25; ++i) s->Append({i, 0}, {"f", "v"}, {4096, 10});
    return s;
  };
  auto s = make();
  StreamTrim t;
  t.strategy = StreamTrim::Strategy::kMaxLen;
  t.maxlen = 12;
  t.approx = true;
  EXPECT_EQ(s->Trim(t), 10);  // only whole nodes: 25 -> 15
  EXPECT_EQ(s->length(), 15u);
  t.approx = false;
  EXPECT_EQ(s->Trim(t), 3);
  EXPECT_EQ(s->length(), 12u);
  EXPECT_EQ(s->first_id(), (StreamID{14, 0}));
  auto m = make();
  StreamTrim byid;
  byid.strategy = StreamTrim::Strategy::kMinId;
  byid.minid = {13, 0};
  EXPECT_EQ(m->Trim(byid), 12);
  EXPECT_EQ(Ids(*m).front(), (StreamID{13, 0}));
  auto l = make();
  t.approx = true;
  t.maxlen = 0;
  t.limit = 15;  // at most 15 entries: one node of 10
  EXPECT_EQ(l->Trim(t), 10);
}

TEST(StreamValue, CloneIsDeepAndEqual) {
  StreamValue s;
  for (uint64_t i = 1; i <= 30; ++i) Add(&s, {i, 0}, {"f", std::to_string(i)}, {4096, 8});
  StreamGroup* g = s.CreateGroup("g", {5, 0}, 5);
  StreamConsumer* c = g->CreateConsumer("alice", 100);
  g->Deliver({3, 0}, c, 100);
  std::unique_ptr<StreamValue> copy(static_cast<StreamValue*>(s.Clone()));
  EXPECT_EQ(All(*copy), All(s));
  s.Delete({3, 0});
  EXPECT_TRUE(copy->Contains({3, 0}));
  StreamGroup* cg = copy->FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->FindNack({3, 0})->consumer, cg->FindConsumer("alice"));
  EXPECT_GT(copy->MemoryBytes(), 0u);
}

TEST(StreamGroup, KeepsEachPendingEntryInOneConsumer) {
  StreamGroup g({0, 0}, kStreamInvalidEntriesRead);
  StreamConsumer* a = g.CreateConsumer("a", 1);
  StreamConsumer* b = g.CreateConsumer("b", 1);
  EXPECT_EQ(g.CreateConsumer("a", 2), nullptr);
  g.Deliver({1, 0}, a, 10);
  g.Deliver({2, 0}, a, 10);
  g.Deliver({1, 0}, b, 20);  // re-delivery moves it
  EXPECT_EQ(a->pel.size(), 1u);
  EXPECT_EQ(b->pel.size(), 1u);
  EXPECT_EQ(g.FindNack({1, 0})->delivery_count, 1u);
  g.Assign({2, 0}, g.FindNack({2, 0}), b);
  EXPECT_TRUE(a->pel.empty());
  EXPECT_TRUE(g.Ack({2, 0}));
  EXPECT_FALSE(g.Ack({2, 0}));
  EXPECT_EQ(g.DeleteConsumer("b"), 1u);
  EXPECT_TRUE(g.pel().empty());
  EXPECT_EQ(g.DeleteConsumer("nobody"), 0u);
}

TEST(StreamValue, LagAndEntriesReadFollowRedis) {
  StreamValue s;
  for (uint64_t i = 1; i <= 5; ++i) Add(&s, {i, 0}, {"f", "v"});
  EXPECT_EQ(s.EstimateDistance({0, 0}), 0);
  EXPECT_EQ(s.EstimateDistance({1, 0}), 1);
  EXPECT_EQ(s.EstimateDistance({5, 0}), 5);
  EXPECT_EQ(s.EstimateDistance({9, 0}), kStreamInvalidEntriesRead);
  StreamGroup g({0, 0}, kStreamInvalidEntriesRead);
  int64_t lag;
  ASSERT_TRUE(s.GroupLag(g, &lag));
  EXPECT_EQ(lag, 5);
  s.Delete({3, 0});
  EXPECT_EQ(s.EstimateDistance({2, 0}), kStreamInvalidEntriesRead);
  EXPECT_FALSE(s.GroupLag(g, &lag));
}

TEST(StreamValue, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  StreamValue s;
  std::vector<StreamID> model;
  StreamID next{1, 0};
  for (int step = 0; step < 5000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 7) {
      next.ms += rng() % 3;
      next.seq = rng() % 2 == 0 ? 0 : next.seq + 1 + rng() % 5;
      if (!model.empty() && next <= model.back()) StreamIncrID(&next);
      if (!model.empty() && next <= s.last_id()) next = s.last_id(), StreamIncrID(&next);
      s.Append(next, {"k", std::to_string(step)}, {4096, 1 + rng() % 20});
      model.push_back(next);
    } else if (op < 9 && !model.empty()) {
      const size_t i = rng() % model.size();
      ASSERT_TRUE(s.Delete(model[i]));
      model.erase(model.begin() + i);
    } else if (!model.empty()) {
      StreamTrim t;
      t.strategy = StreamTrim::Strategy::kMaxLen;
      t.maxlen = static_cast<int64_t>(model.size() / 2);
      const int64_t n = s.Trim(t);
      model.erase(model.begin(), model.begin() + n);
    }
    ASSERT_EQ(s.length(), model.size());
  }
  EXPECT_EQ(Ids(s), model);
  std::vector<StreamID> rev(model.rbegin(), model.rend());
  EXPECT_EQ(Ids(s, true), rev);
}

}  // namespace
}  // namespace shoal
