#include "kernels/window.h"

#include <doctest/doctest.h>

#include <climits>

#include "core/error.h"

using namespace camlens;

namespace {

Window2D window(int kernel, int stride, int dilation_w, PaddingMode mode = PaddingMode::valid) {
  Window2D w = Window2D::square(kernel, stride, mode);
  w.dilation_w = dilation_w;
  return w;
}

}  // namespace

TEST_CASE("window: SAME and VALID sizes as TensorFlow computes them") {
  const Window2D same = window(3, 2, 1, PaddingMode::same);
  CHECK(same.out_h(28) == 14);
  CHECK(same.pads(28, 28) == Padding{0, 1, 0, 1});
  CHECK(window(3, 1, 2).out_w(28) == 24);
  CHECK(window(3, 16384, 1).out_h(28) == 1);
}

TEST_CASE("window: huge strides, dilations, kernels and pads are refused by name before any arithmetic") {
  auto check_refused = [](const Window2D& w, int in, const char* message) {
    CHECK_THROWS_WITH_AS(w.validate(in, in, "Conv2D 'c'"), doctest::Contains(message), Error);
  };
  check_refused(window(3, INT_MAX, 1), 28, "Conv2D 'c': stride 2147483647 is larger than 16384, the largest camlens accepts");
  check_refused(window(3, INT_MAX, 1, PaddingMode::same), 28, "stride 2147483647 is larger than 16384");
  check_refused(window(3, 1, INT_MAX, PaddingMode::same), 28, "Conv2D 'c': dilation 2147483647 is larger than 16384");
  check_refused(window(3, 1, 10000, PaddingMode::same), 28, "a kernel of 3 dilated by 10000 spans 20001 pixels, more than the 16384");
  check_refused(window(INT_MAX, 1, 1), 28, "kernel height 2147483647 is larger than 16384");
  check_refused(window(3, 0, 1), 28, "Conv2D 'c': stride 0 must be positive");
  Window2D padded = window(3, 1, 1, PaddingMode::explicit_pads);
  padded.explicit_padding = {0, 0, INT_MAX, 0};
  check_refused(padded, 28, "padding 2147483647 at the left is larger than 16384");
  padded.explicit_padding = {16384, 16384, 0, 0};
  check_refused(padded, INT_MAX - 10, "the padded input height would be 2147516405, more than 2147483647");
  check_refused(window(30, 1, 1), 28, "a 30x30 window (dilation 1x1) does not fit a 28x28 input");
}
