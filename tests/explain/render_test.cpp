#include "explain/render.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "image/channels.h"

using namespace camlens;
using namespace camlens::explain;

namespace {

Image flat_rgb(int width, int height, std::uint8_t value) {
  Image image(width, height, 3);
  for (std::uint8_t& byte : image.bytes()) byte = value;
  return image;
}

Map map_of(int height, int width, std::vector<float> values) {
  Map map(height, width);
  map.values = std::move(values);
  return map;
}

}  // namespace

TEST_CASE("heatmap_image: the map's colours as an RGB image of its size") {
  const Image heat = heatmap_image(map_of(1, 2, {0.0f, 1.0f}), Colormap::jet);
  CHECK(heat.width() == 2);
  CHECK(heat.height() == 1);
  CHECK(heat.channels() == 3);
  CHECK(std::vector<std::uint8_t>(heat.bytes().begin(), heat.bytes().end()) ==
        std::vector<std::uint8_t>{0, 0, 128, 128, 0, 0});  // jet's dark blue, dark red
  CHECK_THROWS_WITH_AS(heatmap_image(Map()), doctest::Contains("empty map"), Error);
}

TEST_CASE("overlay_image: the map blended inside the box, the photo untouched outside") {
  const Image photo = flat_rgb(4, 3, 100);
  // Gray colormap, alpha 0.5: out = round(heat / 2 + 50). 0 -> 50; 1 -> 255 -> 177.5 -> 178;
  // 0.5 -> entry floor(127.5) = 127 -> 113.5 -> 114.
  const Image out = overlay_image(photo, map_of(2, 2, {0.0f, 1.0f, 0.5f, 0.0f}), {1, 1, 2, 2}, Colormap::gray, 0.5f);
  REQUIRE(out.width() == 4);
  REQUIRE(out.height() == 3);
  const std::vector<int> expected{100, 100, 100, 100,  //
                                  100, 50,  178, 100,  //
                                  100, 114, 50,  100};
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 4; ++x) {
      CAPTURE(x);
      CAPTURE(y);
      for (int c = 0; c < 3; ++c) CHECK(out.pixel(x, y)[c] == expected[y * 4 + x]);
    }
  }
  // Over the whole image, the same as overlay() on its bytes.
  const Map whole = map_of(3, 4, {0.f, .1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f, .9f, 1.f, .05f});
  const Image all = overlay_image(photo, whole);
  const std::vector<std::uint8_t> direct = overlay(photo.bytes(), whole, Colormap::jet, 0.4f);
  CHECK(std::vector<std::uint8_t>(all.bytes().begin(), all.bytes().end()) == direct);
}

TEST_CASE("overlay_image: refuses a non-RGB image, a map not of the box's size, a box outside the image") {
  const Map map = map_of(2, 2, {0.f, 1.f, 0.f, 1.f});
  CHECK_THROWS_WITH_AS(overlay_image(Image(4, 4, 4), map, {0, 0, 2, 2}),
                       doctest::Contains("needs an RGB image, got 4 channel(s)"), Error);
  CHECK_THROWS_WITH_AS(overlay_image(flat_rgb(4, 4, 0), map, {0, 0, 3, 2}),
                       doctest::Contains("a map of the box's size 2 x 3 (height x width), got 2 x 2"), Error);
  CHECK_THROWS_WITH_AS(overlay_image(flat_rgb(4, 4, 0), map, {3, 0, 2, 2}),
                       doctest::Contains("the crop box x=3 y=0 width=2 height=2 is not inside the 4x4 image"), Error);
}

TEST_CASE("rgba_pictures: heatmap_image and overlay_image over the crop, as RGBA, for every colormap") {
  Image photo(9, 7, 3);
  for (size_t i = 0; i < photo.size(); ++i) photo.data()[i] = static_cast<std::uint8_t>(i * 71 % 256);
  const CropBox box{2, 1, 5, 4};
  Map map(4, 5);
  for (size_t i = 0; i < map.values.size(); ++i) map.values[i] = static_cast<float>(i) / 13.0f - 0.2f;  // -0.2..1.26
  const auto bytes = [](const Image& image) { return std::vector<std::uint8_t>(image.bytes().begin(), image.bytes().end()); };
  for (Colormap colormap : {Colormap::jet, Colormap::viridis, Colormap::inferno, Colormap::gray}) {
    for (float alpha : {0.0f, 0.4f, 1.0f}) {
      CAPTURE(static_cast<int>(colormap));
      CAPTURE(alpha);
      const RgbaPictures pictures = rgba_pictures(photo, map, box, colormap, alpha);
      CHECK(bytes(pictures.heatmap) == bytes(to_rgba(heatmap_image(map, colormap))));
      CHECK(bytes(pictures.overlay) == bytes(to_rgba(overlay_image(crop_image(photo, box), map, colormap, alpha))));
    }
  }
  CHECK_THROWS_WITH_AS(rgba_pictures(Image(9, 7, 4), map, box, Colormap::jet, 0.4f),
                       doctest::Contains("rgba_pictures needs an RGB image, got 4 channel(s)"), Error);
  CHECK_THROWS_WITH_AS(rgba_pictures(photo, map, {2, 1, 4, 5}, Colormap::jet, 0.4f),
                       doctest::Contains("a map of the box's size 5 x 4 (height x width), got 4 x 5"), Error);
  CHECK_THROWS_WITH_AS(rgba_pictures(photo, map, {5, 1, 5, 4}, Colormap::jet, 0.4f),
                       doctest::Contains("rgba_pictures: the crop box x=5 y=1 width=5 height=4 is not inside"), Error);
}

TEST_CASE("rgba_pictures over a region of the map's size: the same pixels as over that box of a photo") {
  Image photo(9, 7, 3);
  for (size_t i = 0; i < photo.size(); ++i) photo.data()[i] = static_cast<std::uint8_t>(i * 53 % 256);
  const CropBox box{3, 2, 5, 4};
  Map map(4, 5);
  for (size_t i = 0; i < map.values.size(); ++i) map.values[i] = static_cast<float>(i) / 19.0f;
  const auto bytes = [](const Image& image) { return std::vector<std::uint8_t>(image.bytes().begin(), image.bytes().end()); };
  const RgbaPictures over_box = rgba_pictures(photo, map, box, Colormap::viridis, 0.6f);
  const RgbaPictures over_region = rgba_pictures(crop_image(photo, box), map, Colormap::viridis, 0.6f);
  CHECK(bytes(over_region.overlay) == bytes(over_box.overlay));
  CHECK(bytes(over_region.heatmap) == bytes(over_box.heatmap));
  CHECK_THROWS_WITH_AS(rgba_pictures(crop_image(photo, {0, 0, 4, 4}), map, Colormap::jet, 0.4f),
                       doctest::Contains("a map of the box's size 4 x 4 (height x width), got 4 x 5"), Error);
}

TEST_CASE("drawn_size: the box's own size up to max_side, else its longer side max_side, aspect kept") {
  CHECK(drawn_size({0, 0, 140, 140}, 0) == MapSize{140, 140});
  CHECK(drawn_size({0, 0, 140, 140}, 512) == MapSize{140, 140});
  CHECK(drawn_size({5, 7, 512, 512}, 512) == MapSize{512, 512});
  CHECK(drawn_size({0, 0, 2048, 2048}, 512) == MapSize{512, 512});
  CHECK(drawn_size({0, 0, 3000, 2000}, 512) == MapSize{341, 512});  // 2000 * 512 / 3000 = 341.3
  CHECK(drawn_size({0, 0, 1000, 3000}, 300) == MapSize{300, 100});
  CHECK(drawn_size({0, 0, 5000, 3}, 100) == MapSize{1, 100});  // never 0 pixels high
  CHECK(drawn_size({0, 0, 3000, 2000}, -1) == MapSize{2000, 3000});
}
