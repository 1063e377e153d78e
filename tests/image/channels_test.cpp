#include "image/channels.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using namespace camlens;

namespace {

Image image_of(int width, int height, int channels, std::vector<std::uint8_t> bytes) {
  Image image(width, height, channels);
  std::copy(bytes.begin(), bytes.end(), image.data());
  return image;
}

std::vector<std::uint8_t> bytes_of(const Image& image) { return {image.data(), image.data() + image.size()}; }

}  // namespace

TEST_CASE("to_rgb drops alpha and repeats gray") {
  const Image rgba = image_of(2, 1, 4, {10, 20, 30, 0, 40, 50, 60, 255});
  const Image rgb = to_rgb(rgba);
  CHECK((rgb.width() == 2 && rgb.height() == 1 && rgb.channels() == 3));
  CHECK(bytes_of(rgb) == std::vector<std::uint8_t>{10, 20, 30, 40, 50, 60});
  CHECK(bytes_of(to_rgb(image_of(1, 2, 1, {7, 9}))) == std::vector<std::uint8_t>{7, 7, 7, 9, 9, 9});
  CHECK(bytes_of(to_rgb(rgb)) == bytes_of(rgb));
}

TEST_CASE("to_rgba makes gray and RGB opaque and keeps an alpha it is given") {
  CHECK(bytes_of(to_rgba(image_of(2, 1, 3, {1, 2, 3, 4, 5, 6}))) == std::vector<std::uint8_t>{1, 2, 3, 255, 4, 5, 6, 255});
  CHECK(bytes_of(to_rgba(image_of(1, 1, 1, {8}))) == std::vector<std::uint8_t>{8, 8, 8, 255});
  const Image rgba = image_of(1, 1, 4, {1, 2, 3, 4});
  CHECK(bytes_of(to_rgba(rgba)) == bytes_of(rgba));
}
