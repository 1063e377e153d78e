#include "layers/zero_pad.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "kernels/window.h"

namespace camlens {

namespace {

// Calls row(in_start, out_start, count) for every input row: where it starts in the input, where
// it lands in the padded output, and its length (W * C values, contiguous in both).
template <typename RowFn>
void for_each_row(const Shape& in, const Shape& out, const Padding& pad, RowFn row) {
  const size_t in_row = static_cast<size_t>(in.w()) * in.c();
  const size_t out_row = static_cast<size_t>(out.w()) * out.c();
  const size_t left = static_cast<size_t>(pad.left) * in.c();
  for (int n = 0; n < in.n(); ++n) {
    for (int y = 0; y < in.h(); ++y) {
      const size_t in_start = (static_cast<size_t>(n) * in.h() + y) * in_row;
      const size_t out_start = (static_cast<size_t>(n) * out.h() + y + pad.top) * out_row + left;
      row(in_start, out_start, in_row);
    }
  }
}

}  // namespace

void zero_pad_forward(Tensor& out, const Tensor& in, const Padding& pad) {
  out.fill(0.0f);
  for_each_row(in.shape(), out.shape(), pad, [&](size_t in_start, size_t out_start, size_t count) {
    std::copy_n(in.data() + in_start, count, out.data() + out_start);
  });
}

void zero_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad) {
  for_each_row(d_in.shape(), d_out.shape(), pad, [&](size_t in_start, size_t out_start, size_t count) {
    for (size_t i = 0; i < count; ++i) d_in[in_start + i] += d_out[out_start + i];
  });
}

ZeroPad2D::ZeroPad2D(std::string name, const Padding& pad) : Layer(std::move(name)), pad_(pad) {
  if (std::min({pad.top, pad.bottom, pad.left, pad.right}) < 0) {
    fail("ZeroPad2D '", this->name(), "': pads must be >= 0, got top ", pad.top, ", bottom ", pad.bottom, ", left ",
         pad.left, ", right ", pad.right);
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
                     shape_dimension(std::int64_t{pad_.left} + in.w() + pad_.right, who + "width"), in.c());
}

void ZeroPad2D::forward(Tensor& out, Inputs in, Phase) { zero_pad_forward(out, *in[0], pad_); }

void ZeroPad2D::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) zero_pad_backward(*d_in[0], d_out, pad_);
}

}  // namespace camlens
