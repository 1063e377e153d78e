#include "layers/zero_pad.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "kernels/window.h"

namespace camlens {

namespace {

// Calls run(in_start, out_start, count) for every stretch of input values that stays contiguous in
// the padded output: a whole row (W * C values) without channel padding, else one pixel (C values).
template <typename RunFn>
void for_each_run(const Shape& in, const Shape& out, const Padding& pad, const ChannelPadding& channels, RunFn run) {
  const size_t in_row = static_cast<size_t>(in.w()) * in.c();
  const size_t out_row = static_cast<size_t>(out.w()) * out.c();
  const size_t left = static_cast<size_t>(pad.left) * out.c() + channels.before;
  const bool whole_rows = channels.before == 0 && channels.after == 0;
  for (int n = 0; n < in.n(); ++n) {
    for (int y = 0; y < in.h(); ++y) {
      const size_t in_start = (static_cast<size_t>(n) * in.h() + y) * in_row;
      const size_t out_start = (static_cast<size_t>(n) * out.h() + y + pad.top) * out_row + left;
      if (whole_rows) {
        run(in_start, out_start, in_row);
        continue;
      }
      for (int x = 0; x < in.w(); ++x) {
        run(in_start + static_cast<size_t>(x) * in.c(), out_start + static_cast<size_t>(x) * out.c(),
            static_cast<size_t>(in.c()));
      }
    }
  }
}

}  // namespace

void zero_pad_forward(Tensor& out, const Tensor& in, const Padding& pad, const ChannelPadding& channels) {
  out.fill(0.0f);
  for_each_run(in.shape(), out.shape(), pad, channels, [&](size_t in_start, size_t out_start, size_t count) {
    std::copy_n(in.data() + in_start, count, out.data() + out_start);
  });
}

void zero_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad, const ChannelPadding& channels) {
  for_each_run(d_in.shape(), d_out.shape(), pad, channels, [&](size_t in_start, size_t out_start, size_t count) {
    for (size_t i = 0; i < count; ++i) d_in[in_start + i] += d_out[out_start + i];
  });
}

ZeroPad2D::ZeroPad2D(std::string name, const Padding& pad, const ChannelPadding& channels)
    : Layer(std::move(name)), pad_(pad), channels_(channels) {
  if (std::min({pad.top, pad.bottom, pad.left, pad.right}) < 0) {
    fail("ZeroPad2D '", this->name(), "': pads must be >= 0, got top ", pad.top, ", bottom ", pad.bottom, ", left ",
         pad.left, ", right ", pad.right);
  }
  if (std::min(channels.before, channels.after) < 0 || std::max(channels.before, channels.after) > kMaxWindowExtent) {
    fail("ZeroPad2D '", this->name(), "': channel pads must be within 0..", kMaxWindowExtent, ", got before ",
         channels.before, ", after ", channels.after);
  }
  if (std::max({pad.top, pad.bottom, pad.left, pad.right}) > kMaxWindowExtent) {
    fail("ZeroPad2D '", this->name(), "': pads must be at most ", kMaxWindowExtent, ", got top ", pad.top, ", bottom ",
         pad.bottom, ", left ", pad.left, ", right ", pad.right);
  }
}

Shape ZeroPad2D::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() != 4) fail("ZeroPad2D '", name(), "' takes an NHWC rank-4 input, got ", in.str());
  const std::string who = "ZeroPad2D '" + name() + "': the padded ";
  return Shape::nhwc(in.n(), shape_dimension(std::int64_t{pad_.top} + in.h() + pad_.bottom, who + "height"),
                     shape_dimension(std::int64_t{pad_.left} + in.w() + pad_.right, who + "width"),
                     shape_dimension(std::int64_t{channels_.before} + in.c() + channels_.after, who + "channel count"));
}

void ZeroPad2D::forward(Tensor& out, Inputs in, Phase) { zero_pad_forward(out, *in[0], pad_, channels_); }

void ZeroPad2D::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) zero_pad_backward(*d_in[0], d_out, pad_, channels_);
}

}  // namespace camlens
