#include "layers/add.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

void add_forward(Tensor& out, Inputs in) {
  std::copy_n(in[0]->data(), out.size(), out.data());
  for (size_t k = 1; k < in.size(); ++k) {
    const float* x = in[k]->data();
    float* y = out.data();
    for (size_t i = 0, n = out.size(); i < n; ++i) y[i] += x[i];
  }
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

void Add::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  add_backward(d_in, d_out);
}

}  // namespace camlens
