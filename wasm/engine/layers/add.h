#pragma once
// Add: the element-wise sum of two or more inputs of equal shape (residual connections).
#include "layers/layer.h"

namespace camlens {

void add_forward(Tensor& out, Inputs in);
// Every wanted input receives the whole output gradient.
void add_backward(InputGrads d_in, const Tensor& d_out);

class Add : public Layer {
 public:
  explicit Add(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "Add"; }
  bool per_pixel() const override { return true; }
  int input_count() const override { return -1; }  // two or more, checked by output_shape
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  bool fuses_relu(float) const override { return true; }
  void forward_relu(Tensor& out, Inputs in, Phase phase, float cap) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
