// lua_struct: binary pack/unpack for Redis-compatible Lua scripts. See the
// header for the format language; this file is about how it matches Redis.
//
// The three functions walk the format the same way: read an option (and its
// count), compute its size, pad to its alignment, then act. Control options
// (' ', '<', '>', '!') and unknown ones reach the same handler, which is where
// an unknown option is reported; size() only sends it non-alphanumeric ones,
// so there an unknown letter or digit counts as zero bytes, as in Redis.
//
// Several results depend on conversions C leaves undefined, as Redis's build
// performs them on x86-64; they are written out explicitly here:
//  - double -> 64-bit word (packing integers, 'c0' lengths): see DoubleToWord;
//  - sign extension of 'iN' with N > 8 uses a shift count taken modulo 64;
//  - a padding amount is computed in size_t and narrowed to int.
//
// Lua errors longjmp through this code: nothing alive across a Lua call has a
// destructor. pack builds its result in a luaL_Buffer above a nil marker, so
// a missing argument reads that marker ("number expected, got nil"), as Redis.
#include "server/scripting/lualibs/lua_struct.h"

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <lua.hpp>

namespace {

constexpr int kMaxIntSize = 32;  // widest 'iN'

// The strictest alignment among the types a C struct may hold, as struct 0.2
// measures it (8 on x86-64; deliberately not alignof(max_align_t), which is 16).
union MaxAlignedTypes {
  double d;
  void* p;
  lua_Number n;
  long l;
};
constexpr int kMaxAlign = alignof(MaxAlignedTypes);

enum class Endian { kLittle, kBig };

Endian NativeEndian() {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first == 1 ? Endian::kLittle : Endian::kBig;
}

struct FormatState {
  Endian endian;
  int align;
};

FormatState DefaultState() { return FormatState{NativeEndian(), 1}; }

// The C locale's classes, whatever the process locale is; bytes >= 0x80 are
// none of them (the format's chars are signed in C, where they fall outside).
bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsAlnum(int c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads the decimal count after an option, or returns `absent`.
int ReadCount(lua_State* L, const char** fmt, int absent) {
  if (!IsDigit(**fmt)) return absent;
  int n = 0;
  do {
    int digit = **fmt - '0';
    if (n > INT_MAX / 10 || n * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    n = n * 10 + digit;
    (*fmt)++;
  } while (IsDigit(**fmt));
  return n;
}

// Size in bytes of option `opt` (consuming its count); 0 for options that take
// no room or have no fixed size ('s', control options).
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return sizeof(char);
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 'i':
    case 'I': {
      int n = ReadCount(L, fmt, sizeof(int));
      if (n > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      }
      return static_cast<size_t>(n);
    }
    default:
      return 0;
  }
}

// Bytes of padding before an item of `size` at offset `len`. The formula is
// the library's, also for sizes that are not powers of 2 (e.g. 'i3').
int Padding(size_t len, const FormatState& st, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(st.align)) size = static_cast<size_t>(st.align);
  return static_cast<int>((size - (len & (size - 1))) & (size - 1));
}

void ControlOption(lua_State* L, int opt, const char** fmt, FormatState* st) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      st->endian = Endian::kBig;
      return;
    case '<':
      st->endian = Endian::kLittle;
      return;
    case '!': {
      int a = ReadCount(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      st->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// double -> 64-bit word as Redis's x86-64 build converts it when packing an
// integer: negative values through int64, the rest through uint64, where the
// hardware answers 0x8000000000000000 for what int64 cannot hold, and values
// from 2^64 up (and +inf) come out as 0.
uint64_t DoubleToWord(lua_Number n) {
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 0x8000000000000000ULL;
  if (std::isnan(n)) return kIndefinite;
  if (n < kTwo63) {
    if (n < -kTwo63) return kIndefinite;
    return static_cast<uint64_t>(static_cast<int64_t>(n));
  }
  if (n < 2 * kTwo63) return static_cast<uint64_t>(n);
  return 0;
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, Endian endian, size_t size) {
  uint64_t v = DoubleToWord(luaL_checknumber(L, arg));
  char out[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {  // least significant first; past 8 bytes, zeros
    size_t at = endian == Endian::kLittle ? i : size - 1 - i;
    out[at] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  luaL_addlstring(b, out, size);
}

lua_Number GetInteger(const unsigned char* p, Endian endian, bool is_signed, size_t size) {
  uint64_t v = 0;  // keeps the last 8 bytes read, most significant end first
  for (size_t i = 0; i < size; i++) {
    size_t at = endian == Endian::kBig ? i : size - 1 - i;
    v = (v << 8) | p[at];
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  unsigned shift = static_cast<unsigned>(size * 8 - 1) & 63;  // mod 64, as the hardware
  uint64_t mask = ~uint64_t{0} << shift;
  if (v & mask) v |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

// Copies `size` bytes of a float or double in `endian` order from/to native.
void CopyOrdered(void* to, const void* from, size_t size, Endian endian) {
  memcpy(to, from, size);
  if (endian == NativeEndian()) return;
  auto* bytes = static_cast<unsigned char*>(to);
  for (size_t i = 0, j = size - 1; i < j; i++, j--) {
    unsigned char t = bytes[i];
    bytes[i] = bytes[j];
    bytes[j] = t;
  }
}

bool IsIntegerOption(int opt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I':
      return true;
    default:
      return false;
  }
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  FormatState st = DefaultState();
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // separates the arguments from the buffer's pieces
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    int pad = Padding(total, st, opt, size);
    total += pad;
    for (int i = 0; i < pad; i++) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      PutInteger(L, &b, arg++, st.endian, size);
    } else if (opt == 'x') {
      luaL_addchar(&b, '\0');
    } else if (opt == 'f') {
      // IEEE conversion; beyond float's range it is +-inf, as Redis's build.
      float f = static_cast<float>(luaL_checknumber(L, arg++));
      char out[sizeof f];
      CopyOrdered(out, &f, sizeof f, st.endian);
      luaL_addlstring(&b, out, sizeof f);
    } else if (opt == 'd') {
      double d = luaL_checknumber(L, arg++);
      char out[sizeof d];
      CopyOrdered(out, &d, sizeof d, st.endian);
      luaL_addlstring(&b, out, sizeof d);
    } else if (opt == 'c' || opt == 's') {
      size_t len;
      const char* s = luaL_checklstring(L, arg++, &len);
      if (size == 0) size = len;
      // The library names the argument after this one; so does Redis.
      luaL_argcheck(L, len >= size, arg, "string too short");
      luaL_addlstring(&b, s, size);
      if (opt == 's') {
        luaL_addchar(&b, '\0');
        size++;
      }
    } else {
      ControlOption(L, opt, &fmt, &st);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// 'c0': the length is the previous result, which it replaces.
size_t LengthFromPreviousResult(lua_State* L, int results) {
  if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
  size_t size = static_cast<size_t>(DoubleToWord(lua_tonumber(L, -1)));
  lua_pop(L, 1);
  return size;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  // A 1-based position; 0 is refused, negative ones wrap and fail the bounds check.
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  pos--;
  FormatState st = DefaultState();
  int results = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += static_cast<size_t>(static_cast<ptrdiff_t>(Padding(pos, st, opt, size)));
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");  // this item and the final position
    const auto* at = reinterpret_cast<const unsigned char*>(data) + pos;
    if (IsIntegerOption(opt)) {
      lua_pushnumber(L, GetInteger(at, st.endian, opt >= 'a', size));
      results++;
    } else if (opt == 'x') {
      // padding: nothing to push
    } else if (opt == 'f') {
      float f;
      CopyOrdered(&f, at, sizeof f, st.endian);
      lua_pushnumber(L, f);
      results++;
    } else if (opt == 'd') {
      double d;
      CopyOrdered(&d, at, sizeof d, st.endian);
      lua_pushnumber(L, d);
      results++;
    } else if (opt == 'c') {
      if (size == 0) {
        size = LengthFromPreviousResult(L, results);
        results--;
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      results++;
    } else if (opt == 's') {
      const void* end = memchr(at, '\0', ld - pos);
      if (end == nullptr) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(static_cast<const unsigned char*>(end) - at) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      results++;
    } else {
      ControlOption(L, opt, &fmt, &st);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));  // next position, 1-based
  return results + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  FormatState st = DefaultState();
  size_t pos = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += static_cast<size_t>(static_cast<ptrdiff_t>(Padding(pos, st, opt, size)));
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!IsAlnum(opt)) ControlOption(L, opt, &fmt, &st);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

const luaL_Reg kFunctions[] = {
    {"pack", Pack},
    {"unpack", Unpack},
    {"size", Size},
    {nullptr, nullptr},
};

}  // namespace

extern "C" int luaopen_struct(lua_State* L) {
  luaL_register(L, "struct", kFunctions);
  return 1;
}
