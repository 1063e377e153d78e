#pragma once
// What tests that build convolutional graphs by hand share: square windows and weights scaled so
// that activations stay of order one.
#include "core/tensor.h"
#include "kernels/window.h"
#include "support/gradcheck.h"

namespace camlens::test {

// A kernel x kernel window moving `stride` both ways.
Window2D square_window(int kernel, int stride, PaddingMode padding = PaddingMode::same);

// Uniform in +-sqrt(6 / fan_in): each output sums fan_in products and stays of order one.
Tensor random_weights(Rng& rng, const Shape& shape, int fan_in);

}  // namespace camlens::test
