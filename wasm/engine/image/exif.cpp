#include "image/exif.h"

#include <cstddef>
#include <cstring>

#include "core/error.h"

namespace camlens {

namespace {

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTiffTypeShort = 3;

// True when [offset, offset + length) lies inside a buffer of `size` bytes; written so that no
// sum can wrap around, whatever values a crafted file puts in its offsets.
bool fits(size_t size, size_t offset, size_t length) { return offset <= size && length <= size - offset; }

std::uint16_t read_u16(const std::uint8_t* p, bool big_endian) {
  return big_endian ? static_cast<std::uint16_t>(p[0] << 8 | p[1]) : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}

std::uint32_t read_u32(const std::uint8_t* p, bool big_endian) {
  const std::uint32_t hi = read_u16(big_endian ? p : p + 2, big_endian);
  const std::uint32_t lo = read_u16(big_endian ? p + 2 : p, big_endian);
  return hi << 16 | lo;
}

// The orientation tag of IFD0 in a TIFF structure (an Exif APP1 payload after "Exif\0\0").
int tiff_orientation(std::span<const std::uint8_t> tiff) {
  const size_t size = tiff.size();
  if (size < 8) return 1;
  bool big_endian;
  if (tiff[0] == 'M' && tiff[1] == 'M') {
    big_endian = true;
  } else if (tiff[0] == 'I' && tiff[1] == 'I') {
    big_endian = false;
  } else {
    return 1;
  }
  if (read_u16(&tiff[2], big_endian) != 42) return 1;
  const size_t ifd = read_u32(&tiff[4], big_endian);
  if (!fits(size, ifd, 2)) return 1;
  const size_t entries = read_u16(&tiff[ifd], big_endian);
  // ifd <= size < 64 KiB (one JPEG segment) and entries < 64 Ki, so the offsets below cannot wrap.
  for (size_t i = 0; i < entries; ++i) {
    const size_t entry = ifd + 2 + 12 * i;  // tag u16, type u16, count u32, value or offset u32
    if (!fits(size, entry, 12)) return 1;
    if (read_u16(&tiff[entry], big_endian) != kOrientationTag) continue;
    const bool one_short = read_u16(&tiff[entry + 2], big_endian) == kTiffTypeShort &&
                           read_u32(&tiff[entry + 4], big_endian) == 1;
    if (!one_short) return 1;
    const int value = read_u16(&tiff[entry + 8], big_endian);  // a SHORT sits left-aligned in the field
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

}  // namespace

int jpeg_exif_orientation(std::span<const std::uint8_t> jpeg) {
  const size_t size = jpeg.size();
  if (size < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return 1;
  size_t pos = 2;
  // Walk the segments before the image data: FF <marker> <length u16 big-endian, counting itself>.
  while (fits(size, pos, 4)) {
    if (jpeg[pos] != 0xFF) return 1;
    const std::uint8_t marker = jpeg[pos + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // start of scan or end of image: no Exif found
    const size_t length = read_u16(&jpeg[pos + 2], /*big_endian=*/true);
    if (length < 2 || !fits(size, pos + 2, length)) return 1;
    const std::span<const std::uint8_t> payload = jpeg.subspan(pos + 4, length - 2);
    if (marker == 0xE1 && payload.size() >= 6 && std::memcmp(payload.data(), "Exif\0\0", 6) == 0) {
      return tiff_orientation(payload.subspan(6));
    }
    pos += 2 + length;
  }
  return 1;
}

Image apply_exif_orientation(Image image, int orientation) {
  if (orientation < 1 || orientation > 8) {
    fail("apply_exif_orientation: an EXIF orientation is 1 to 8, got ", orientation);
  }
  if (orientation == 1 || image.empty()) return image;
  const std::ptrdiff_t w = image.width(), h = image.height();
  const int channels = image.channels();
  const bool swaps_sides = orientation >= 5;
  Image upright(swaps_sides ? image.height() : image.width(), swaps_sides ? image.width() : image.height(), channels);

  // Upright pixel (x, y) is stored pixel number start + x * step_x + y * step_y.
  struct Walk {
    std::ptrdiff_t start, step_x, step_y;
  };
  Walk walk{};
  switch (orientation) {
    case 2: walk = {w - 1, -1, w}; break;          // stored (w-1-x, y)
    case 3: walk = {h * w - 1, -1, -w}; break;     // stored (w-1-x, h-1-y)
    case 4: walk = {(h - 1) * w, 1, -w}; break;    // stored (x, h-1-y)
    case 5: walk = {0, w, 1}; break;               // stored (y, x)
    case 6: walk = {(h - 1) * w, -w, 1}; break;    // stored (y, h-1-x)
    case 7: walk = {h * w - 1, -w, -1}; break;     // stored (w-1-y, h-1-x)
    default: walk = {w - 1, w, -1}; break;         // 8: stored (w-1-y, x)
  }
  const std::uint8_t* stored = image.data();
  std::uint8_t* out = upright.data();
  for (int y = 0; y < upright.height(); ++y) {
    std::ptrdiff_t source = walk.start + y * walk.step_y;
    for (int x = 0; x < upright.width(); ++x, source += walk.step_x) {
      const std::uint8_t* pixel = stored + source * channels;
      for (int c = 0; c < channels; ++c) *out++ = pixel[c];
    }
  }
  return upright;
}

}  // namespace camlens
