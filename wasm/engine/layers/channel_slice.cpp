#include "layers/channel_slice.h"

#include <cstdint>

#include "core/error.h"

namespace camlens {

void channel_slice_forward(Tensor& out, const Tensor& in, const SliceParams& p) {
  const size_t in_c = static_cast<size_t>(in.shape().c());
  const size_t out_c = static_cast<size_t>(p.count);
  const size_t rows = in.size() / in_c;
  const float* x = in.data();
  float* y = out.data();
  for (size_t r = 0; r < rows; ++r) {
    const float* from = x + r * in_c + p.begin;
    for (size_t j = 0; j < out_c; ++j) y[r * out_c + j] = from[j * p.stride];
  }
}

void channel_slice_backward(Tensor& d_in, const Tensor& d_out, const SliceParams& p) {
  const size_t in_c = static_cast<size_t>(d_in.shape().c());
  const size_t out_c = static_cast<size_t>(p.count);
  const size_t rows = d_in.size() / in_c;
  const float* g = d_out.data();
  float* dx = d_in.data();
  for (size_t r = 0; r < rows; ++r) {
    float* to = dx + r * in_c + p.begin;
    for (size_t j = 0; j < out_c; ++j) to[j * p.stride] += g[r * out_c + j];
  }
}

ChannelSlice::ChannelSlice(std::string name, SliceParams params) : Layer(std::move(name)), params_(params) {
  if (params_.begin < 0 || params_.count < 1 || params_.stride < 1) {
    fail("Slice '", this->name(), "': begin ", params_.begin, ", count ", params_.count, ", stride ", params_.stride,
         "; it needs begin >= 0, count >= 1 and stride >= 1");
  }
}

Shape ChannelSlice::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  // 64 bits: the last index taken may lie far beyond any int when the parameters are wrong.
  const std::int64_t last = params_.begin + std::int64_t{params_.count - 1} * params_.stride;
  if (last >= in.c()) {
    fail("Slice '", name(), "': takes channels ", params_.begin, " to ", last, " (step ", params_.stride, ") of ",
         in.str(), ", which has ", in.c(), "; the slice must end inside the last axis");
  }
  switch (in.rank()) {
    case 1: return Shape{params_.count};
    case 2: return Shape{in[0], params_.count};
    case 3: return Shape{in[0], in[1], params_.count};
    default: return Shape{in[0], in[1], in[2], params_.count};
  }
}

void ChannelSlice::forward(Tensor& out, Inputs in, Phase) { channel_slice_forward(out, *in[0], params_); }

void ChannelSlice::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) channel_slice_backward(*d_in[0], d_out, params_);
}

}  // namespace camlens
