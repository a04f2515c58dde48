// Tests of the HyperLogLog representation: the bytes and counts redis-server
// 7.0 produces for the same inputs (vectors captured from it), the
// sparse/dense agreement, promotion at hll-sparse-max-bytes, the cache
// header, and corrupt values (never a crash, always "invalid").
#include "server/types/hyperloglog.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal::hll {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string AddAll(std::vector<std::string> elements, size_t max_bytes = 3000) {
  std::string v = NewEmpty();
  for (const std::string& e : elements) EXPECT_NE(Add(&v, e, max_bytes), Update::kInvalid);
  return v;
}

std::vector<std::string> Numbered(const char* prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(HyperLogLog, EmptyValueIsOneXZeroRun) {
  const std::string v = NewEmpty();
  EXPECT_EQ(Hex(v), "48594c4c0100000000000000000000007fff");
  EXPECT_TRUE(LooksValid(v));
  EXPECT_EQ(DecodeSparse(v), "Z:16384");
  uint64_t card = 1;
  ASSERT_TRUE(Count(v, &card));
  EXPECT_EQ(card, 0u);
}

TEST(HyperLogLog, SparseBytesEqualRedisForTheSameElements) {
  // redis-server 7.0.15: PFADD h a b c; GET h.
  std::string v = AddAll({"a", "b", "c"});
  InvalidateCache(reinterpret_cast<uint8_t*>(v.data()));
  EXPECT_EQ(Hex(v), "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  EXPECT_EQ(DecodeSparse(v), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  // PFADD h4 0 1 ... 99 (one command).
  v = AddAll(Numbered("", 100));
  InvalidateCache(reinterpret_cast<uint8_t*>(v.data()));
  EXPECT_EQ(
      Hex(v),
      "48594c4c01000000000000000000008041768c407684409a9040c9804100801c8c40418840e688405f803f80"
      "41688040419840708408804120804059842080078040f48042108841368040e2800a8040b08c378833804076"
      "80404680408580405f803380404d8840549040da80415b80228040e2804058804094803780248041718040658"
      "442119440aa8040799040db8040ac904147881a84414280158440bf8440d28c4115844081940b8c40b380318c"
      "28802d803c80404780446e8040928041e6881588408d80410a80404884412484405a8440a580406d84413e84"
      "298040da80078c1b80405880068042f4804059801d8840aa8c40ed80404880404a942c80388c308040b28840"
      "f28c40b880158418883a8040d994408a80407b8040e8");
  uint64_t card = 0;
  ASSERT_TRUE(Count(v, &card));
  EXPECT_EQ(card, 100u);
}

TEST(HyperLogLog, CountsEqualRedis) {
  // PFADD of "e0".."e4999" one element per command, then PFCOUNT: 4968,
  // and the value is dense by then. PFADD h1 0..9999: 9987.
  std::string v = AddAll(Numbered("e", 5000));
  EXPECT_EQ(EncodingOf(v), kDense);
  EXPECT_EQ(v.size(), kDenseSize);
  uint64_t card = 0;
  ASSERT_TRUE(Count(v, &card));
  EXPECT_EQ(card, 4968u);
  v = AddAll(Numbered("", 10000));
  ASSERT_TRUE(Count(v, &card));
  EXPECT_EQ(card, 9987u);
}

TEST(HyperLogLog, SparseAndDenseHoldTheSameRegisters) {
  std::mt19937_64 rng(3);
  std::vector<std::string> elements;
  for (int i = 0; i < 2500; ++i) elements.push_back(std::to_string(rng()));
  std::string sparse = AddAll(elements, SIZE_MAX);
  ASSERT_EQ(EncodingOf(sparse), kSparse);
  std::string dense = NewEmpty();
  ASSERT_TRUE(SparseToDense(&dense));
  for (const std::string& e : elements) Add(&dense, e, SIZE_MAX);
  std::string converted = sparse;
  ASSERT_TRUE(SparseToDense(&converted));
  EXPECT_EQ(converted, dense);
  uint8_t a[kRegisters] = {0}, b[kRegisters] = {0};
  ASSERT_TRUE(MergeInto(sparse, a));
  ASSERT_TRUE(MergeInto(dense, b));
  EXPECT_EQ(std::string(a, a + kRegisters), std::string(b, b + kRegisters));
  uint64_t c1 = 0, c2 = 0;
  ASSERT_TRUE(Count(sparse, &c1));
  ASSERT_TRUE(Count(dense, &c2));
  EXPECT_EQ(c1, c2);
  EXPECT_EQ(CountRegisters(a), c1);
}

TEST(HyperLogLog, PromotesPastTheSparseLimitOrAboveValue32) {
  std::string v = NewEmpty();
  int added = 0;
  while (EncodingOf(v) == kSparse) {
    Add(&v, "x" + std::to_string(added++), 200);
    ASSERT_LE(v.size(), EncodingOf(v) == kSparse ? 200u : kDenseSize);
  }
  EXPECT_GT(added, 10);
  EXPECT_EQ(v.size(), kDenseSize);
  // A register of 33 cannot be a VAL opcode.
  v = NewEmpty();
  EXPECT_EQ(RaiseRegister(&v, 7, 33, 3000), Update::kChanged);
  EXPECT_EQ(EncodingOf(v), kDense);
  EXPECT_EQ(DenseGet(reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize, 7), 33);
  EXPECT_EQ(RaiseRegister(&v, 7, 20, 3000), Update::kUnchanged);
}

TEST(HyperLogLog, SparseSplitsAndMerges) {
  std::string v = NewEmpty();
  RaiseRegister(&v, 100, 3, 3000);
  EXPECT_EQ(DecodeSparse(v), "Z:100 v:3,1 Z:16283");
  RaiseRegister(&v, 101, 3, 3000);
  EXPECT_EQ(DecodeSparse(v), "Z:100 v:3,2 Z:16282");
  RaiseRegister(&v, 99, 3, 3000);
  EXPECT_EQ(DecodeSparse(v), "Z:99 v:3,3 Z:16282");
  EXPECT_EQ(RaiseRegister(&v, 100, 2, 3000), Update::kUnchanged);
  RaiseRegister(&v, 100, 5, 3000);
  EXPECT_EQ(DecodeSparse(v), "Z:99 v:3,1 v:5,1 v:3,1 Z:16282");
}

TEST(HyperLogLog, CacheHeader) {
  std::string v = NewEmpty();
  uint8_t* h = reinterpret_cast<uint8_t*>(v.data());
  EXPECT_TRUE(CacheValid(h));
  SetCachedCardinality(h, 0x0102030405);
  EXPECT_EQ(CachedCardinality(h), 0x0102030405u);
  EXPECT_EQ(Hex(v.substr(8, 8)), "0504030201000000");
  InvalidateCache(h);
  EXPECT_FALSE(CacheValid(h));
  EXPECT_EQ(Hex(v.substr(8, 8)), "0504030201000080");
}

TEST(HyperLogLog, RejectsWhatRedisRejects) {
  EXPECT_FALSE(LooksValid("HYLL"));
  EXPECT_FALSE(LooksValid(std::string("HYLX\x01", 5) + std::string(13, '\0')));
  std::string v = NewEmpty();
  v[4] = 2;
  EXPECT_FALSE(LooksValid(v));
  v[4] = kDense;  // dense but not 12304 bytes
  EXPECT_FALSE(LooksValid(v));
}

TEST(HyperLogLog, CorruptSparseValuesAreInvalidNotFatal) {
  const std::string header = NewEmpty().substr(0, kHeaderSize);
  const std::vector<std::string> bodies = {
      "",                                  // no registers at all
      "\x7f",                              // truncated XZERO: reads a zero second byte
      "\x7f\xfe",                          // one register short
      std::string("\x7f\xff\x80", 3),      // one too many
      std::string("\x7f\xfc\x83\x83", 4),  // VAL run crossing the end
      "\x00\x00\x00",
      std::string(3000, '\xff'),
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(Hex(body));
    std::string v = header + body;
    ASSERT_TRUE(LooksValid(v));
    uint64_t card;
    EXPECT_FALSE(Count(v, &card));
    uint8_t regs[kRegisters] = {0};
    EXPECT_FALSE(MergeInto(v, regs));
    std::string d = v;
    EXPECT_FALSE(SparseToDense(&d));
    EXPECT_EQ(d, v);
    DecodeSparse(v);
    // Adds either find their register in the valid prefix or report invalid.
    for (int i = 0; i < 200; ++i) {
      std::string w = v;
      Add(&w, "k" + std::to_string(i), 3000);
    }
  }
}

TEST(HyperLogLog, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string v = NewEmpty().substr(0, kHeaderSize);
    const size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) v.push_back(static_cast<char>(rng()));
    uint64_t card;
    Count(v, &card);
    for (int i = 0; i < 20; ++i) {
      if (Add(&v, std::to_string(rng()), 3000) == Update::kInvalid) break;
      ASSERT_TRUE(LooksValid(v));
    }
  }
}

TEST(HyperLogLog, SelfTestPasses) { EXPECT_EQ(SelfTest(), ""); }

}  // namespace
}  // namespace shoal::hll
