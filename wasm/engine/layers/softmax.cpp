#include "layers/softmax.h"

#include <algorithm>
#include <cmath>

namespace camlens {

void softmax_forward(Tensor& out, const Tensor& in) {
  const int width = in.shape().c();
  const size_t rows = in.size() / width;
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in.data() + r * width;
    float* y = out.data() + r * width;
    const float largest = *std::max_element(x, x + width);
    float sum = 0.0f;
    for (int i = 0; i < width; ++i) sum += y[i] = std::exp(x[i] - largest);
    for (int i = 0; i < width; ++i) y[i] /= sum;
  }
}

void softmax_backward(Tensor& d_in, const Tensor& d_out, const Tensor& out) {
  const int width = out.shape().c();
  const size_t rows = out.size() / width;
  for (size_t r = 0; r < rows; ++r) {
    const float* y = out.data() + r * width;
    const float* g = d_out.data() + r * width;
    float* dx = d_in.data() + r * width;
    float dot = 0.0f;
    for (int i = 0; i < width; ++i) dot += g[i] * y[i];
    for (int i = 0; i < width; ++i) dx[i] += y[i] * (g[i] - dot);
  }
}

Shape Softmax::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  return inputs[0];
}

void Softmax::forward(Tensor& out, Inputs in, Phase) { softmax_forward(out, *in[0]); }

void Softmax::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor& out, const BackwardRequest&) {
  if (d_in[0] != nullptr) softmax_backward(*d_in[0], d_out, out);
}

}  // namespace camlens
