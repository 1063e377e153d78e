#pragma once
// Softmax over the last axis, numerically stable (the row maximum is subtracted first).
// Backward is the exact Jacobian-vector product: d_in += y * (d_out - sum(d_out * y)).
#include "layers/layer.h"

namespace camlens {

void softmax_forward(Tensor& out, const Tensor& in);
void softmax_backward(Tensor& d_in, const Tensor& d_out, const Tensor& out);

class Softmax : public Layer {
 public:
  explicit Softmax(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "Softmax"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
