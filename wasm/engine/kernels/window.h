#pragma once
// Geometry shared by convolutions and pools: kernel window, stride, dilation and padding,
// with TensorFlow's SAME/VALID rules resolved against a concrete input size.

#include <algorithm>

namespace camlens {

enum class Activation { none, relu, relu6 };

// The activation a layer fuses into its output, on one value.
inline float activate(float x, Activation activation) {
  switch (activation) {
    case Activation::none: return x;
    case Activation::relu: return std::max(x, 0.0f);
    case Activation::relu6: return std::min(std::max(x, 0.0f), 6.0f);
  }
  return x;
}

struct Padding {
  int top = 0, bottom = 0, left = 0, right = 0;
  bool operator==(const Padding&) const = default;
};

enum class PaddingMode { valid, same, explicit_pads };

// The largest kernel, stride, dilation, dilated kernel extent and padding camlens accepts: the
// largest image side it decodes. Checked first, so the geometry's arithmetic cannot overflow.
inline constexpr int kMaxWindowExtent = 16384;

struct Window2D {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  PaddingMode padding_mode = PaddingMode::valid;
  Padding explicit_padding;  // used only with PaddingMode::explicit_pads

  // A kernel x kernel window moving `stride` both ways, undilated.
  static Window2D square(int kernel, int stride, PaddingMode padding) {
    Window2D window;
    window.kernel_h = window.kernel_w = kernel;
    window.stride_h = window.stride_w = stride;
    window.padding_mode = padding;
    return window;
  }

  // Pads for an input of in_h x in_w. SAME puts the odd pixel at the bottom/right, as TensorFlow.
  Padding pads(int in_h, int in_w) const;
  int out_h(int in_h) const;
  int out_w(int in_w) const;
  // Throws an Error naming `who` and the offending parameter if a field is not positive or above
  // kMaxWindowExtent, if the padded input does not fit an int, or if the window does not fit the input.
  void validate(int in_h, int in_w, const char* who) const;
};

}  // namespace camlens
