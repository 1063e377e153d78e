#pragma once
// ReLU and ReLU6: y = min(max(x, 0), cap), cap = +inf for ReLU and 6 for ReLU6.
#include <limits>

#include "layers/layer.h"

namespace camlens {

void relu_forward(Tensor& out, const Tensor& in, float cap);
void relu_backward(Tensor& d_in, const Tensor& d_out, const Tensor& out, float cap, ReluBackward mode);

class Relu : public Layer {
 public:
  static constexpr float kNoCap = std::numeric_limits<float>::infinity();
  explicit Relu(std::string name, float cap = kNoCap) : Layer(std::move(name)), cap_(cap) {}

  const char* kind() const override { return cap_ == kNoCap ? "ReLU" : "ReLU6"; }
  bool per_pixel() const override { return true; }
  float cap() const { return cap_; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

 private:
  float cap_;
};

}  // namespace camlens
