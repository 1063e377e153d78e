#pragma once
// BinaryScore: a model's one output score s in 0..1 (the second of two classes; the first is
// 1 - s) as two logits whose softmax gives back [1 - s, s]:
//   y = [-l / 2, l / 2],  l = log(s / (1 - s)),  s clamped to [kScoreFloor, 1 - kScoreFloor].
// Explaining either logit then follows the score's own gradient, +ds for the second class and -ds
// for the first, times the positive 1 / (2 s (1 - s)): pytorch-grad-cam's BinaryClassifierOutputTarget
// up to a per-input scale, which the maps' normalisation removes.
#include "layers/layer.h"

namespace camlens {

inline constexpr float kScoreFloor = 1e-6f;

void binary_score_forward(Tensor& out, const Tensor& in);
// A score clamped at the floor or the ceiling passes its gradient as if at the clamp: a saturated
// score (common in regression heads) would otherwise blank every gradient map of both classes.
void binary_score_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in);

class BinaryScore : public Layer {
 public:
  explicit BinaryScore(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "BinaryScore"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
