#include "image/gif.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <stb/stb_image.h>

#include "core/error.h"

using namespace camlens;

namespace {

// A frame whose left half is one colour and right half another.
Image two_colour_frame(int width, int height, const std::uint8_t left[3], const std::uint8_t right[3]) {
  Image image(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) std::memcpy(image.pixel(x, y), x < width / 2 ? left : right, 3);
  }
  return image;
}

struct DecodedGif {
  int width = 0, height = 0, frames = 0;
  std::vector<int> delays_ms;
  std::vector<std::uint8_t> rgba;  // every frame, one after another
};

// stb_image reads it: a decoder independent of the encoder's library.
DecodedGif decode(const std::vector<std::uint8_t>& bytes) {
  DecodedGif out;
  int* delays = nullptr;
  int channels = 0;
  std::uint8_t* pixels = stbi_load_gif_from_memory(bytes.data(), static_cast<int>(bytes.size()), &delays, &out.width,
                                                   &out.height, &out.frames, &channels, 4);
  REQUIRE(pixels != nullptr);
  out.rgba.assign(pixels, pixels + static_cast<size_t>(out.width) * out.height * out.frames * 4);
  out.delays_ms.assign(delays, delays + out.frames);
  std::free(pixels);
  std::free(delays);
  return out;
}

}  // namespace

TEST_CASE("encode_gif: every frame, its delay and its colours come back through another decoder") {
  const std::uint8_t red[3] = {220, 20, 30}, blue[3] = {10, 40, 230}, white[3] = {255, 255, 255};
  std::vector<Image> frames;
  frames.push_back(two_colour_frame(40, 24, red, blue));
  frames.push_back(two_colour_frame(40, 24, blue, white));
  frames.push_back(two_colour_frame(40, 24, white, red));
  const std::vector<std::uint8_t> bytes = encode_gif(frames, 500);
  REQUIRE(bytes.size() > 6);
  CHECK(std::memcmp(bytes.data(), "GIF89a", 6) == 0);
  const std::string text(bytes.begin(), bytes.end());
  CHECK(text.find("NETSCAPE2.0") != std::string::npos);  // loops

  const DecodedGif gif = decode(bytes);
  CHECK(gif.width == 40);
  CHECK(gif.height == 24);
  REQUIRE(gif.frames == 3);
  for (int delay : gif.delays_ms) CHECK(delay == 500);
  const std::uint8_t* expected[3][2] = {{red, blue}, {blue, white}, {white, red}};
  for (int f = 0; f < 3; ++f) {
    for (int x : {3, 30}) {
      const std::uint8_t* pixel = gif.rgba.data() + ((static_cast<size_t>(f) * 24 + 10) * 40 + x) * 4;
      const std::uint8_t* colour = expected[f][x < 20 ? 0 : 1];
      for (int c = 0; c < 3; ++c) CHECK(std::abs(pixel[c] - colour[c]) <= 8);  // quantised to 5 bits a channel
    }
  }
}

TEST_CASE("encode_gif: no frames, frames of different sizes and gray frames are refused with the reason") {
  const std::uint8_t black[3] = {0, 0, 0};
  std::vector<Image> none;
  CHECK_THROWS_WITH_AS(encode_gif(none, 100), doctest::Contains("at least one frame"), Error);
  std::vector<Image> mixed;
  mixed.push_back(two_colour_frame(8, 8, black, black));
  mixed.push_back(two_colour_frame(9, 8, black, black));
  CHECK_THROWS_WITH_AS(encode_gif(mixed, 100), doctest::Contains("of 8x8"), Error);
  std::vector<Image> gray;
  gray.emplace_back(8, 8, 1);
  CHECK_THROWS_WITH_AS(encode_gif(gray, 100), doctest::Contains("RGB or RGBA"), Error);
  std::vector<Image> one;
  one.push_back(two_colour_frame(8, 8, black, black));
  CHECK_THROWS_WITH_AS(encode_gif(one, -1), doctest::Contains("negative"), Error);
}
