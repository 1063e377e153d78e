#pragma once
// Image: 8-bit pixels, rows top to bottom, channels interleaved: 1 (gray), 3 (RGB) or 4 (RGBA).
// Bytes, not floats: every producer (stb_image, the browser's ImageData) and every consumer (PNG
// writer, canvas, overlay) speaks bytes, and preprocessing converts straight to the model's float
// Tensor in one pass, so a float copy of the whole picture never exists.
// The storage comes from std::malloc so that a buffer decoded by stb_image is adopted, not copied.
// Copies are explicit (clone), as for Tensor.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

namespace camlens {

class Image {
 public:
  Image() = default;
  Image(int width, int height, int channels);  // zero-filled
  // Takes ownership of `pixels` (width * height * channels bytes from std::malloc, as stb_image
  // returns them); frees them even when the sizes are rejected.
  static Image adopt(std::uint8_t* pixels, int width, int height, int channels);
  Image(Image&&) noexcept = default;
  Image& operator=(Image&&) noexcept = default;
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  Image clone() const;
  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  bool empty() const { return pixels_ == nullptr; }
  size_t size() const { return static_cast<size_t>(width_) * height_ * channels_; }  // bytes
  size_t row_size() const { return static_cast<size_t>(width_) * channels_; }         // bytes
  std::uint8_t* data() { return pixels_.get(); }
  const std::uint8_t* data() const { return pixels_.get(); }
  std::span<std::uint8_t> bytes() { return {data(), size()}; }
  std::span<const std::uint8_t> bytes() const { return {data(), size()}; }
  // First channel of the pixel in column x, row y (unchecked).
  std::uint8_t* pixel(int x, int y) { return data() + (static_cast<size_t>(y) * width_ + x) * channels_; }
  const std::uint8_t* pixel(int x, int y) const {
    return data() + (static_cast<size_t>(y) * width_ + x) * channels_;
  }

 private:
  struct MallocFree {
    void operator()(std::uint8_t* p) const { std::free(p); }
  };
  Image(std::unique_ptr<std::uint8_t[], MallocFree> pixels, int width, int height, int channels);

  std::unique_ptr<std::uint8_t[], MallocFree> pixels_;
  int width_ = 0;
  int height_ = 0;
  int channels_ = 0;
};

}  // namespace camlens
