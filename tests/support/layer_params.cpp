#include "support/layer_params.h"

#include <cmath>

namespace camlens::test {

Window2D square_window(int kernel, int stride, PaddingMode padding) {
  Window2D w;
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride;
  w.padding_mode = padding;
  return w;
}

Tensor random_weights(Rng& rng, const Shape& shape, int fan_in) {
  const float scale = std::sqrt(6.0f / static_cast<float>(fan_in));
  return rng.tensor(shape, -scale, scale);
}

}  // namespace camlens::test
