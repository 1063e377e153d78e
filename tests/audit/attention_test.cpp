#include "audit/attention.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace camlens;
using namespace camlens::audit;

namespace {

explain::Map map_of(int height, int width, std::vector<float> values) {
  explain::Map map(height, width);
  map.values = std::move(values);
  return map;
}

Mask mask_of(int height, int width, std::vector<std::uint8_t> inside) {
  Mask mask(height, width);
  mask.inside = std::move(inside);
  return mask;
}

}  // namespace

TEST_CASE("inside_share: the positive energy on the object over all the positive energy") {
  const explain::Map map = map_of(2, 2, {3.0f, 1.0f, -5.0f, 0.0f});
  CHECK(inside_share(map, mask_of(2, 2, {1, 0, 0, 0})) == doctest::Approx(0.75));
  CHECK(inside_share(map, mask_of(2, 2, {0, 1, 1, 1})) == doctest::Approx(0.25));  // negative values count nothing
  CHECK(inside_share(map, mask_of(2, 2, {1, 1, 1, 1})) == doctest::Approx(1.0));
  CHECK(inside_share(map_of(1, 2, {-1.0f, 0.0f}), mask_of(1, 2, {1, 1})) == 0.0);  // nothing positive
  CHECK_THROWS_WITH_AS(inside_share(map, mask_of(1, 4, {1, 0, 0, 0})), doctest::Contains("give them at one size"), Error);
}

TEST_CASE("pointing_hit: the peak on the object, the first on a tie, never for a map without a positive value") {
  CHECK(pointing_hit(map_of(2, 2, {0.1f, 0.9f, 0.2f, 0.3f}), mask_of(2, 2, {0, 1, 0, 0})));
  CHECK_FALSE(pointing_hit(map_of(2, 2, {0.1f, 0.9f, 0.2f, 0.3f}), mask_of(2, 2, {1, 0, 1, 1})));
  CHECK(pointing_hit(map_of(1, 3, {0.5f, 0.5f, 0.1f}), mask_of(1, 3, {1, 0, 0})));
  CHECK_FALSE(pointing_hit(map_of(1, 3, {0.5f, 0.5f, 0.1f}), mask_of(1, 3, {0, 1, 0})));
  CHECK_FALSE(pointing_hit(map_of(1, 2, {-1.0f, 0.0f}), mask_of(1, 2, {1, 1})));
}

TEST_CASE("foreground_mask: the bright object of a dark image, cell by cell") {
  Image image(28, 28, 1);
  for (int y = 7; y < 21; ++y)
    for (int x = 14; x < 28; ++x) image.pixel(x, y)[0] = 200;  // the right half's middle rows
  image.pixel(0, 0)[0] = 20;  // faint noise stays background
  const Mask mask = foreground_mask(image, {4, 4});
  CHECK(mask.inside == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0});
  CHECK(mask.coverage() == doctest::Approx(0.25));
  Image rgb(4, 4, 3);
  rgb.pixel(1, 1)[0] = 255;  // a red pixel is as bright as its mean of channels
  CHECK(foreground_mask(rgb, {4, 4}).inside[5] == 1);
  CHECK(foreground_mask(Image(4, 4, 1), {2, 2}).coverage() == 0.0);  // all black: no object
}

TEST_CASE("box_mask, resized and downsampled keep where things are") {
  const Mask box = box_mask(Box{14, 0, 14, 14}, 28, 28, {2, 2});
  CHECK(box.inside == std::vector<std::uint8_t>{0, 1, 0, 0});
  CHECK(resized(box, {4, 4}).inside == std::vector<std::uint8_t>{0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  const explain::Map map = map_of(2, 4, {1, 1, 0, 0, 1, 1, 0, 4});
  const std::vector<float> small = downsampled(map, 2);
  CHECK(small == std::vector<float>{1.0f, 0.0f, 1.0f, 2.0f});
  const std::vector<float> third = downsampled(map_of(1, 3, {3, 0, 0}), 2);  // partial cells weigh by area
  CHECK(third[0] == doctest::Approx(2.0f));
  CHECK(third[1] == doctest::Approx(0.0f));
}
