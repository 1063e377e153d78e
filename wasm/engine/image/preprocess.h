#pragma once
// Image -> model input, in one pass from bytes to a float Tensor [1, height, width, C]:
//   1. crop      the box in source pixels (the whole image when there is none);
//   2. resize    each channel's byte values bilinearly to width x height with half-pixel centres
//                (resize.h), clamped at the crop's edges: the same as tf.slice then resizeBilinear;
//   3. to 0..1   v = value / 255;
//   4. colour    gray = w_r R + w_g G + w_b B (C = 1), or R, G, B (C = 3), or B, G, R (C = 3); a
//                gray image is used as is for gray and repeated for RGB; alpha is dropped;
//   5. scaling   v * scale + offset, or (v - mean[c]) / std[c].
// PreprocessSpec is what a model's metadata says about its input. The emotion model, for instance:
//   {.width = 64, .height = 64, .color = ColorMode::gray, .scale = 2, .offset = -1}
// i.e. (gray - 0.5) * 2, which float computes identically as gray * 2 - 1 (scaling by 2 is exact).
#include <array>
#include <optional>
#include <string_view>

#include "core/tensor.h"
#include "image/image.h"

namespace camlens {

enum class ColorMode { gray, rgb, bgr };  // bgr: blue first, as OpenCV reads images
enum class ValueScaling { scale_offset, mean_std };

// Luma weights for R, G, B as the emotion model expects them. TensorFlow's rgb_to_grayscale (Python)
// and TF.js's tf.image.rgbToGrayscale use these same three numbers (not Rec. 601's exact 0.299,
// 0.587, 0.114); they sum to 0.9999, so white becomes 0.9999. TF.js also casts its result back to
// the input dtype, truncating gray for an int32 image; here values stay float.
inline constexpr std::array<float, 3> kGrayWeightsTensorFlow{0.2989f, 0.5870f, 0.1140f};

struct CropBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool operator==(const CropBox&) const = default;
};

struct PreprocessSpec {
  int width = 0;  // the model's input size
  int height = 0;
  ColorMode color = ColorMode::rgb;
  std::array<float, 3> gray_weights = kGrayWeightsTensorFlow;
  ValueScaling scaling = ValueScaling::scale_offset;
  float scale = 1.0f;  // scale_offset: v * scale + offset, on 0..1 values
  float offset = 0.0f;
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};  // mean_std: (v - mean[c]) / std[c]; gray uses [0]
  std::array<float, 3> std{1.0f, 1.0f, 1.0f};
  std::optional<CropBox> crop;  // in source pixels
};

// An Error naming `caller` when `box` is not inside `image` (or has no pixels).
void check_crop_box(const Image& image, const CropBox& box, std::string_view caller);

// The pixels inside `box`, same channels; an Error when the box is not inside the image.
Image crop_image(const Image& image, const CropBox& box);
// The box shrunk to width x height (at most the box's size), each pixel the mean of the source
// area it covers, partly covered pixels weighted by their share: what a map is drawn over when a
// big photo is shown small. Reading every pixel of the box, it does not alias as a bilinear
// shrink would.
Image crop_image(const Image& image, const CropBox& box, int width, int height);

// out becomes [1, spec.height, spec.width, 1 (gray) or 3 (rgb)]; its storage is reused when it fits.
void preprocess_image(Tensor& out, const Image& image, const PreprocessSpec& spec);
Tensor preprocess_image(const Image& image, const PreprocessSpec& spec);

}  // namespace camlens
