#include "image/resize.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens {

std::vector<BilinearTap> bilinear_taps(int in_size, int out_size) {
  if (in_size <= 0 || out_size <= 0) {
    fail("bilinear resize: sizes must be positive, got ", in_size, " -> ", out_size, " samples");
  }
  const double scale = static_cast<double>(in_size) / out_size;
  std::vector<BilinearTap> taps(static_cast<size_t>(out_size));
  for (int i = 0; i < out_size; ++i) {
    // src >= 0.5 * scale - 0.5 > -0.5 and src <= in_size - 0.5, so both neighbours exist after clamping.
    const double src = (i + 0.5) * scale - 0.5;
    const double src_floor = std::floor(src);
    taps[i].lower = std::max(static_cast<int>(src_floor), 0);
    taps[i].upper = std::min(static_cast<int>(std::ceil(src)), in_size - 1);
    taps[i].frac = static_cast<float>(src - src_floor);
  }
  return taps;
}

void resize_bilinear(Tensor& out, const Tensor& in, int out_height, int out_width) {
  if (in.shape().rank() != 4) fail("resize_bilinear: the input must be NHWC (rank 4), got ", in.shape().str());
  if (out_height <= 0 || out_width <= 0) {
    fail("resize_bilinear: the output size must be positive, got height ", out_height, " and width ", out_width);
  }
  if (&out == &in) fail("resize_bilinear: out and in must be different tensors (the output is written while reading)");
  const int batch = in.shape().n(), height = in.shape().h(), width = in.shape().w(), channels = in.shape().c();
  const std::vector<BilinearTap> rows = bilinear_taps(height, out_height);
  const std::vector<BilinearTap> cols = bilinear_taps(width, out_width);
  out.reshape_storage(Shape::nhwc(batch, out_height, out_width, channels));

  const size_t row_stride = static_cast<size_t>(width) * channels;
  float* o = out.data();
  for (int n = 0; n < batch; ++n) {
    const float* image = in.data() + static_cast<size_t>(n) * height * row_stride;
    for (const BilinearTap& row : rows) {
      const float* top = image + row.lower * row_stride;
      const float* bottom = image + row.upper * row_stride;
      for (const BilinearTap& col : cols) {
        const size_t left = static_cast<size_t>(col.lower) * channels, right = static_cast<size_t>(col.upper) * channels;
        for (int c = 0; c < channels; ++c) {
          *o++ = bilinear_mix(top[left + c], top[right + c], bottom[left + c], bottom[right + c], col.frac, row.frac);
        }
      }
    }
  }
}

}  // namespace camlens
