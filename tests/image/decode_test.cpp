#include "image/decode.h"

#include <doctest/doctest.h>
// The engine compiles stb_image_write (encode.cpp); the test uses its JPEG and gray+alpha PNG
// writers, which the engine does not expose, to make inputs.
#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "image/encode.h"
#include "image/exif.h"

using namespace camlens;

namespace {

// doctest's matcher takes its own string type, not std::string.
doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

using Bytes = std::vector<std::uint8_t>;
const std::string kFixtures = "tests/fixtures/images/";

Bytes read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "cannot open ", path, " (run the tests from the repository root)");
  return Bytes(std::istreambuf_iterator<char>(file), {});
}

Bytes bytes_of(const Image& image) { return {image.bytes().begin(), image.bytes().end()}; }

Image image_from(int width, int height, int channels, const Bytes& values) {
  Image image(width, height, channels);
  std::copy(values.begin(), values.end(), image.data());
  return image;
}

void append(void* context, void* data, int size) {
  auto& out = *static_cast<Bytes*>(context);
  out.insert(out.end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

// 32x16 RGB in four flat 16x8 quadrants: red, green / blue, white. Quality 95 keeps stb's writer
// from subsampling chroma, and each 8x8 block is one colour, so the decoded colours stay close.
Bytes quadrants_jpeg() {
  Image image(32, 16, 3);
  const std::uint8_t colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 32; ++x) {
      const std::uint8_t* colour = colours[(y >= 8) * 2 + (x >= 16)];
      std::copy(colour, colour + 3, image.pixel(x, y));
    }
  }
  Bytes jpeg;
  REQUIRE(stbi_write_jpg_to_func(append, &jpeg, 32, 16, 3, image.data(), 95));
  return jpeg;
}

// `jpeg` with an Exif APP1 segment holding only an orientation tag, right after SOI.
Bytes with_orientation(const Bytes& jpeg, int orientation, bool big_endian) {
  auto u16 = [&](int v) {
    return big_endian ? Bytes{std::uint8_t(v >> 8), std::uint8_t(v)} : Bytes{std::uint8_t(v), std::uint8_t(v >> 8)};
  };
  Bytes tiff = big_endian ? Bytes{'M', 'M', 0, 42, 0, 0, 0, 8} : Bytes{'I', 'I', 42, 0, 8, 0, 0, 0};
  for (const Bytes& part : {u16(1), u16(0x0112), u16(3), big_endian ? Bytes{0, 0, 0, 1} : Bytes{1, 0, 0, 0},
                            u16(orientation), Bytes{0, 0, 0, 0, 0, 0}}) {
    tiff.insert(tiff.end(), part.begin(), part.end());
  }
  const size_t length = 2 + 6 + tiff.size();
  Bytes app1{0xFF, 0xE1, std::uint8_t(length >> 8), std::uint8_t(length), 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// Checks one pixel of a lossy decode against a colour, within `tolerance` per channel.
void check_colour(const Image& image, int x, int y, std::array<int, 3> colour, int tolerance) {
  CAPTURE(x);
  CAPTURE(y);
  for (int c = 0; c < 3; ++c) CHECK(std::abs(image.pixel(x, y)[c] - colour[c]) <= tolerance);
}

// Headers announcing a size, with no pixel data after them.
Bytes bmp_header(std::int32_t width, std::int32_t height) {
  Bytes out{'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0};
  for (std::int32_t v : {width, height}) {
    for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(static_cast<std::uint32_t>(v) >> (8 * i)));
  }
  const Bytes rest{1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Bytes png_header(std::uint32_t width, std::uint32_t height, std::uint8_t colour_type) {
  Bytes out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (std::uint32_t v : {width, height}) {
    for (int i = 3; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
  }
  const Bytes rest{8, colour_type, 0, 0, 0, 0, 0, 0, 0};  // depth, colour type, methods, CRC (stb skips it)
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Bytes gif_header(std::uint16_t width, std::uint16_t height) {
  return {'G', 'I', 'F', '8', '9', 'a', std::uint8_t(width), std::uint8_t(width >> 8), std::uint8_t(height),
          std::uint8_t(height >> 8), 0, 0, 0};
}

Bytes jpeg_header(std::uint16_t width, std::uint16_t height) {
  return {0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, std::uint8_t(height >> 8), std::uint8_t(height), std::uint8_t(width >> 8),
          std::uint8_t(width), 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1};
}

}  // namespace

TEST_CASE("decode converts channels on request") {
  const Image rgb = image_from(2, 1, 3, {10, 20, 30, 40, 50, 60});
  CHECK(bytes_of(decode_image(encode_png(rgb), {.channels = 4})) == Bytes{10, 20, 30, 255, 40, 50, 60, 255});
  const Image rgba = image_from(1, 1, 4, {1, 2, 3, 4});
  CHECK(bytes_of(decode_image(encode_png(rgba), {.channels = 3})) == Bytes{1, 2, 3});
  const Image gray = image_from(2, 1, 1, {7, 200});
  CHECK(bytes_of(decode_image(encode_png(gray), {.channels = 3})) == Bytes{7, 7, 7, 200, 200, 200});
}

TEST_CASE("a gray+alpha PNG decodes as RGBA") {
  const Bytes gray_alpha{90, 255, 30, 128};  // two pixels: (gray, alpha)
  Bytes png;
  REQUIRE(stbi_write_png_to_func(append, &png, 2, 1, 2, gray_alpha.data(), 4));
  const Image image = decode_image(png);
  CHECK(image.channels() == 4);
  CHECK(bytes_of(image) == Bytes{90, 90, 90, 255, 30, 30, 30, 128});
}

TEST_CASE("BMP fixture: bottom-up rows in BGR order, padded to 4 bytes") {
  const Image image = decode_image_file(kFixtures + "bgr_3x2.bmp");
  CHECK(image.width() == 3);
  CHECK(image.height() == 2);
  CHECK(image.channels() == 3);
  CHECK(bytes_of(image) == Bytes{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50, 255, 255, 255});
}

TEST_CASE("a top-down BMP (negative height) decodes like the bottom-up one") {
  Bytes bmp = read_bytes(kFixtures + "bgr_3x2.bmp");
  const Image bottom_up = decode_image(bmp);
  bmp[22] = bmp[23] = bmp[24] = bmp[25] = 0xFF;  // height -1 ...
  bmp[22] = 0xFE;                                // ... -2
  std::swap_ranges(bmp.begin() + 54, bmp.begin() + 66, bmp.begin() + 66);
  CHECK(bytes_of(decode_image(bmp)) == bytes_of(bottom_up));
}

TEST_CASE("GIF fixture: the first frame of an animation, as RGBA") {
  const Image image = decode_image_file(kFixtures + "two_frames_4x2.gif");
  CHECK(image.width() == 4);
  CHECK(image.height() == 2);
  CHECK(image.channels() == 4);
  // Palette red, green, blue, white; frame 1 is 0 1 2 3 / 3 2 1 0 (frame 2 is all white).
  const Bytes r{255, 0, 0, 255}, g{0, 255, 0, 255}, b{0, 0, 255, 255}, w{255, 255, 255, 255};
  Bytes expected;
  for (const Bytes* p : {&r, &g, &b, &w, &w, &b, &g, &r}) expected.insert(expected.end(), p->begin(), p->end());
  CHECK(bytes_of(image) == expected);
}

TEST_CASE("JPEG fixture with EXIF orientation 6 comes out upright") {
  // Stored 32x16: red | green over blue | white. Turned 90 degrees clockwise it is 16x32:
  // blue | red over white | green. Tolerance 8: flat 8x8 blocks at quality 95 decode nearly exactly.
  const Image image = decode_image_file(kFixtures + "exif_orientation6.jpg");
  CHECK(image.width() == 16);
  CHECK(image.height() == 32);
  check_colour(image, 4, 8, {0, 0, 255}, 8);
  check_colour(image, 12, 8, {255, 0, 0}, 8);
  check_colour(image, 4, 24, {255, 255, 255}, 8);
  check_colour(image, 12, 24, {0, 255, 0}, 8);
}

TEST_CASE("a progressive JPEG, its Huffman tables defined between scans, decodes every pixel") {
  // 32x16: red | green over blue | white, in ten scans (spectral selection and successive
  // approximation) with a DHT segment before each. Every 8x8 block is flat, so every pixel is near its colour.
  const Image image = decode_image_file(kFixtures + "progressive_quadrants.jpg");
  REQUIRE(image.width() == 32);
  REQUIRE(image.height() == 16);
  const std::array<std::array<int, 3>, 4> quadrants{{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}}};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 32; ++x) check_colour(image, x, y, quadrants[(y >= 8) * 2 + (x >= 16)], 8);
  }
}

TEST_CASE("every EXIF orientation, in both byte orders, is applied to a decoded JPEG") {
  const Bytes jpeg = quadrants_jpeg();
  const Image stored = decode_image(jpeg);
  CHECK(stored.width() == 32);
  check_colour(stored, 8, 4, {255, 0, 0}, 8);
  for (bool big_endian : {false, true}) {
    for (int orientation = 1; orientation <= 8; ++orientation) {
      CAPTURE(big_endian);
      CAPTURE(orientation);
      const Image decoded = decode_image(with_orientation(jpeg, orientation, big_endian));
      const Image expected = apply_exif_orientation(stored.clone(), orientation);
      CHECK(decoded.width() == expected.width());
      CHECK(bytes_of(decoded) == bytes_of(expected));  // the JPEG decode is deterministic: exact
    }
  }
}

TEST_CASE("a truncated JPEG file is an Error naming the file") {
  // stb fails on this file (in a cut-off Huffman table) without a reason of its own: the message
  // says so rather than repeat the "bad png sig" its PNG probe left behind.
  const std::string path = kFixtures + "truncated.jpg";
  CHECK_THROWS_WITH_AS(
      decode_image_file(path),
      contains("cannot decode " + path + ": its JPEG data is truncated or corrupt (stb_image gave no reason)"), Error);
}

TEST_CASE("truncated bytes of every format are Errors, never partly black pictures") {
  const Bytes png = encode_png(image_from(4, 4, 3, Bytes(48, 99)));
  const Bytes jpeg = quadrants_jpeg();
  const Bytes bmp = read_bytes(kFixtures + "bgr_3x2.bmp");
  const Bytes gif = read_bytes(kFixtures + "two_frames_4x2.gif");
  struct Case {
    const Bytes* bytes;
    size_t keep;
    const char* says;
  };
  const Case cases[] = {
      {&png, png.size() - 20, "its PNG data is truncated: the IDAT chunk at byte 33 announces "},
      {&png, png.size() - 6, "its PNG data is truncated or corrupt (stb_image: "},
      {&jpeg, jpeg.size() - 10, "its JPEG data is truncated or corrupt (stb_image: expected marker)"},
      {&jpeg, jpeg.size() / 2, "its JPEG data is truncated or corrupt (stb_image gave no reason)"},
      {&bmp, 54, "the BMP file is truncated: its header announces 78 bytes with the pixel rows, it has 54"},
      {&bmp, bmp.size() - 1, "the BMP file is truncated"},
      {&bmp, 31, "the BMP file is truncated: its header is cut off"},
      {&gif, 40, "the GIF file is truncated: it ends before its first frame"},
      {&gif, 50, "the GIF file is truncated: its first frame is cut off"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.keep);
    const Bytes cut(c.bytes->begin(), c.bytes->begin() + static_cast<std::ptrdiff_t>(c.keep));
    CHECK_THROWS_WITH_AS(decode_image(cut), contains(std::string("cannot decode image bytes: ") + c.says),
                         Error);
  }
  // A GIF cut after its first frame still has all of that frame.
  const Bytes first_frame_only(gif.begin(), gif.begin() + 57);
  CHECK(decode_image(first_frame_only).width() == 4);
}

TEST_CASE("a JPEG Huffman table with more than 256 codes is refused before stb reads past its tables") {
  Bytes jpeg = quadrants_jpeg();
  const Bytes dht_marker{0xFF, 0xC4};
  const auto dht = std::search(jpeg.begin(), jpeg.end(), dht_marker.begin(), dht_marker.end());
  REQUIRE(dht != jpeg.end());
  std::fill(dht + 5, dht + 21, 32);  // the 16 code counts of the first table: 16 * 32 = 512 codes
  const doctest::Contains refusal(
      "cannot decode image bytes: the JPEG file is corrupt: a Huffman table (DHT) announces 512 codes");
  CHECK_THROWS_WITH_AS(decode_image(jpeg), refusal, Error);
  // Without its frame header (SOF0 turned into an APP14 marker) even stb's size probe reaches the table.
  const Bytes sof_marker{0xFF, 0xC0};
  const auto sof = std::search(jpeg.begin(), jpeg.end(), sof_marker.begin(), sof_marker.end());
  REQUIRE(sof < dht);
  sof[1] = 0xEE;
  CHECK_THROWS_WITH_AS(decode_image(jpeg), refusal, Error);
}

TEST_CASE("headers claiming 20000x20000 pixels are refused before any pixel buffer exists") {
  // No pixel data follows these headers: the size is all a decoder would have to go on.
  const std::string refusal =
      "the image is 20000x20000 (400.0 megapixels), over the limits of 16384 pixels a side and 50 megapixels";
  const Bytes headers[] = {bmp_header(20000, 20000), bmp_header(20000, -20000), png_header(20000, 20000, 2),
                           png_header(20000, 20000, 0), gif_header(20000, 20000), jpeg_header(20000, 20000)};
  for (const Bytes& header : headers) {
    CHECK_THROWS_WITH_AS(decode_image(header, {}, "huge.img"), contains("cannot decode huge.img: " + refusal),
                         ImageTooLargeError);
  }
  CHECK_THROWS_WITH_AS(decode_image(bmp_header(16385, 1)), doctest::Contains("16385x1 (0.0 megapixels), over the"),
                       Error);
  CHECK_THROWS_WITH_AS(decode_image(gif_header(8000, 7000)), doctest::Contains("8000x7000 (56.0 megapixels), over"),
                       Error);
  // 16384 a side is allowed: this one fails later, for its missing pixels.
  CHECK_THROWS_WITH_AS(decode_image(bmp_header(16384, 1)), doctest::Contains("the BMP file is truncated"), Error);
}

TEST_CASE("a caller's lower pixel limit refuses an image the default allows") {
  const Bytes header = png_header(1000, 600, 2);
  CHECK_THROWS_WITH_AS(decode_image(header, {.max_pixels = 500'000}),
                       contains("the image is 1000x600 (0.6 megapixels), over the limits of 16384 pixels a side and "
                                "0.5 megapixels"),
                       ImageTooLargeError);
  CHECK_THROWS_WITH_AS(decode_image(header, {.max_pixels = 600'000}), doctest::Contains("truncated"), Error);
}

TEST_CASE("what is not a supported image says so") {
  const Bytes html{'<', 'h', 't', 'm', 'l', '>', '<', '/', 'h'};
  CHECK_THROWS_WITH_AS(decode_image(html), doctest::Contains("not a PNG, JPEG, BMP or GIF file (it starts with bytes "
                                                             "3c 68 74 6d 6c 3e 3c 2f)"),
                       NotAnImageError);
  CHECK_THROWS_WITH_AS(decode_image(Bytes{}), doctest::Contains("cannot decode image bytes: it is empty"), Error);
  CHECK_THROWS_WITH_AS(decode_image_file(kFixtures + "missing.png"),
                       contains("cannot open image file " + kFixtures + "missing.png: No such file"), Error);
  const Bytes png = encode_png(image_from(1, 1, 1, {0}));
  CHECK_THROWS_WITH_AS(decode_image(png, {.channels = 2}), doctest::Contains("0 (as stored), 1, 3 or 4, got 2"), Error);
  Bytes corrupt = png;
  corrupt[12] = 'X';  // the first chunk is no longer IHDR
  CHECK_THROWS_WITH_AS(decode_image(corrupt), doctest::Contains("its PNG header is truncated or corrupt (stb_image: "),
                       Error);
}

TEST_CASE("hostile images: an empty first IDAT decodes; bad IHDR fields, chunk types and tables say what is wrong") {
  const std::string hostile = "tests/fixtures/hostile/";
  const Image image = decode_image(read_bytes(hostile + "png_empty_first_idat.png"));
  CHECK(bytes_of(image) == Bytes{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255});
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "png_compression_method_1.png")),
                       doctest::Contains("cannot decode image bytes: PNG compression method 1 is not supported"), Error);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "png_bit_depth_3.png")),
                       doctest::Contains("cannot decode image bytes: PNG bit depth 3 is invalid for colour type 2; it allows 8, 16"),
                       Error);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "png_binary_chunk_type.png")),
                       doctest::Contains("its PNG data is corrupt: the chunk at byte 33 has the type 49 00 ff 01, which is "
                                         "not four letters"),
                       Error);
  Bytes unknown_critical = read_bytes(hostile + "png_binary_chunk_type.png");
  std::copy_n("QZXY", 4, unknown_critical.begin() + 37);
  CHECK_THROWS_WITH_AS(decode_image(unknown_critical), doctest::Contains("(stb_image: QZXY PNG chunk not known)"), Error);
  Bytes bad_colour = png_header(2, 2, 5);
  CHECK_THROWS_WITH_AS(decode_image(bad_colour), doctest::Contains("PNG colour type 5 is invalid"), Error);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "image/png_sides_overflow.png")),
                       doctest::Contains("the image is 4278190080x4227858432 (18087582003426.8 megapixels), over the limits"),
                       ImageTooLargeError);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "image/jpeg_undefined_huffman_table.jpg")),
                       doctest::Contains("the JPEG file is corrupt: a scan decodes with the DC Huffman table 2, which no "
                                         "DHT segment before it defines"),
                       Error);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "image/jpeg_progressive_undefined_ac_table.jpg")),
                       doctest::Contains("the JPEG file is corrupt: a scan decodes with the AC Huffman table 3, which no "
                                         "DHT segment before it defines"),
                       Error);
  CHECK_THROWS_WITH_AS(decode_image(read_bytes(hostile + "image/png_idat_longer_than_file.png")),
                       doctest::Contains("its PNG data is truncated: the IDAT chunk at byte 378 announces 1714453504 "
                                         "bytes, and 8 follow"),
                       Error);
}
