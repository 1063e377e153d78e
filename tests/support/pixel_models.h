#pragma once
// Small hand-built models for the per-pixel explanation tests (tests/explain/methods/).
#include "core/tensor.h"
#include "io/model.h"
#include "support/gradcheck.h"

namespace camlens::test {

// A smooth nonlinear model (no ReLU, so finite differences see no kinks): input 7x5x3 -> conv 3x3
// SAME (4) -> depthwise 3x3 -> GAP -> Dense 3 -> Softmax. Its "logits" node is the Softmax, so the
// explained score is a probability: nonlinear in the input. Random weights.
Model smooth_model(Rng& rng);

// Only the top-left 4x4 corner of a 16x16x1 input matters: "features" conv 3x3 SAME + ReLU of the
// 3x3 mean minus 0.1 -> "flat" -> "logits" Dense 2 whose weights read the features of the corner
// only (class 0: +1, class 1: -1). Through the conv's reach, pixels outside the top-left 5x5 never
// change a logit.
Model corner_model();
// The image corner_model explains: a bright textured corner (0.6..0.9) on a random background.
Tensor corner_image();

// Central differences of the score logits[0, target] of `model` at `input` ([1, ...]), element by
// element: (f(x + eps) - f(x - eps)) / (the step float took), f evaluated in float and differenced in double.
Tensor numeric_input_gradient(Model& model, const Tensor& input, int target, float eps);

}  // namespace camlens::test
