#include "train/augment.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

// A 3x3 one-channel image with pixels 1..9, row-major.
std::vector<float> ramp() { return {1, 2, 3, 4, 5, 6, 7, 8, 9}; }

std::vector<float> transformed(bool flip, int dy, int dx) {
  std::vector<float> image = ramp(), scratch(9);
  flip_and_shift(image.data(), scratch.data(), 3, 3, 1, flip, dy, dx);
  return image;
}

}  // namespace

TEST_CASE("flip_and_shift: hand-worked 3x3 cases") {
  CHECK(transformed(false, 0, 0) == ramp());
  CHECK(transformed(true, 0, 0) == std::vector<float>{3, 2, 1, 6, 5, 4, 9, 8, 7});
  // Content moves down one row, right one column; zeros enter at the top and left.
  CHECK(transformed(false, 1, 0) == std::vector<float>{0, 0, 0, 1, 2, 3, 4, 5, 6});
  CHECK(transformed(false, 0, -1) == std::vector<float>{2, 3, 0, 5, 6, 0, 8, 9, 0});
  // Flip first, then shift: the flipped image [3 2 1 / 6 5 4 / 9 8 7] moved up one, right one.
  CHECK(transformed(true, -1, 1) == std::vector<float>{0, 6, 5, 0, 9, 8, 0, 0, 0});
}

TEST_CASE("flip_and_shift: channels move together") {
  // 1x2 image with 2 channels: pixels (1, 10) and (2, 20).
  std::vector<float> image{1, 10, 2, 20}, scratch(4);
  flip_and_shift(image.data(), scratch.data(), 1, 2, 2, true, 0, 0);
  CHECK(image == std::vector<float>{2, 20, 1, 10});
}

TEST_CASE("augment_batch: seeded, per image, and within the allowed moves") {
  Tensor batch(Shape::nhwc(6, 3, 3, 1));
  for (int n = 0; n < 6; ++n) std::copy_n(ramp().begin(), 9, batch.data() + n * 9);
  Tensor again = batch.clone();
  SeededRandom first(42), second(42);
  augment_batch(batch, AugmentOptions{true, 1}, first);
  augment_batch(again, AugmentOptions{true, 1}, second);
  CHECK(std::equal(batch.values().begin(), batch.values().end(), again.values().begin()));

  // Every image is one of the 2 x 3 x 3 allowed flips and shifts of the ramp.
  int unchanged = 0;
  for (int n = 0; n < 6; ++n) {
    std::vector<float> image(batch.data() + n * 9, batch.data() + n * 9 + 9);
    bool allowed = false;
    for (bool flip : {false, true})
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) allowed = allowed || image == transformed(flip, dy, dx);
    CHECK(allowed);
    unchanged += image == ramp();
  }
  CHECK(unchanged < 6);  // 18 equally likely moves: all six untouched would be a broken draw

  Tensor identity = again.clone();
  SeededRandom third(1);
  augment_batch(identity, AugmentOptions{false, 0}, third);
  CHECK(std::equal(identity.values().begin(), identity.values().end(), again.values().begin()));
}

TEST_CASE("augment_batch: bad shapes and shifts are errors") {
  SeededRandom random(1);
  Tensor flat(Shape{2, 9});
  CHECK_THROWS_WITH_AS(augment_batch(flat, AugmentOptions{}, random),
                       doctest::Contains("images must be [N, H, W, C], got [2, 9]"), Error);
  Tensor small(Shape::nhwc(1, 3, 3, 1));
  CHECK_THROWS_WITH_AS(augment_batch(small, AugmentOptions{false, 3}, random),
                       doctest::Contains("max_shift 3 must lie in [0, 3)"), Error);
}
