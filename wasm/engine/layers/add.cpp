#include "layers/add.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace camlens {

namespace {

// out = in[0] + in[1] + ..., clamped to [low, high] in the last loop over it: one pass for two inputs.
void sum_clamped(Tensor& out, Inputs in, float low, float high) {
  float* y = out.data();
  const size_t n = out.size();
  for (size_t k = 1; k < in.size(); ++k) {
    const float* a = k == 1 ? in[0]->data() : y;
    const float* x = in[k]->data();
    if (k + 1 < in.size()) {
      for (size_t i = 0; i < n; ++i) y[i] = a[i] + x[i];
    } else {
      for (size_t i = 0; i < n; ++i) y[i] = std::min(std::max(a[i] + x[i], low), high);
    }
  }
}

}  // namespace

void add_forward(Tensor& out, Inputs in) {
  sum_clamped(out, in, -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity());
}

void add_backward(InputGrads d_in, const Tensor& d_out) {
  const float* g = d_out.data();
  for (Tensor* d : d_in) {
    if (d == nullptr) continue;
    float* dx = d->data();
    for (size_t i = 0, n = d_out.size(); i < n; ++i) dx[i] += g[i];
  }
}

Shape Add::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() < 2) fail("Add '", name(), "' sums two or more inputs, got ", inputs.size());
  for (size_t k = 1; k < inputs.size(); ++k) {
    if (inputs[k] != inputs[0]) {
      fail("Add '", name(), "': input ", k, " has shape ", inputs[k].str(), " but input 0 has ", inputs[0].str(),
           "; all inputs must have equal shapes (project a residual branch with a 1x1 convolution to match)");
    }
  }
  return inputs[0];
}

void Add::forward(Tensor& out, Inputs in, Phase) { add_forward(out, in); }

void Add::forward_relu(Tensor& out, Inputs in, Phase, float cap) { sum_clamped(out, in, 0.0f, cap); }

void Add::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  add_backward(d_in, d_out);
}

}  // namespace camlens
