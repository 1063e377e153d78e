#include "image/channels.h"

#include <cstdint>

#include "core/error.h"

namespace camlens {

namespace {

// Every pixel of `image` (1, 3 or 4 channels) as RGBA, written into `channels` (3 or 4) per pixel.
Image convert(const Image& image, int channels) {
  const int from = image.channels();
  if (from != 1 && from != 3 && from != 4) fail("image: cannot convert an image of ", from, " channel(s)");
  Image out(image.width(), image.height(), channels);
  const size_t pixels = static_cast<size_t>(image.width()) * image.height();
  const std::uint8_t* in = image.data();
  std::uint8_t* o = out.data();
  for (size_t p = 0; p < pixels; ++p, in += from, o += channels) {
    o[0] = in[0];
    o[1] = from == 1 ? in[0] : in[1];
    o[2] = from == 1 ? in[0] : in[2];
    if (channels == 4) o[3] = from == 4 ? in[3] : 255;
  }
  return out;
}

}  // namespace

Image to_rgb(const Image& image) { return convert(image, 3); }
Image to_rgba(const Image& image) { return convert(image, 4); }

}  // namespace camlens
