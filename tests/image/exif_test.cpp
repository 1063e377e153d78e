#include "image/exif.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct TiffEntry {
  std::uint16_t tag, type;
  std::uint32_t count, value;  // a SHORT value sits in the first two bytes of the value field
};

void put(Bytes& out, std::uint32_t value, int size, bool big_endian) {
  for (int i = 0; i < size; ++i) {
    const int shift = 8 * (big_endian ? size - 1 - i : i);
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// "Exif\0\0" + a TIFF header + IFD0 with `entries` (offset 8, as cameras write it).
Bytes exif_payload(bool big_endian, const std::vector<TiffEntry>& entries) {
  Bytes out{'E', 'x', 'i', 'f', 0, 0};
  out.push_back(big_endian ? 'M' : 'I');
  out.push_back(big_endian ? 'M' : 'I');
  put(out, 42, 2, big_endian);
  put(out, 8, 4, big_endian);
  put(out, static_cast<std::uint32_t>(entries.size()), 2, big_endian);
  for (const TiffEntry& e : entries) {
    put(out, e.tag, 2, big_endian);
    put(out, e.type, 2, big_endian);
    put(out, e.count, 4, big_endian);
    if (e.type == 3) {
      put(out, e.value, 2, big_endian);
      put(out, 0, 2, big_endian);
    } else {
      put(out, e.value, 4, big_endian);
    }
  }
  put(out, 0, 4, big_endian);  // no next IFD
  return out;
}

Bytes segment(std::uint8_t marker, const Bytes& payload) {
  const size_t length = payload.size() + 2;  // counts its own two bytes
  Bytes out(2 + length);
  out[0] = 0xFF;
  out[1] = marker;
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length);
  std::copy(payload.begin(), payload.end(), out.begin() + 4);
  return out;
}

// SOI, the given segments, then the start of a scan (whose contents the parser never reads).
Bytes jpeg_with(const std::vector<Bytes>& segments) {
  Bytes out{0xFF, 0xD8};
  for (const Bytes& s : segments) out.insert(out.end(), s.begin(), s.end());
  const Bytes scan{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34};
  out.insert(out.end(), scan.begin(), scan.end());
  return out;
}

Bytes orientation_jpeg(int orientation, bool big_endian) {
  return jpeg_with({segment(0xE1, exif_payload(big_endian, {{0x0112, 3, 1, static_cast<std::uint32_t>(orientation)}}))});
}

Image gray_image(int width, int height, const Bytes& values) {
  Image image(width, height, 1);
  for (size_t i = 0; i < values.size(); ++i) image.data()[i] = values[i];
  return image;
}

Bytes bytes_of(const Image& image) { return Bytes(image.bytes().begin(), image.bytes().end()); }

}  // namespace

TEST_CASE("jpeg_exif_orientation reads every value in both byte orders") {
  for (bool big_endian : {false, true}) {
    for (int orientation = 1; orientation <= 8; ++orientation) {
      CAPTURE(big_endian);
      CAPTURE(orientation);
      CHECK(jpeg_exif_orientation(orientation_jpeg(orientation, big_endian)) == orientation);
    }
  }
}

TEST_CASE("jpeg_exif_orientation walks past other segments, entries and fill bytes") {
  const Bytes jfif = segment(0xE0, {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0});
  const Bytes xmp = segment(0xE1, {'h', 't', 't', 'p', ':', '/', '/', 'n', 's', 0});
  const Bytes exif = segment(0xE1, exif_payload(true, {{0x010F, 2, 4, 0}, {0x0110, 2, 4, 0}, {0x0112, 3, 1, 6}}));
  Bytes jpeg = jpeg_with({jfif, xmp, exif});
  CHECK(jpeg_exif_orientation(jpeg) == 6);
  jpeg.insert(jpeg.begin() + 2, {0xFF, 0xFF});  // fill bytes before the first marker
  CHECK(jpeg_exif_orientation(jpeg) == 6);
}

TEST_CASE("jpeg_exif_orientation says 1 for absent, malformed or out-of-range metadata") {
  CHECK(jpeg_exif_orientation(Bytes{}) == 1);
  CHECK(jpeg_exif_orientation(Bytes{0x89, 'P', 'N', 'G', 0, 0, 0, 0}) == 1);
  CHECK(jpeg_exif_orientation(jpeg_with({})) == 1);
  CHECK(jpeg_exif_orientation(orientation_jpeg(0, false)) == 1);
  CHECK(jpeg_exif_orientation(orientation_jpeg(9, true)) == 1);
  // The tag with the wrong type (LONG) or count.
  CHECK(jpeg_exif_orientation(jpeg_with({segment(0xE1, exif_payload(false, {{0x0112, 4, 1, 6}}))})) == 1);
  CHECK(jpeg_exif_orientation(jpeg_with({segment(0xE1, exif_payload(false, {{0x0112, 3, 2, 6}}))})) == 1);
  // Byte order mark, magic number, IFD offset or entry count that do not fit.
  Bytes payload = exif_payload(false, {{0x0112, 3, 1, 6}});
  Bytes bad_order = payload, bad_magic = payload, far_ifd = payload;
  bad_order[6] = bad_order[7] = 'X';
  bad_magic[8] = 43;
  far_ifd[10] = 0xF0;  // IFD0 at 240, past the segment
  Bytes many_entries = exif_payload(false, {{0x010F, 2, 4, 0}});
  many_entries[14] = 0xFF, many_entries[15] = 0x7F;  // 32767 entries announced, one (not orientation) present
  for (const Bytes* p : {&bad_order, &bad_magic, &far_ifd, &many_entries}) {
    CHECK(jpeg_exif_orientation(jpeg_with({segment(0xE1, *p)})) == 1);
  }
  // An Exif segment after the start of scan is image data, not metadata.
  Bytes late = jpeg_with({});
  const Bytes exif = segment(0xE1, payload);
  late.insert(late.end(), exif.begin(), exif.end());
  CHECK(jpeg_exif_orientation(late) == 1);
}

TEST_CASE("jpeg_exif_orientation stays inside every truncation of a tagged JPEG") {
  // Each prefix lives in a buffer of exactly its size, so a read past the end is caught by
  // AddressSanitizer in the sanitizer build. A prefix that cuts the Exif segment reads as 1.
  const Bytes jpeg = orientation_jpeg(8, true);
  const size_t exif_end = 2 + 4 + exif_payload(true, {{0x0112, 3, 1, 8}}).size();
  for (size_t length = 0; length <= jpeg.size(); ++length) {
    const Bytes prefix(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(length));
    CAPTURE(length);
    CHECK(jpeg_exif_orientation(prefix) == (length >= exif_end ? 8 : 1));
  }
}

TEST_CASE("apply_exif_orientation turns a 3x2 picture upright for all eight values") {
  // Stored:  1 2 3
  //          4 5 6
  const Bytes stored{1, 2, 3, 4, 5, 6};
  struct Case {
    int orientation, width, height;
    Bytes upright;
  };
  const Case cases[] = {
      {1, 3, 2, {1, 2, 3, 4, 5, 6}},
      {2, 3, 2, {3, 2, 1, 6, 5, 4}},  // mirror left-right
      {3, 3, 2, {6, 5, 4, 3, 2, 1}},  // rotate 180
      {4, 3, 2, {4, 5, 6, 1, 2, 3}},  // mirror top-bottom
      {5, 2, 3, {1, 4, 2, 5, 3, 6}},  // transpose
      {6, 2, 3, {4, 1, 5, 2, 6, 3}},  // rotate 90 clockwise: the left column, read upwards, is the top row
      {7, 2, 3, {6, 3, 5, 2, 4, 1}},  // transverse
      {8, 2, 3, {3, 6, 2, 5, 1, 4}},  // rotate 90 anticlockwise: the right column is the top row
  };
  for (const Case& c : cases) {
    CAPTURE(c.orientation);
    Image upright = apply_exif_orientation(gray_image(3, 2, stored), c.orientation);
    CHECK(upright.width() == c.width);
    CHECK(upright.height() == c.height);
    CHECK(bytes_of(upright) == c.upright);
  }
}

TEST_CASE("apply_exif_orientation keeps each pixel's channels together") {
  Image image(2, 1, 3);
  const Bytes rgb{10, 20, 30, 40, 50, 60};
  for (size_t i = 0; i < rgb.size(); ++i) image.data()[i] = rgb[i];
  Image upright = apply_exif_orientation(std::move(image), 6);
  CHECK(upright.width() == 1);
  CHECK(upright.height() == 2);
  CHECK(bytes_of(upright) == rgb);  // a row turned clockwise becomes a column, top to bottom
}

TEST_CASE("apply_exif_orientation composes like rotations on an odd-sized RGBA picture") {
  Image image(7, 5, 4);
  for (size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(i * 7 + 3);
  const Bytes original = bytes_of(image);
  Image quarter = apply_exif_orientation(image.clone(), 6);
  Image half = apply_exif_orientation(quarter.clone(), 6);
  CHECK(bytes_of(half) == bytes_of(apply_exif_orientation(image.clone(), 3)));
  Image full = apply_exif_orientation(apply_exif_orientation(std::move(half), 6), 6);
  CHECK(bytes_of(full) == original);
  CHECK(bytes_of(apply_exif_orientation(std::move(quarter), 8)) == original);
  CHECK(bytes_of(apply_exif_orientation(apply_exif_orientation(image.clone(), 5), 5)) == original);
  CHECK(bytes_of(apply_exif_orientation(apply_exif_orientation(image.clone(), 7), 7)) == original);
}

TEST_CASE("apply_exif_orientation refuses values outside 1 to 8") {
  CHECK_THROWS_WITH_AS(apply_exif_orientation(Image(1, 1, 1), 0), doctest::Contains("1 to 8, got 0"), Error);
  CHECK_THROWS_WITH_AS(apply_exif_orientation(Image(1, 1, 1), 9), doctest::Contains("1 to 8, got 9"), Error);
}
