#include "layers/flatten.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

void flatten_forward(Tensor& out, const Tensor& in) { std::copy_n(in.data(), in.size(), out.data()); }

void flatten_backward(Tensor& d_in, const Tensor& d_out) {
  const float* g = d_out.data();
  float* dx = d_in.data();
  for (size_t i = 0, n = d_in.size(); i < n; ++i) dx[i] += g[i];
}

Shape Flatten::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() < 2) fail("Flatten '", name(), "' needs a batch axis and at least one more, got ", in.str());
  return Shape{in[0], static_cast<int>(in.size() / in[0])};
}

void Flatten::forward(Tensor& out, Inputs in, Phase) { flatten_forward(out, *in[0]); }

void Flatten::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) flatten_backward(*d_in[0], d_out);
}

}  // namespace camlens
