#include "layers/prelu.h"

#include "core/error.h"

namespace camlens {

void prelu_forward(Tensor& out, const Tensor& in, const std::vector<float>& alpha) {
  const size_t channels = static_cast<size_t>(in.shape().c());
  const size_t alpha_step = alpha.size() == 1 ? 0 : 1;  // one value broadcasts over every channel
  const float* x = in.data();
  float* y = out.data();
  for (size_t i = 0, n = in.size(); i < n; i += channels) {
    for (size_t c = 0; c < channels; ++c) {
      const float v = x[i + c];
      y[i + c] = v > 0.0f ? v : alpha[c * alpha_step] * v;
    }
  }
}

void prelu_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const std::vector<float>& alpha) {
  const size_t channels = static_cast<size_t>(in.shape().c());
  const size_t alpha_step = alpha.size() == 1 ? 0 : 1;
  const float* x = in.data();
  const float* g = d_out.data();
  float* dx = d_in.data();
  for (size_t i = 0, n = in.size(); i < n; i += channels) {
    for (size_t c = 0; c < channels; ++c) dx[i + c] += x[i + c] > 0.0f ? g[i + c] : alpha[c * alpha_step] * g[i + c];
  }
}

Prelu::Prelu(std::string name, std::vector<float> alpha) : Layer(std::move(name)), alpha_(std::move(alpha)) {
  if (alpha_.empty()) fail("PReLU '", this->name(), "' needs at least one alpha value");
}

Shape Prelu::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (alpha_.size() != 1 && alpha_.size() != static_cast<size_t>(in.c())) {
    fail("PReLU '", name(), "': alpha has ", alpha_.size(), " values; input ", in.str(), " needs 1 or ", in.c(),
         " (one per channel)");
  }
  return in;
}

void Prelu::forward(Tensor& out, Inputs in, Phase) { prelu_forward(out, *in[0], alpha_); }

void Prelu::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) prelu_backward(*d_in[0], d_out, *in[0], alpha_);
}

}  // namespace camlens
