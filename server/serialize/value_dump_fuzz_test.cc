// Fuzz-style robustness test of the value serializer: valid payloads of every
// type and encoding are corrupted at random (bit flips, byte overwrites,
// truncation, insertion, deletion, length-field forging), with the CRC
// recomputed half of the time so that the corruption reaches the decoders
// rather than stopping at the footer check. Whatever the bytes, loading must
// either fail cleanly or produce a value that dumps and loads again to the
// same bytes. Fixed seed and a bounded number of iterations: deterministic,
// a few seconds, and meaningful under ASan (-DSHOAL_SANITIZE=address).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/serialize/crc64.h"
#include "server/serialize/value_dump.h"

namespace shoal {
namespace {

struct EntryDeleter {
  void operator()(Entry* e) const { Entry::Free(e); }
};
using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;

std::string Refooter(std::string payload) {
  if (payload.size() < 10) return payload;
  payload.resize(payload.size() - 8);
  const uint64_t crc = Crc64(0, payload);
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>(crc >> (8 * i)));
  return payload;
}

std::string Footer(std::string body) {
  body.append("\x0a\x00", 2);
  body.append(8, '\0');
  return Refooter(body);
}

// Valid payloads of every type and encoding the writer produces, plus the
// legacy encodings only the reader knows.
std::vector<std::string> Seeds() {
  std::vector<EntryPtr> entries;
  entries.emplace_back(Entry::NewString("k", "hello"));
  entries.emplace_back(Entry::NewString("k", "123456"));
  entries.emplace_back(Entry::NewString("k", std::string(200, 'a') + "bcd" + std::string(50, 'a')));
  {
    auto* l = new ListValue();
    for (int i = 0; i < 40; ++i) l->Push(ListValue::End::kTail, std::to_string(i * 977), {});
    entries.emplace_back(Entry::NewObject("k", ValueType::kList, l));
    auto* big = new ListValue();
    ListLimits small = ListLimits::FromFill(3);
    for (int i = 0; i < 12; ++i) big->Push(ListValue::End::kTail, "el" + std::to_string(i), small);
    entries.emplace_back(Entry::NewObject("k", ValueType::kList, big));
  }
  for (size_t max : {size_t{128}, size_t{2}}) {
    auto* h = new HashValue();
    for (int i = 0; i < 6; ++i) h->Set("f" + std::to_string(i), std::to_string(i * 1000), {max, 64});
    entries.emplace_back(Entry::NewObject("k", ValueType::kHash, h));
  }
  for (const char* first : {"7", "x"}) {
    SetValue* s = SetValue::CreateFor(first, 5, {});
    for (int i = 0; i < 5; ++i) s->Add(first + std::to_string(i), {});
    entries.emplace_back(Entry::NewObject("k", ValueType::kSet, s));
  }
  {
    SetLimits tiny{2, 2, 64};
    SetValue* s = SetValue::CreateFor("a", 5, tiny);
    for (int i = 0; i < 5; ++i) s->Add("m" + std::to_string(i), tiny);
    entries.emplace_back(Entry::NewObject("k", ValueType::kSet, s));
  }
  for (int64_t max : {int64_t{128}, int64_t{2}}) {
    ZSetValue* z = ZSetValue::Create(5, 3, {max, 64});
    for (int i = 0; i < 5; ++i) {
      double unused;
      z->Add("m" + std::to_string(i), i * 1.25 - 2, 0, {max, 64}, &unused);
    }
    entries.emplace_back(Entry::NewObject("k", ValueType::kZSet, z));
  }
  {
    auto* st = new StreamValue();
    StreamLimits limits{4096, 2};
    for (uint64_t i = 1; i <= 5; ++i) {
      std::vector<std::string_view> fv = {"f", "v"};
      if (i == 3) fv = {"g", "w", "h", "x"};
      st->Append({i, i}, fv, limits);
    }
    StreamGroup* g = st->CreateGroup("g", {3, 3}, 3);
    StreamConsumer* c = g->CreateConsumer("c", 7);
    g->Deliver({2, 2}, c, 8);
    g->Deliver({3, 3}, c, 9);
    entries.emplace_back(Entry::NewObject("k", ValueType::kStream, st));
  }
  std::vector<std::string> seeds;
  for (const EntryPtr& e : entries) {
    for (uint16_t version : {uint16_t{10}, uint16_t{11}}) {
      DumpOptions o;
      o.rdb_version = version;
      seeds.push_back(DumpValue(*e, o));
    }
  }
  // Legacy: a ziplist list, a zipmap hash, a text-score zset, a quicklist v1.
  seeds.push_back(Footer(std::string("\x0a\x10\x10\0\0\0\x0d\0\0\0\x02\0\0\x01\x61\x03\xf6\xff", 18)));
  seeds.push_back(Footer(std::string("\x09\x08\x01\x01\x66\x02\x00\x76\x76\xff", 10)));
  seeds.push_back(Footer(std::string("\x03\x02\x01m\x03" "1.5\x01n\xfe", 11)));
  seeds.push_back(
      Footer(std::string("\x0e\x01\x10\x10\0\0\0\x0d\0\0\0\x02\0\0\x01\x61\x03\xf6\xff", 19)));
  return seeds;
}

std::string Mutate(std::string p, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % (n == 0 ? 1 : n)); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < edits && !p.empty(); ++k) {
    const size_t body = p.size() > 10 ? p.size() - 10 : p.size();
    const size_t at = pick(body);
    switch (rng() % 6) {
      case 0:
        p[at] = static_cast<char>(p[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        p[at] = static_cast<char>(rng());
        break;
      case 2:  // truncate the body, keep the footer
        p.erase(at, body - at);
        break;
      case 3:
        p.insert(at, 1, static_cast<char>(rng()));
        break;
      case 4:
        p.erase(at, 1);
        break;
      default: {  // forge a length-like byte with the extreme forms
        static const char kForms[] = {'\x80', '\x81', '\x7f', '\x3f', '\xc3', '\xff', '\xfe'};
        p[at] = kForms[rng() % sizeof(kForms)];
      }
    }
  }
  return rng() % 2 ? Refooter(p) : p;
}

TEST(ValueDumpFuzz, CorruptPayloadsFailCleanlyOrRoundTrip) {
  const std::vector<std::string> seeds = Seeds();
  std::mt19937_64 rng(20240601);
  LoadLimits limits;
  int loaded = 0, rejected = 0;
  constexpr int kIterations = 200000;
  for (int i = 0; i < kIterations; ++i) {
    const std::string payload = Mutate(seeds[i % seeds.size()], rng);
    LoadedValue v;
    if (LoadDumpPayload(payload, limits, &v) != LoadStatus::kOk) {
      ++rejected;
      continue;
    }
    ++loaded;
    EntryPtr e(v.ToEntry("k", 0));
    if (e->type() != ValueType::kString && e->type() != ValueType::kStream) {
      ASSERT_GT(e->object()->Size(), 0u);  // streams may be empty (groups only)
    }
    // A value that loaded dumps and loads again, to the same bytes.
    const std::string again = DumpValue(*e);
    LoadedValue v2;
    ASSERT_EQ(LoadDumpPayload(again, limits, &v2), LoadStatus::kOk);
    EntryPtr e2(v2.ToEntry("k", 0));
    if (e->type() != ValueType::kSet && e->type() != ValueType::kHash) {
      EXPECT_EQ(DumpValue(*e2), again);  // tables may iterate in another order
    }
  }
  EXPECT_GT(rejected, kIterations / 4);
  EXPECT_GT(loaded, 100);
}

}  // namespace
}  // namespace shoal
