#include "layers/affine.h"

#include "core/error.h"

namespace camlens {

void affine_forward(Tensor& out, const Tensor& in, const std::vector<float>& scale, const std::vector<float>& offset) {
  const size_t channels = static_cast<size_t>(in.shape().c());
  const size_t scale_step = scale.size() == 1 ? 0 : 1;  // one value broadcasts over every channel
  const size_t offset_step = offset.size() == 1 ? 0 : 1;
  const float* x = in.data();
  float* y = out.data();
  for (size_t i = 0, n = in.size(); i < n; i += channels) {
    for (size_t c = 0; c < channels; ++c) y[i + c] = x[i + c] * scale[c * scale_step] + offset[c * offset_step];
  }
}

void affine_backward(Tensor& d_in, const Tensor& d_out, const std::vector<float>& scale) {
  const size_t channels = static_cast<size_t>(d_in.shape().c());
  const size_t scale_step = scale.size() == 1 ? 0 : 1;
  const float* g = d_out.data();
  float* dx = d_in.data();
  for (size_t i = 0, n = d_in.size(); i < n; i += channels) {
    for (size_t c = 0; c < channels; ++c) dx[i + c] += g[i + c] * scale[c * scale_step];
  }
}

Affine::Affine(std::string name, std::vector<float> scale, std::vector<float> offset)
    : Layer(std::move(name)), scale_(std::move(scale)), offset_(std::move(offset)) {
  if (scale_.empty() || offset_.empty()) {
    fail("Affine '", this->name(), "' needs at least one scale and one offset value, got ", scale_.size(),
         " and ", offset_.size());
  }
}

Shape Affine::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  const size_t channels = static_cast<size_t>(in.c());
  for (const auto& [what, values] : {std::pair{"scale", &scale_}, std::pair{"offset", &offset_}}) {
    if (values->size() != 1 && values->size() != channels) {
      fail("Affine '", name(), "': ", what, " has ", values->size(), " values; input ", in.str(), " needs 1 or ",
           channels, " (one per channel)");
    }
  }
  return in;
}

void Affine::forward(Tensor& out, Inputs in, Phase) { affine_forward(out, *in[0], scale_, offset_); }

void Affine::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) affine_backward(*d_in[0], d_out, scale_);
}

}  // namespace camlens
