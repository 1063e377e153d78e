#include "image/image.h"

#include <cstring>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/memory.h"

namespace camlens {

namespace {
void check_image_size(int width, int height, int channels) {
  if (width <= 0 || height <= 0) fail("an image needs a positive width and height, got ", width, "x", height);
  if (channels != 1 && channels != 3 && channels != 4) {
    fail("an image has 1 (gray), 3 (RGB) or 4 (RGBA) channels, got ", channels);
  }
}
}  // namespace

Image::Image(std::unique_ptr<std::uint8_t[], MallocFree> pixels, int width, int height, int channels)
    : pixels_(std::move(pixels)), width_(width), height_(height), channels_(channels) {}

Image::Image(int width, int height, int channels) {
  check_image_size(width, height, channels);
  const std::uint64_t wanted = std::uint64_t{static_cast<unsigned>(width)} * static_cast<unsigned>(height) * channels;
  check_allocation(wanted, "a " + std::to_string(width) + "x" + std::to_string(height) + "x" + std::to_string(channels) + " image");
  const size_t bytes = static_cast<size_t>(wanted);
  pixels_.reset(static_cast<std::uint8_t*>(std::calloc(bytes, 1)));
  if (pixels_ == nullptr) fail("out of memory allocating a ", width, "x", height, "x", channels, " image");
  width_ = width;
  height_ = height;
  channels_ = channels;
}

Image Image::adopt(std::uint8_t* pixels, int width, int height, int channels) {
  std::unique_ptr<std::uint8_t[], MallocFree> owned(pixels);
  check_image_size(width, height, channels);
  if (owned == nullptr) fail("Image::adopt was given no pixels for a ", width, "x", height, " image");
  return Image(std::move(owned), width, height, channels);
}

Image Image::clone() const {
  if (empty()) return Image();
  Image copy(width_, height_, channels_);
  std::memcpy(copy.data(), data(), size());
  return copy;
}

}  // namespace camlens
