#include "train/random.h"

#include <utility>

namespace camlens {

uint64_t SeededRandom::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint32_t SeededRandom::below(uint32_t bound) {
  return static_cast<uint32_t>(((next() >> 32) * bound) >> 32);
}

float SeededRandom::uniform(float lo, float hi) {
  const float unit = static_cast<float>(next() >> 40) * 0x1.0p-24f;  // [0, 1)
  // The product of two 24-bit mantissas is exact in double, so a compiler fusing the multiply-add
  // (natively, with FMA) or not (WebAssembly) rounds the same sum once: one result everywhere.
  return static_cast<float>(lo + static_cast<double>(hi - lo) * static_cast<double>(unit));
}

void SeededRandom::shuffle(std::span<size_t> values) {
  for (size_t i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[below(static_cast<uint32_t>(i))]);
  }
}

}  // namespace camlens
