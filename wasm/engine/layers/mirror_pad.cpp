#include "layers/mirror_pad.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace camlens {

namespace {

// The input index along an axis of `size` that padded index `padded` copies, `before` being the
// padding ahead of the axis.
int mirrored(int padded, int before, int size, MirrorMode mode) {
  const int i = padded - before;
  const int edge = mode == MirrorMode::symmetric ? 1 : 0;  // symmetric repeats the edge value
  if (i < 0) return -i - edge;
  if (i >= size) return 2 * size - 2 - i + edge;
  return i;
}

// Calls copy(in_offset, out_offset) for the first value of every output pixel's C channels.
template <typename CopyFn>
void for_each_pixel(const Shape& in, const Shape& out, const Padding& pad, MirrorMode mode, CopyFn copy) {
  const size_t channels = static_cast<size_t>(in.c());
  for (int n = 0; n < out.n(); ++n) {
    for (int y = 0; y < out.h(); ++y) {
      const int source_y = mirrored(y, pad.top, in.h(), mode);
      for (int x = 0; x < out.w(); ++x) {
        const int source_x = mirrored(x, pad.left, in.w(), mode);
        const size_t in_pixel = (static_cast<size_t>(n) * in.h() + source_y) * in.w() + source_x;
        const size_t out_pixel = (static_cast<size_t>(n) * out.h() + y) * out.w() + x;
        copy(in_pixel * channels, out_pixel * channels);
      }
    }
  }
}

}  // namespace

void mirror_pad_forward(Tensor& out, const Tensor& in, const Padding& pad, MirrorMode mode) {
  const size_t channels = static_cast<size_t>(in.shape().c());
  for_each_pixel(in.shape(), out.shape(), pad, mode, [&](size_t in_offset, size_t out_offset) {
    std::copy_n(in.data() + in_offset, channels, out.data() + out_offset);
  });
}

void mirror_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad, MirrorMode mode) {
  const size_t channels = static_cast<size_t>(d_in.shape().c());
  for_each_pixel(d_in.shape(), d_out.shape(), pad, mode, [&](size_t in_offset, size_t out_offset) {
    for (size_t c = 0; c < channels; ++c) d_in[in_offset + c] += d_out[out_offset + c];
  });
}

MirrorPad2D::MirrorPad2D(std::string name, const Padding& pad, MirrorMode mode)
    : Layer(std::move(name)), pad_(pad), mode_(mode) {
  if (std::min({pad.top, pad.bottom, pad.left, pad.right}) < 0) {
    fail("MirrorPad2D '", this->name(), "': pads must be >= 0, got top ", pad.top, ", bottom ", pad.bottom, ", left ",
         pad.left, ", right ", pad.right);
  }
}

Shape MirrorPad2D::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() != 4) fail("MirrorPad2D '", name(), "' takes an NHWC rank-4 input, got ", in.str());
  // A mirror holds at most the image itself: size - 1 values without the edge, size with it.
  const int slack = mode_ == MirrorMode::symmetric ? 0 : 1;
  if (std::max(pad_.top, pad_.bottom) > in.h() - slack || std::max(pad_.left, pad_.right) > in.w() - slack) {
    fail("MirrorPad2D '", name(), "': pads top ", pad_.top, ", bottom ", pad_.bottom, ", left ", pad_.left, ", right ",
         pad_.right, " exceed what ", mode_ == MirrorMode::symmetric ? "symmetric" : "reflect", " mirroring of ",
         in.str(), " allows: at most ", in.h() - slack, " above and below, ", in.w() - slack, " left and right");
  }
  const std::string who = "MirrorPad2D '" + name() + "': the padded ";
  return Shape::nhwc(in.n(), shape_dimension(std::int64_t{pad_.top} + in.h() + pad_.bottom, who + "height"),
                     shape_dimension(std::int64_t{pad_.left} + in.w() + pad_.right, who + "width"), in.c());
}

void MirrorPad2D::forward(Tensor& out, Inputs in, Phase) { mirror_pad_forward(out, *in[0], pad_, mode_); }

void MirrorPad2D::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) mirror_pad_backward(*d_in[0], d_out, pad_, mode_);
}

}  // namespace camlens
