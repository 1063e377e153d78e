#include "layers/dropout.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

namespace {

// splitmix64: a small generator with a fixed definition, so masks match across platforms.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void dropout_forward(Tensor& out, Tensor& mask, const Tensor& in, float rate, uint64_t seed, uint64_t draw) {
  uint64_t state = seed;
  state = splitmix64(state) ^ draw;  // one stream per (seed, draw)
  const float keep_scale = 1.0f / (1.0f - rate);
  mask.reshape_storage(in.shape());
  for (size_t i = 0, n = in.size(); i < n; ++i) {
    const float uniform = static_cast<float>(splitmix64(state) >> 40) * 0x1.0p-24f;  // [0, 1)
    mask[i] = uniform < rate ? 0.0f : keep_scale;
    out[i] = in[i] * mask[i];
  }
}

void dropout_backward(Tensor& d_in, const Tensor& d_out, const Tensor& mask) {
  for (size_t i = 0, n = d_in.size(); i < n; ++i) d_in[i] += d_out[i] * mask[i];
}

Dropout::Dropout(std::string name, float rate, uint64_t seed) : Layer(std::move(name)), rate_(rate), seed_(seed) {
  if (!(rate >= 0.0f && rate < 1.0f)) fail("Dropout '", this->name(), "': rate must lie in [0, 1), got ", rate);
}

Shape Dropout::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  return inputs[0];
}

void Dropout::forward(Tensor& out, Inputs in, Phase phase) {
  masked_ = phase == Phase::training;
  if (masked_) {
    dropout_forward(out, mask_, *in[0], rate_, seed_, draws_++);
  } else {
    std::copy_n(in[0]->data(), out.size(), out.data());
  }
}

void Dropout::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] == nullptr) return;
  if (masked_) {
    dropout_backward(*d_in[0], d_out, mask_);
  } else {
    float* dx = d_in[0]->data();
    for (size_t i = 0, n = d_out.size(); i < n; ++i) dx[i] += d_out[i];
  }
}

}  // namespace camlens
