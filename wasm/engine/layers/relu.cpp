#include "layers/relu.h"

#include <algorithm>

namespace camlens {

void relu_forward(Tensor& out, const Tensor& in, float cap) {
  const float* x = in.data();
  float* y = out.data();
  for (size_t i = 0, n = in.size(); i < n; ++i) y[i] = std::min(std::max(x[i], 0.0f), cap);
}

void relu_backward(Tensor& d_in, const Tensor& d_out, const Tensor& out, float cap, ReluBackward mode) {
  const float* g = d_out.data();
  const float* y = out.data();
  float* dx = d_in.data();
  with_relu_mode(mode, [&]<ReluBackward fixed>() {
    for (size_t i = 0, n = out.size(); i < n; ++i) dx[i] += relu_passes<fixed>(y[i], g[i], cap) ? g[i] : 0.0f;
  });
}

Shape Relu::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  return inputs[0];
}

void Relu::forward(Tensor& out, Inputs in, Phase) { relu_forward(out, *in[0], cap_); }

void Relu::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor& out, const BackwardRequest& request) {
  if (d_in[0] != nullptr) relu_backward(*d_in[0], d_out, out, cap_, request.relu);
}

}  // namespace camlens
