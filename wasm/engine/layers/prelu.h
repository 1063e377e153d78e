#pragma once
// PReLU: y[..., c] = x > 0 ? x : alpha[c] * x over the last axis (channels). `alpha` holds one value
// (shared by every channel) or one per channel. A constant, not trained: TensorFlow's Prelu op and
// the Prelu that TensorFlow.js's converter fuses into _FusedConv2D and _FusedMatMul (Keras' PReLU
// with its slopes shared over H and W).
#include <vector>

#include "layers/layer.h"

namespace camlens {

// `alpha` has 1 or `in.shape().c()` values (checked by the layer).
void prelu_forward(Tensor& out, const Tensor& in, const std::vector<float>& alpha);
// Accumulates; the slope is taken at the input `in` (1 where x > 0, else alpha).
void prelu_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const std::vector<float>& alpha);

class Prelu : public Layer {
 public:
  Prelu(std::string name, std::vector<float> alpha);

  const char* kind() const override { return "PReLU"; }
  bool per_pixel() const override { return true; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

  const std::vector<float>& alpha() const { return alpha_; }

 private:
  std::vector<float> alpha_;
};

}  // namespace camlens
