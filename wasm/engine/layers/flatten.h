#pragma once
// Flatten: [N, H, W, C] (or any rank >= 2) -> [N, H*W*C]. NHWC storage is already in this
// order, so forward and backward are plain copies.
#include "layers/layer.h"

namespace camlens {

void flatten_forward(Tensor& out, const Tensor& in);
void flatten_backward(Tensor& d_in, const Tensor& d_out);

class Flatten : public Layer {
 public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "Flatten"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
