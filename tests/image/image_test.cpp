#include "image/image.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

#include "core/error.h"

using namespace camlens;

TEST_CASE("Image is zero-filled, interleaved, and addressed by column and row") {
  Image image(3, 2, 4);
  CHECK(image.width() == 3);
  CHECK(image.height() == 2);
  CHECK(image.channels() == 4);
  CHECK(image.size() == 24);
  CHECK(image.row_size() == 12);
  for (std::uint8_t v : image.bytes()) CHECK(v == 0);
  image.pixel(2, 1)[3] = 7;
  CHECK(image.data()[(1 * 3 + 2) * 4 + 3] == 7);
}

TEST_CASE("Image copies only through clone") {
  Image image(2, 2, 1);
  image.pixel(1, 0)[0] = 42;
  Image copy = image.clone();
  copy.pixel(1, 0)[0] = 1;
  CHECK(image.pixel(1, 0)[0] == 42);
  CHECK(copy.pixel(1, 0)[0] == 1);
  CHECK(Image().clone().empty());
}

TEST_CASE("Image adopts a malloc'd buffer without copying it") {
  auto* pixels = static_cast<std::uint8_t*>(std::malloc(6));
  std::memset(pixels, 9, 6);
  Image image = Image::adopt(pixels, 2, 1, 3);
  CHECK(image.data() == pixels);
  CHECK(image.pixel(1, 0)[2] == 9);
}

TEST_CASE("Image rejects sizes and channel counts it cannot hold") {
  CHECK_THROWS_WITH_AS(Image(0, 4, 3), doctest::Contains("positive width and height, got 0x4"), Error);
  CHECK_THROWS_WITH_AS(Image(4, 4, 2), doctest::Contains("1 (gray), 3 (RGB) or 4 (RGBA) channels, got 2"), Error);
  // adopt frees the buffer it was given even when it refuses it (LeakSanitizer would see it).
  CHECK_THROWS_AS(Image::adopt(static_cast<std::uint8_t*>(std::malloc(8)), 2, 2, 2), Error);
}
