#pragma once
// Smooth and piecewise-linear activations applied value by value (what ONNX models exported from
// PyTorch use besides ReLU): Sigmoid, HardSigmoid, HardSwish and LeakyReLU; Tanh and ELU, which
// TensorFlow.js graph models use; and Swish, a Keras activation.
#include "layers/layer.h"

namespace camlens {

enum class PointwiseFunction {
  sigmoid,       // 1 / (1 + exp(-x))
  hard_sigmoid,  // clamp(alpha * x + beta, 0, 1)
  hard_swish,    // x * clamp(x / 6 + 1/2, 0, 1)
  leaky_relu,    // x > 0 ? x : alpha * x
  tanh,          // tanh(x)
  elu,           // x > 0 ? x : alpha * (exp(x) - 1)
  swish,         // x * sigmoid(x) (SiLU): Keras's and TensorFlow.js layers' "swish"
};

struct PointwiseParams {
  PointwiseFunction function = PointwiseFunction::sigmoid;
  float alpha = 0.0f;  // hard_sigmoid's slope, leaky_relu's negative slope, elu's negative saturation
  float beta = 0.0f;   // hard_sigmoid's offset
};

void pointwise_forward(Tensor& out, const Tensor& in, const PointwiseParams& p);
// The derivative is taken at the input `in`; sigmoid's and tanh's come from the output `out`.
void pointwise_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const Tensor& out, const PointwiseParams& p);

class Pointwise : public Layer {
 public:
  Pointwise(std::string name, PointwiseParams params) : Layer(std::move(name)), params_(params) {}

  const char* kind() const override;
  bool per_pixel() const override { return true; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

  const PointwiseParams& params() const { return params_; }

 private:
  PointwiseParams params_;
};

}  // namespace camlens
