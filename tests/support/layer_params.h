#pragma once
// What tests that build convolutional graphs by hand share: weights scaled so that activations stay
// of order one.
#include "core/tensor.h"
#include "kernels/window.h"
#include "support/gradcheck.h"

namespace camlens::test {

// Uniform in +-sqrt(6 / fan_in): each output sums fan_in products and stays of order one.
Tensor random_weights(Rng& rng, const Shape& shape, int fan_in);

}  // namespace camlens::test
