#include "kernels/window.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

namespace {
int same_total_pad(int in, int kernel, int stride, int dilation) {
  int out = (in + stride - 1) / stride;
  int effective_kernel = (kernel - 1) * dilation + 1;
  return std::max((out - 1) * stride + effective_kernel - in, 0);
}
}  // namespace

Padding Window2D::pads(int in_h, int in_w) const {
  switch (padding_mode) {
    case PaddingMode::valid:
      return {};
    case PaddingMode::explicit_pads:
      return explicit_padding;
    case PaddingMode::same: {
      int total_h = same_total_pad(in_h, kernel_h, stride_h, dilation_h);
      int total_w = same_total_pad(in_w, kernel_w, stride_w, dilation_w);
      return {total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
    }
  }
  return {};
}

int Window2D::out_h(int in_h) const {
  Padding p = pads(in_h, 1);
  int effective_kernel = (kernel_h - 1) * dilation_h + 1;
  int room = in_h + p.top + p.bottom - effective_kernel;
  return room < 0 ? 0 : room / stride_h + 1;  // division truncates toward zero: test the sign first
}

int Window2D::out_w(int in_w) const {
  Padding p = pads(1, in_w);
  int effective_kernel = (kernel_w - 1) * dilation_w + 1;
  int room = in_w + p.left + p.right - effective_kernel;
  return room < 0 ? 0 : room / stride_w + 1;
}

void Window2D::validate(int in_h, int in_w, const char* who) const {
  if (kernel_h <= 0 || kernel_w <= 0 || stride_h <= 0 || stride_w <= 0 || dilation_h <= 0 || dilation_w <= 0) {
    fail(who, ": kernel ", kernel_h, "x", kernel_w, ", stride ", stride_h, "x", stride_w, ", dilation ",
         dilation_h, "x", dilation_w, " must all be positive");
  }
  const Padding& p = explicit_padding;
  if (padding_mode == PaddingMode::explicit_pads && (p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0)) {
    fail(who, ": explicit padding must not be negative");
  }
  if (out_h(in_h) <= 0 || out_w(in_w) <= 0) {
    fail(who, ": a ", kernel_h, "x", kernel_w, " window (dilation ", dilation_h, "x", dilation_w,
         ") does not fit a ", in_h, "x", in_w, " input with this padding");
  }
}

}  // namespace camlens
