#include "image/text.h"

#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "support/requirements.h"

using namespace camlens;

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

std::vector<std::uint8_t> font_bytes() {
  std::ifstream file(kFontPath, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {});
}

// Pixels darker than the white background, inside columns [x0, x1).
int inked(const Image& image, int x0, int x1) {
  int count = 0;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = std::max(0, x0); x < std::min(image.width(), x1); ++x) count += image.pixel(x, y)[0] < 200;
  }
  return count;
}

Image white(int width, int height) {
  Image image(width, height, 3);
  std::memset(image.data(), 255, image.size());
  return image;
}

}  // namespace

TEST_CASE("Font: text is drawn where asked, as wide as measured, and cut with an ellipsis to fit" *
          test::requires_file(kFontPath, "apt-get install fonts-dejavu-core")) {
  const Font font(font_bytes());
  const int width = font.text_width("Ankle boot", 12.0f);
  CHECK(width > 40);
  CHECK(width < 80);
  CHECK(font.text_width("Ankle boot and more", 12.0f) > width);

  Image image = white(120, 20);
  font.draw(image, 10, 2, "Ankle boot", 12.0f, {0, 0, 0});
  CHECK(inked(image, 0, 10) == 0);
  CHECK(inked(image, 10, 10 + width) > 40);
  CHECK(inked(image, 10 + width + 2, 120) == 0);

  const std::string cut = font.fit("T-shirt/top and everything else", 12.0f, 50);
  CHECK(cut.size() < std::string("T-shirt/top and everything else").size());
  CHECK(cut.substr(cut.size() - 3) == "\xE2\x80\xA6");
  CHECK(font.text_width(cut, 12.0f) <= 50);
  CHECK(font.fit("Bag", 12.0f, 50) == "Bag");
  // A cut never splits a UTF-8 sequence.
  const std::string accents = font.fit("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 12.0f, 30);
  CHECK(accents.size() % 2 == 1);  // pairs of bytes, then the 3-byte ellipsis

  Image clipped = white(6, 6);
  font.draw(clipped, -20, -5, "Pullover", 20.0f, {0, 0, 0});  // off the edges: clipped, not out of bounds
}

TEST_CASE("Font: bytes that are not a font are refused") {
  CHECK_THROWS_WITH_AS(Font(std::vector<std::uint8_t>{1, 2, 3}), doctest::Contains("not a TrueType font"), Error);
  CHECK_THROWS_WITH_AS(Font(std::vector<std::uint8_t>(64, 0)), doctest::Contains("not a TrueType font"), Error);
}
