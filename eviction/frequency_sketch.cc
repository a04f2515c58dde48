// FrequencySketch: see frequency_sketch.h.
#include "eviction/frequency_sketch.h"

#include <algorithm>

namespace shoal {
namespace {

constexpr int kDoorkeeperProbes = 4;

// A well-mixed 64-bit value per (hash, salt): the key's hash comes from the
// store (XXH3) but rows and probes need independent positions.
uint64_t Mix(uint64_t hash, uint64_t salt) {
  uint64_t z = hash + (salt + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// x mapped onto [0, n) without a division (Lemire's multiply-shift).
uint64_t Range(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

}  // namespace

void FrequencySketch::EnsureCapacity(int64_t keys) {
  if (keys <= capacity_) return;
  if (capacity_ == 0) {
    int64_t cap = kMinCapacity;
    while (cap < keys) cap *= 2;
    capacity_ = cap;
    width_ = std::max<uint64_t>(
        16, static_cast<uint64_t>(cap) * static_cast<uint64_t>(options_.counters_per_key) / kDepth);
    counters_.assign((width_ * kDepth + 15) / 16, 0);
    const uint64_t door_bits = static_cast<uint64_t>(cap) * options_.doorkeeper_bits_per_key;
    door_.assign(door_bits == 0 ? 0 : (door_bits + 63) / 64, 0);
  } else {
    while (capacity_ < keys) Double();
  }
  sample_size_ = std::max<int64_t>(1, static_cast<int64_t>(options_.sample_factor) * capacity_);
}

void FrequencySketch::Double() {
  // With twice the columns, a key's column c becomes 2c or 2c + 1 (the
  // multiply-shift range keeps one more bit of the same product), and a
  // doorkeeper bit b becomes 2b or 2b + 1: copying each old counter and bit
  // into both keeps every estimate, so growing forgets nothing.
  std::vector<uint64_t> counters(counters_.size() * 2, 0);
  for (uint64_t i = 0; i < width_ * kDepth; ++i) {
    const uint64_t v = Counter(i);
    if (v == 0) continue;
    const uint64_t row = i / width_, col = i % width_;
    for (uint64_t j = row * 2 * width_ + 2 * col; j < row * 2 * width_ + 2 * col + 2; ++j) {
      counters[j / 16] |= v << ((j % 16) * 4);
    }
  }
  counters_.swap(counters);
  width_ *= 2;
  std::vector<uint64_t> door(door_.size() * 2, 0);
  for (uint64_t b = 0; b < door_.size() * 64; ++b) {
    if (!(door_[b / 64] & (uint64_t{1} << (b % 64)))) continue;
    for (uint64_t j = 2 * b; j < 2 * b + 2; ++j) door[j / 64] |= uint64_t{1} << (j % 64);
  }
  door_.swap(door);
  capacity_ *= 2;
}

uint64_t FrequencySketch::Column(uint64_t hash, int row) const {
  return static_cast<uint64_t>(row) * width_ + Range(Mix(hash, static_cast<uint64_t>(row)), width_);
}

uint32_t FrequencySketch::Counter(uint64_t index) const {
  return static_cast<uint32_t>((counters_[index / 16] >> ((index % 16) * 4)) & 0xf);
}

bool FrequencySketch::DoorkeeperHas(uint64_t hash) const {
  if (door_.empty()) return false;
  const uint64_t bits = door_.size() * 64;
  for (int i = 0; i < kDoorkeeperProbes; ++i) {
    const uint64_t b = Range(Mix(hash, kDepth + i), bits);
    if (!(door_[b / 64] & (uint64_t{1} << (b % 64)))) return false;
  }
  return true;
}

void FrequencySketch::DoorkeeperAdd(uint64_t hash) {
  const uint64_t bits = door_.size() * 64;
  for (int i = 0; i < kDoorkeeperProbes; ++i) {
    const uint64_t b = Range(Mix(hash, kDepth + i), bits);
    door_[b / 64] |= uint64_t{1} << (b % 64);
  }
}

void FrequencySketch::Tick() {
  if (capacity_ == 0) EnsureCapacity(kMinCapacity);
  if (++samples_ >= sample_size_) Halve();
}

void FrequencySketch::Raise(uint64_t hash, uint32_t count) {
  if (count == 0) return;
  if (capacity_ == 0) EnsureCapacity(kMinCapacity);
  // The doorkeeper stands for one record; the counters for the rest.
  if (!door_.empty()) {
    DoorkeeperAdd(hash);
    --count;
  }
  const uint64_t target = std::min(count, kMaxCount);
  for (int r = 0; r < kDepth; ++r) {
    const uint64_t i = Column(hash, r);
    const uint64_t shift = (i % 16) * 4;
    if (((counters_[i / 16] >> shift) & 0xf) < target) {
      counters_[i / 16] = (counters_[i / 16] & ~(uint64_t{0xf} << shift)) | (target << shift);
    }
  }
}

void FrequencySketch::Record(uint64_t hash) {
  Tick();
  if (!door_.empty() && !DoorkeeperHas(hash)) {
    DoorkeeperAdd(hash);
    return;
  }
  uint64_t index[kDepth];
  uint32_t min = kMaxCount;
  for (int r = 0; r < kDepth; ++r) {
    index[r] = Column(hash, r);
    min = std::min(min, Counter(index[r]));
  }
  if (min == kMaxCount) return;
  // Conservative update: only the counters at the minimum grow.
  for (int r = 0; r < kDepth; ++r) {
    if (Counter(index[r]) == min) counters_[index[r] / 16] += uint64_t{1} << ((index[r] % 16) * 4);
  }
}

uint32_t FrequencySketch::Estimate(uint64_t hash) const {
  if (capacity_ == 0) return 0;
  uint32_t min = kMaxCount;
  for (int r = 0; r < kDepth; ++r) min = std::min(min, Counter(Column(hash, r)));
  return min + (DoorkeeperHas(hash) ? 1 : 0);
}

void FrequencySketch::Halve() {
  // Each nibble shifted right by one: the bit shifted in from the next
  // nibble is masked off.
  for (uint64_t& w : counters_) w = (w >> 1) & 0x7777777777777777ull;
  std::fill(door_.begin(), door_.end(), 0);
  samples_ = 0;
  ++halvings_;
}

int64_t FrequencySketch::MemoryBytes() const {
  return static_cast<int64_t>((counters_.capacity() + door_.capacity()) * sizeof(uint64_t));
}

}  // namespace shoal
