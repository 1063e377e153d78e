#pragma once
// Small hand-built models for the per-pixel explanation tests (tests/explain/methods/).
#include <cstdint>
#include <random>

#include "core/tensor.h"
#include "io/model.h"

namespace camlens::test {

// Uniform numbers from std::mt19937 by a formula of this file's own, so that they, and the models
// and inputs made from them, are the same natively and in WebAssembly (std::uniform_real_distribution
// differs between standard libraries, and so does Rng's).
class PortableRng {
 public:
  explicit PortableRng(std::uint32_t seed) : engine_(seed) {}
  float uniform(float lo, float hi);
  Tensor tensor(const Shape& shape, float lo = -1.0f, float hi = 1.0f);

 private:
  std::mt19937 engine_;
};

// A smooth nonlinear model (no ReLU, so finite differences see no kinks): input 7x5x3 -> conv 3x3
// SAME (4) -> depthwise 3x3 -> GAP -> Dense 3 -> Softmax. Its "logits" node is the Softmax, so the
// explained score is a probability: nonlinear in the input. Random weights.
Model smooth_model(PortableRng& rng);

// A piecewise-linear model: input 8x8x3 -> conv 3x3 SAME + ReLU (4) -> max-pool 2x2 stride 2 ->
// conv 3x3 SAME + ReLU (4) -> GAP -> Dense 3 -> Softmax. Random weights.
Model relu_model(PortableRng& rng);

// Only the top-left 4x4 corner of a 16x16x1 input matters: "features" conv 3x3 SAME + ReLU of the
// 3x3 mean minus 0.1 -> "flat" -> "logits" Dense 2 whose weights read the features of the corner
// only (class 0: +1, class 1: -1). Through the conv's reach, pixels outside the top-left 5x5 never
// change a logit.
Model corner_model();
// The image corner_model explains: a bright textured corner (0.6..0.9) on a random background.
Tensor corner_image();

// A smooth 64x64x1 pattern in the emotion model's [-1, 1] input range (the one
// tests/explain/emotion_test.cpp uses), so that no image decoder is needed.
Tensor emotion_pattern();

// Central differences of the score logits[0, target] of `model` at `input` ([1, ...]), element by
// element: (f(x + eps) - f(x - eps)) / (the step float took), f evaluated in float and differenced in double.
Tensor numeric_input_gradient(Model& model, const Tensor& input, int target, float eps);

}  // namespace camlens::test
