#include "image/encode.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "image/decode.h"

using namespace camlens;

namespace {

// doctest's matcher takes its own string type, not std::string.
doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

Image patterned(int width, int height, int channels) {
  Image image(width, height, channels);
  for (size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return image;
}

std::vector<std::uint8_t> bytes_of(const Image& image) { return {image.bytes().begin(), image.bytes().end()}; }

// A fresh path in the temporary folder (the native and WebAssembly suites may run at once).
std::string temporary_png_path() {
  std::random_device random;
  return (std::filesystem::temp_directory_path() / ("camlens_encode_test_" + std::to_string(random()) + ".png")).string();
}

}  // namespace

TEST_CASE("encode_png writes a PNG whose header has the image's size and colour type") {
  struct Case {
    int channels, colour_type;  // PNG colour types: 0 gray, 2 RGB, 6 RGBA
  };
  for (Case c : {Case{1, 0}, Case{3, 2}, Case{4, 6}}) {
    CAPTURE(c.channels);
    const std::vector<std::uint8_t> png = encode_png(patterned(300, 2, c.channels));
    REQUIRE(png.size() > 33);
    CHECK(std::vector<std::uint8_t>(png.begin(), png.begin() + 8) ==
          std::vector<std::uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    CHECK(std::string(png.begin() + 12, png.begin() + 16) == "IHDR");
    CHECK((png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19]) == 300);  // width, big-endian
    CHECK((png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23]) == 2);    // height
    CHECK(png[24] == 8);                                                     // bits per channel
    CHECK(png[25] == c.colour_type);
  }
}

TEST_CASE("encode_png round-trips gray, RGB and RGBA pixels exactly") {
  for (int channels : {1, 3, 4}) {
    CAPTURE(channels);
    const Image image = patterned(7, 5, channels);
    const Image decoded = decode_image(encode_png(image));
    CHECK(decoded.width() == 7);
    CHECK(decoded.height() == 5);
    CHECK(decoded.channels() == channels);
    CHECK(bytes_of(decoded) == bytes_of(image));
  }
}

TEST_CASE("write_png_file writes a file that decodes to the same pixels") {
  const Image image = patterned(9, 4, 3);
  const std::string path = temporary_png_path();
  write_png_file(image, path);
  const Image decoded = decode_image_file(path);
  std::filesystem::remove(path);
  CHECK(bytes_of(decoded) == bytes_of(image));
}

TEST_CASE("encoding errors name what could not be written") {
  CHECK_THROWS_WITH_AS(encode_png(Image()), doctest::Contains("the image is empty"), Error);
  const std::string path = "tests/fixtures/no-such-folder/out.png";
  CHECK_THROWS_WITH_AS(write_png_file(patterned(2, 2, 1), path),
                       contains("cannot create PNG file " + path + ": No such file or directory"), Error);
}
