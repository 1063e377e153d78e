#include "kernels/window.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <utility>

#include "core/error.h"

namespace camlens {

namespace {

// Every value here is an int that validate() bounded; 64 bits keep the intermediate sums exact.
std::int64_t dilated_extent(int kernel, int dilation) { return std::int64_t{kernel - 1} * dilation + 1; }

int same_total_pad(int in, int kernel, int stride, int dilation) {
  const std::int64_t out = (std::int64_t{in} + stride - 1) / stride;
  return static_cast<int>(std::max<std::int64_t>((out - 1) * stride + dilated_extent(kernel, dilation) - in, 0));
}

int out_size(int in, int pad_before, int pad_after, int kernel, int stride, int dilation) {
  const std::int64_t room = std::int64_t{in} + pad_before + pad_after - dilated_extent(kernel, dilation);
  return room < 0 ? 0 : static_cast<int>(room / stride + 1);  // division truncates toward zero: test the sign first
}

void check_extent(const char* who, const char* parameter, int value) {
  if (value <= 0) fail(who, ": ", parameter, " ", value, " must be positive");
  if (value > kMaxWindowExtent) {
    fail(who, ": ", parameter, " ", value, " is larger than ", kMaxWindowExtent, ", the largest camlens accepts");
  }
}

void check_pad(const char* who, const char* side, int value) {
  if (value < 0) fail(who, ": explicit padding must not be negative, got ", value, " at the ", side);
  if (value > kMaxWindowExtent) {
    fail(who, ": padding ", value, " at the ", side, " is larger than ", kMaxWindowExtent, ", the largest camlens accepts");
  }
}

void check_padded_input(const char* who, const char* axis, int in, int pad_before, int pad_after) {
  const std::int64_t padded = std::int64_t{in} + pad_before + pad_after;
  if (padded > INT_MAX) fail(who, ": the padded input ", axis, " would be ", padded, ", more than ", INT_MAX);
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
  const Padding p = pads(in_h, 1);
  return out_size(in_h, p.top, p.bottom, kernel_h, stride_h, dilation_h);
}

int Window2D::out_w(int in_w) const {
  const Padding p = pads(1, in_w);
  return out_size(in_w, p.left, p.right, kernel_w, stride_w, dilation_w);
}

void Window2D::validate(int in_h, int in_w, const char* who) const {
  check_extent(who, "kernel height", kernel_h);
  check_extent(who, "kernel width", kernel_w);
  check_extent(who, "stride", stride_h);
  check_extent(who, "stride", stride_w);
  check_extent(who, "dilation", dilation_h);
  check_extent(who, "dilation", dilation_w);
  for (auto [kernel, dilation] : {std::pair{kernel_h, dilation_h}, std::pair{kernel_w, dilation_w}}) {
    if (dilated_extent(kernel, dilation) > kMaxWindowExtent) {
      fail(who, ": a kernel of ", kernel, " dilated by ", dilation, " spans ", dilated_extent(kernel, dilation),
           " pixels, more than the ", kMaxWindowExtent, " camlens accepts");
    }
  }
  if (padding_mode == PaddingMode::explicit_pads) {
    check_pad(who, "top", explicit_padding.top);
    check_pad(who, "bottom", explicit_padding.bottom);
    check_pad(who, "left", explicit_padding.left);
    check_pad(who, "right", explicit_padding.right);
  }
  const Padding p = pads(in_h, in_w);
  check_padded_input(who, "height", in_h, p.top, p.bottom);
  check_padded_input(who, "width", in_w, p.left, p.right);
  if (out_h(in_h) <= 0 || out_w(in_w) <= 0) {
    fail(who, ": a ", kernel_h, "x", kernel_w, " window (dilation ", dilation_h, "x", dilation_w,
         ") does not fit a ", in_h, "x", in_w, " input with this padding");
  }
}

}  // namespace camlens
