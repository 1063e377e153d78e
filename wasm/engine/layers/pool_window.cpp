#include "layers/pool_window.h"

#include "core/error.h"

namespace camlens {

kernels::PoolGeometry pool_geometry(const Window2D& window, const Shape& in, const char* kind,
                                    const std::string& name) {
  const std::string who = std::string(kind) + " '" + name + "'";
  if (in.rank() != 4) fail(who, " takes an NHWC rank-4 input, got ", in.str());
  if (window.dilation_h != 1 || window.dilation_w != 1) {
    fail(who, ": pooling has no dilation, got ", window.dilation_h, "x", window.dilation_w, "; use 1x1");
  }
  window.validate(in.h(), in.w(), who.c_str());
  const Padding pad = window.pads(in.h(), in.w());
  if (pad.top >= window.kernel_h || pad.bottom >= window.kernel_h || pad.left >= window.kernel_w ||
      pad.right >= window.kernel_w) {
    fail(who, ": padding (top ", pad.top, ", bottom ", pad.bottom, ", left ", pad.left, ", right ", pad.right,
         ") must be smaller than the ", window.kernel_h, "x", window.kernel_w,
         " window, or some windows would hold no input pixel");
  }
  kernels::PoolGeometry g;
  g.batch = in.n();
  g.in_h = in.h();
  g.in_w = in.w();
  g.channels = in.c();
  g.out_h = window.out_h(in.h());
  g.out_w = window.out_w(in.w());
  g.window_h = window.kernel_h;
  g.window_w = window.kernel_w;
  g.stride_h = window.stride_h;
  g.stride_w = window.stride_w;
  g.pad = pad;
  return g;
}

Shape WindowPoolLayer::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const kernels::PoolGeometry g = geometry(inputs[0]);
  return Shape::nhwc(g.batch, g.out_h, g.out_w, g.channels);
}

}  // namespace camlens
