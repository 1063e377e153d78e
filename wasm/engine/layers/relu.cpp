#include "layers/relu.h"

#include <algorithm>

#include "kernels/parallel.h"

namespace camlens {

// Element-wise, so threads take ranges of elements (a cache line's worth at a time); training
// steps run these on millions of values.
void relu_forward(Tensor& out, const Tensor& in, float cap) {
  const float* x = in.data();
  float* y = out.data();
  kernels::parallel_ranges(in.size(), kernels::kChannelGranule, in.size(), [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) y[i] = std::min(std::max(x[i], 0.0f), cap);
  });
}

void relu_backward(Tensor& d_in, const Tensor& d_out, const Tensor& out, float cap, ReluBackward mode) {
  const float* g = d_out.data();
  const float* y = out.data();
  float* dx = d_in.data();
  with_relu_mode(mode, [&]<ReluBackward fixed>() {
    // As in activation_backward (layer.cpp): by value, and g[i] read unconditionally, for vector selects.
    kernels::parallel_ranges(out.size(), kernels::kChannelGranule, out.size(), [=](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const float gi = g[i];
        dx[i] += relu_passes<fixed>(y[i], gi, cap) ? gi : 0.0f;
      }
    });
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
