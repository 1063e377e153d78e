#pragma once
// Bilinear resize with half-pixel centres, exactly as TensorFlow's resize_bilinear_op.cc and
// TensorFlow.js's tf.image.resizeBilinear(images, size, alignCorners=false, halfPixelCenters=true)
// compute it. The same convention serves model inputs (preprocess.h) and upsampling explanation
// maps to the image (as pytorch-grad-cam does), so both sides of a comparison agree.
//
// Along each axis, for output index i of out_size, from in_size source samples:
//   scale = in_size / out_size
//   src   = (i + 0.5) * scale - 0.5            (pixel centres, not corners, line up)
//   lower = max(floor(src), 0)
//   upper = min(ceil(src), in_size - 1)
//   frac  = src - floor(src)
// and a pixel is
//   top    = in[lower_y][lower_x] + (in[lower_y][upper_x] - in[lower_y][lower_x]) * frac_x
//   bottom = in[upper_y][lower_x] + (in[upper_y][upper_x] - in[upper_y][lower_x]) * frac_x
//   out    = top + (bottom - top) * frac_y
// Near the edges src falls below 0 or above in_size - 1; then lower == upper and the edge sample is
// repeated (TF's clamping). Downscaling reads only the two nearest samples per axis: like TF, no
// antialiasing. Coordinates are computed in double (as TF.js's cpu backend does), values in float.
#include <vector>

#include "core/tensor.h"

namespace camlens {

// The two source neighbours of one output index and the weight of the upper one.
struct BilinearTap {
  int lower = 0;
  int upper = 0;
  float frac = 0.0f;
};

// Taps for every output index along one axis.
std::vector<BilinearTap> bilinear_taps(int in_size, int out_size);

// One output value from its four neighbours, in TF's order of operations.
inline float bilinear_mix(float top_left, float top_right, float bottom_left, float bottom_right, float frac_x,
                          float frac_y) {
  const float top = top_left + (top_right - top_left) * frac_x;
  const float bottom = bottom_left + (bottom_right - bottom_left) * frac_x;
  return top + (bottom - top) * frac_y;
}

// out: [N, out_height, out_width, C] from in: [N, H, W, C]; out's storage is reused when it fits.
void resize_bilinear(Tensor& out, const Tensor& in, int out_height, int out_width);

}  // namespace camlens
