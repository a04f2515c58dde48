// Tests for Entry: int encoding, layout with and without expire, Rebuild,
// object ownership and memory accounting; and ParseInt64Strict.
#include "server/store/entry.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "server/store/compound_value.h"

namespace shoal {
namespace {

TEST(ParseInt64Strict, AcceptsCanonicalIntegers) {
  int64_t v = 1;
  EXPECT_TRUE(ParseInt64Strict("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64Strict("12", &v));
  EXPECT_EQ(v, 12);
  EXPECT_TRUE(ParseInt64Strict("-7", &v));
  EXPECT_EQ(v, -7);
  EXPECT_TRUE(ParseInt64Strict("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(ParseInt64Strict("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(ParseInt64Strict, RejectsNonCanonicalForms) {
  int64_t v;
  for (const char* s : {"", "-", "+1", "01", "00", "-0", "-01", " 1", "1 ", "1a", "0x10", "1.0",
                        "9223372036854775808", "-9223372036854775809",
                        "18446744073709551616", "99999999999999999999", "123456789012345678901"}) {
    EXPECT_FALSE(ParseInt64Strict(s, &v)) << s;
  }
}

TEST(Entry, CanonicalIntegerStringsAreEncodedAsInt) {
  char buf[24];
  Entry* e = Entry::NewString("k", "12345");
  EXPECT_EQ(e->encoding(), Encoding::kInt);
  EXPECT_EQ(e->int_value(), 12345);
  EXPECT_EQ(e->StringValue(buf), "12345");
  EXPECT_EQ(e->StringLength(), 5u);
  EXPECT_EQ(e->type(), ValueType::kString);
  Entry::Free(e);

  e = Entry::NewString("k", "-9223372036854775808");
  EXPECT_EQ(e->encoding(), Encoding::kInt);
  EXPECT_EQ(e->StringValue(buf), "-9223372036854775808");
  EXPECT_EQ(e->StringLength(), 20u);
  Entry::Free(e);
}

TEST(Entry, NonCanonicalStringsStayRaw) {
  char buf[24];
  for (const char* s : {"012", "+1", "-0", " 1", "1.5", "", "99999999999999999999", "abc"}) {
    Entry* e = Entry::NewString("key", s);
    EXPECT_EQ(e->encoding(), Encoding::kRaw) << s;
    EXPECT_EQ(e->StringValue(buf), s);
    EXPECT_EQ(e->StringLength(), std::string(s).size());
    Entry::Free(e);
  }
}

TEST(Entry, IntValueChangesInPlace) {
  char buf[24];
  Entry* e = Entry::NewInt("counter", 41);
  e->set_int_value(e->int_value() + 1);
  EXPECT_EQ(e->StringValue(buf), "42");
  EXPECT_EQ(e->key(), "counter");
  Entry::Free(e);
}

TEST(Entry, ExpireLayoutKeepsKeyAndValue) {
  const std::string big(1000, 'v');
  Entry* plain = Entry::NewString("key", big);
  Entry* timed = Entry::NewString("key", big, 1'700'000'000'123);
  EXPECT_FALSE(plain->has_expire());
  EXPECT_EQ(plain->expire_ms(), 0);
  EXPECT_TRUE(timed->has_expire());
  EXPECT_EQ(timed->expire_ms(), 1'700'000'000'123);
  EXPECT_EQ(timed->key(), "key");
  EXPECT_EQ(timed->raw_value(), big);
  timed->set_expire_ms(5);
  EXPECT_EQ(timed->expire_ms(), 5);
  EXPECT_EQ(timed->raw_value(), big);
  EXPECT_GE(timed->MemoryBytes(), plain->MemoryBytes());
  Entry::Free(plain);
  Entry::Free(timed);
}

TEST(Entry, BinaryKeysAndValues) {
  const std::string key("a\0b", 3), value("\0\r\n\xff", 4);
  Entry* e = Entry::NewString(key, value, 99);
  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(e->raw_value(), value);
  Entry::Free(e);
}

TEST(Entry, AssignStringRewritesTheBlockWhenTheLayoutFits) {
  char buf[24];
  Entry* e = Entry::NewString("key", std::string(32, 'a'));
  const Entry* block = e;
  ASSERT_TRUE(e->AssignString(std::string(32, 'b'), 0));
  EXPECT_EQ(e, block);
  EXPECT_EQ(e->key(), "key");
  EXPECT_EQ(e->StringValue(buf), std::string(32, 'b'));
  // Encoded as NewString encodes: a canonical integer becomes an int, and
  // back (8 bytes fit the block a 32-byte value needed only with an
  // allocator that rounds generously: either answer keeps the value right).
  if (e->AssignString("12345", 0)) {
    EXPECT_EQ(e->encoding(), Encoding::kInt);
    EXPECT_EQ(e->StringValue(buf), "12345");
  }
  // An expire needs a field the entry lacks; a long value, another block.
  EXPECT_FALSE(e->AssignString(std::string(32, 'c'), 1'700'000'000'000));
  EXPECT_FALSE(e->AssignString(std::string(300, 'c'), 0));
  EXPECT_FALSE(e->AssignString("", 0));
  EXPECT_NE(e->StringValue(buf), "");
  Entry::Free(e);

  Entry* timed = Entry::NewString("t", "abcdef", 1'700'000'000'000);
  ASSERT_TRUE(timed->AssignString("ghijkl", 1'700'000'000'500));
  EXPECT_EQ(timed->expire_ms(), 1'700'000'000'500);
  EXPECT_EQ(timed->raw_value(), "ghijkl");
  EXPECT_FALSE(timed->AssignString("ghijkl", 0));  // dropping the TTL changes the layout
  EXPECT_FALSE(timed->AssignString("ghijkl", Entry::kNarrowExpireLimit));  // wider field
  Entry::Free(timed);
}

TEST(Entry, MemoryBytesCoversTheAllocation) {
  // The block holds a packed header, the key and the value; MemoryBytes is
  // what the allocator gave for it (exactly the request under ASan).
  Entry* small = Entry::NewString("k", "v");
  EXPECT_GE(small->MemoryBytes(), small->AllocatedSize());
  EXPECT_GE(small->AllocatedSize(), sizeof(Entry));
  Entry* big = Entry::NewString("k", std::string(4096, 'x'));
  EXPECT_GE(big->MemoryBytes(), big->AllocatedSize());
  EXPECT_GE(big->AllocatedSize(), 4097u);
  Entry::Free(small);
  Entry::Free(big);
}

// A compound value that counts live instances.
class FakeList : public CompoundValue {
 public:
  explicit FakeList(int* live, size_t n = 3) : live_(live), n_(n) { ++*live_; }
  ~FakeList() override { --*live_; }
  size_t MemoryBytes() const override { return 1000; }
  CompoundValue* Clone() const override { return new FakeList(live_, n_); }
  size_t Size() const override { return n_; }
  const char* EncodingName() const override { return "quicklist"; }

 private:
  int* live_;
  size_t n_;
};

TEST(Entry, ObjectIsOwnedAndSized) {
  int live = 0;
  Entry* e = Entry::NewObject("list", ValueType::kList, new FakeList(&live));
  EXPECT_EQ(live, 1);
  EXPECT_EQ(e->encoding(), Encoding::kObject);
  EXPECT_EQ(e->type(), ValueType::kList);
  EXPECT_EQ(e->object()->Size(), 3u);
  EXPECT_GE(e->MemoryBytes(), 1000u + sizeof(Entry));
  Entry::Free(e);
  EXPECT_EQ(live, 0);
}

TEST(Entry, RebuildCopiesToNewKeyAndExpire) {
  char buf[24];
  Entry* src = Entry::NewString("old", "hello", 0);
  src->meta() = 77;
  Entry* dst = Entry::Rebuild(src, "new", 1234, /*steal=*/false);
  EXPECT_EQ(dst->key(), "new");
  EXPECT_EQ(dst->expire_ms(), 1234);
  EXPECT_EQ(dst->StringValue(buf), "hello");
  EXPECT_EQ(dst->meta(), 77u);
  Entry* back = Entry::Rebuild(dst, "old", 0, /*steal=*/false);
  EXPECT_FALSE(back->has_expire());
  EXPECT_EQ(back->StringValue(buf), "hello");
  Entry::Free(src);
  Entry::Free(dst);
  Entry::Free(back);

  Entry* i = Entry::NewInt("n", -5, 10);
  Entry* j = Entry::Rebuild(i, "n", 0, true);
  EXPECT_EQ(j->encoding(), Encoding::kInt);
  EXPECT_EQ(j->int_value(), -5);
  Entry::Free(i);
  Entry::Free(j);
}

TEST(Entry, RebuildStealsOrClonesObjects) {
  int live = 0;
  Entry* src = Entry::NewObject("h", ValueType::kHash, new FakeList(&live));
  Entry* clone = Entry::Rebuild(src, "h2", 0, /*steal=*/false);
  EXPECT_EQ(live, 2);
  EXPECT_NE(clone->object(), src->object());
  CompoundValue* obj = src->object();
  Entry* moved = Entry::Rebuild(src, "h", 50, /*steal=*/true);
  EXPECT_EQ(moved->object(), obj);
  Entry::FreeShell(src);  // the object now belongs to `moved`
  EXPECT_EQ(live, 2);
  Entry::Free(moved);
  Entry::Free(clone);
  EXPECT_EQ(live, 0);
}

TEST(TypeName, MatchesRedis) {
  EXPECT_STREQ(TypeName(ValueType::kString), "string");
  EXPECT_STREQ(TypeName(ValueType::kList), "list");
  EXPECT_STREQ(TypeName(ValueType::kSet), "set");
  EXPECT_STREQ(TypeName(ValueType::kZSet), "zset");
  EXPECT_STREQ(TypeName(ValueType::kHash), "hash");
}

}  // namespace
}  // namespace shoal
