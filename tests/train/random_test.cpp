#include "train/random.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

using namespace camlens;

TEST_CASE("SeededRandom: a fixed sequence, the same natively and in WebAssembly") {
  // splitmix64's published first outputs for seed 0 (integer arithmetic only: no platform
  // dependence), and what below() and uniform() derive from them.
  SeededRandom random(0);
  CHECK(random.next() == 0xE220A8397B1DCDAFull);
  CHECK(random.next() == 0x6E789E6AA1B965F4ull);
  SeededRandom derived(0);
  CHECK(derived.below(1000) == static_cast<uint32_t>(((0xE220A8397B1DCDAFull >> 32) * 1000) >> 32));
  CHECK(derived.uniform(0.0f, 1.0f) == static_cast<float>(0x6E789E6AA1B965F4ull >> 40) * 0x1.0p-24f);
}

TEST_CASE("SeededRandom: below and uniform stay in range") {
  SeededRandom random(5);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const uint32_t x = random.below(7);
    REQUIRE(x < 7);
    ++counts[x];
    const float u = random.uniform(-2.0f, 3.0f);
    REQUIRE(u >= -2.0f);
    REQUIRE(u < 3.0f);
  }
  // Each of 7 values expected 1000 times; a fair draw stays within +-150 (about 4.5 sigma).
  for (int c : counts) CHECK(std::abs(c - 1000) < 150);
}

TEST_CASE("SeededRandom: shuffle is a seeded permutation") {
  std::vector<size_t> a(50), b(50), c(50);
  std::iota(a.begin(), a.end(), size_t{0});
  b = a;
  c = a;
  SeededRandom first(9), second(9), other(10);
  first.shuffle(a);
  second.shuffle(b);
  other.shuffle(c);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<size_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) CHECK(sorted[i] == i);
}
