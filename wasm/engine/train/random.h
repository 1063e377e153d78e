#pragma once
// SeededRandom: the one random source of training (initialisation, shuffling, augmentation).
// splitmix64 with integer-only derivations, so a seed gives the same run natively and in
// WebAssembly (std::*_distribution and std::shuffle are implementation-defined).
#include <cstddef>
#include <cstdint>
#include <span>

namespace camlens {

class SeededRandom {
 public:
  // A seed, or a state() saved earlier: the sequence continues from there.
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t state() const { return state_; }

  uint64_t next();
  // Uniform in [0, bound), bound >= 1 (multiply-shift: bias below 2^-32 for our bounds).
  uint32_t below(uint32_t bound);
  // Uniform in [lo, hi) with 24 random bits.
  float uniform(float lo, float hi);
  // Fisher-Yates.
  void shuffle(std::span<size_t> values);

 private:
  uint64_t state_;
};

}  // namespace camlens
