#include "layers/depthwise_conv2d.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

Tensor tensor(const Shape& shape, std::vector<float> values) { return Tensor(shape, values); }

ConvParams params(int kernel_h, int kernel_w, PaddingMode mode = PaddingMode::valid, int stride = 1,
                  Activation activation = Activation::none) {
  ConvParams p;
  p.window.kernel_h = kernel_h;
  p.window.kernel_w = kernel_w;
  p.window.stride_h = p.window.stride_w = stride;
  p.window.padding_mode = mode;
  p.activation = activation;
  return p;
}

struct Case {
  const char* what;
  int batch, h, w, channels, multiplier, kernel_h, kernel_w, stride, dilation;
  PaddingMode mode;
  Padding pads;  // explicit_pads only
};

DepthwiseConv2D random_layer(const Case& c, Rng& rng, Activation activation = Activation::none) {
  ConvParams p = params(c.kernel_h, c.kernel_w, c.mode, c.stride, activation);
  p.window.dilation_h = p.window.dilation_w = c.dilation;
  p.window.explicit_padding = c.pads;
  return DepthwiseConv2D("dw", rng.tensor(Shape{c.kernel_h, c.kernel_w, c.channels, c.multiplier}),
                         rng.tensor(Shape{c.channels * c.multiplier}), p);
}

}  // namespace

TEST_CASE("DepthwiseConv2D forward on hand-worked cases") {
  SUBCASE("3x3 SAME, multiplier 1: each channel keeps its own kernel") {
    // Channel 0: image 1..9 with a ones kernel -> sums of in-bounds neighbourhoods (corner 1+2+4+5 = 12,
    // centre 45). Channel 1: 10..90 with a centre-only kernel -> itself.
    Tensor x(Shape::nhwc(1, 3, 3, 2));
    for (int i = 0; i < 9; ++i) {
      x[2 * i] = static_cast<float>(i + 1);
      x[2 * i + 1] = static_cast<float>(10 * (i + 1));
    }
    Tensor kernel(Shape{3, 3, 2, 1});
    for (int tap = 0; tap < 9; ++tap) {
      kernel[2 * tap] = 1.0f;
      kernel[2 * tap + 1] = tap == 4 ? 1.0f : 0.0f;
    }
    DepthwiseConv2D dw("dw", std::move(kernel), Tensor(), params(3, 3, PaddingMode::same));
    Tensor y = run_forward(dw, {&x});
    std::vector<float> sums{12, 21, 16, 27, 45, 33, 24, 39, 28};
    for (int i = 0; i < 9; ++i) {
      CHECK(y[2 * i] == sums[i]);
      CHECK(y[2 * i + 1] == x[2 * i + 1]);
    }
  }
  SUBCASE("multiplier 2: output channel c * 2 + m reads input channel c") {
    // Pixels p0 = [1, 2], p1 = [3, 4]; 1x2 kernel [tap][c][m]: tap0 = [[1, 2], [3, 4]], tap1 = [[5, 6], [7, 8]].
    // oc0 = 1*1 + 3*5 = 16, oc1 = 1*2 + 3*6 = 20, oc2 = 2*3 + 4*7 = 34, oc3 = 2*4 + 4*8 = 40; bias [0, 0, 0, -40].
    Tensor x = tensor(Shape::nhwc(1, 1, 2, 2), {1, 2, 3, 4});
    Tensor kernel = tensor(Shape{1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    DepthwiseConv2D dw("dw", std::move(kernel), tensor(Shape{4}, {0, 0, 0, -40}),
                       params(1, 2, PaddingMode::valid, 1, Activation::relu));
    CHECK(dw.out_channels() == 4);
    Tensor y = run_forward(dw, {&x});
    CHECK(values_of(y) == std::vector<float>{16, 20, 34, 0});

    // Backward with d_out = 1: the relu masks oc3 (its output is 0), so the mask is [1, 1, 1, 0].
    // d_in: p0 = [1 + 2, 3 + 0] = [3, 3], p1 = [5 + 6, 7 + 0] = [11, 7].
    // d_weights[tap][c][m] = x[tap][c] where unmasked: tap0 = [[1, 1], [2, 0]], tap1 = [[3, 3], [4, 0]].
    for (Parameter& p : dw.parameters()) p.grad->fill(0.0f);
    Tensor d_out = tensor(y.shape(), {1, 1, 1, 1});
    Tensor d_x(x.shape());
    Tensor* d_in[] = {&d_x};
    const Tensor* in[] = {&x};
    dw.backward(d_in, d_out, in, y, BackwardRequest{true});
    CHECK(values_of(d_x) == std::vector<float>{3, 3, 11, 7});
    CHECK(values_of(*dw.parameters()[0].grad) == std::vector<float>{1, 1, 2, 0, 3, 3, 4, 0});
    CHECK(values_of(*dw.parameters()[1].grad) == std::vector<float>{1, 1, 1, 0});
  }
}

TEST_CASE("DepthwiseConv2D guided backward reaches through the fused relu6") {
  // Outputs of one channel, 1x1 kernel [2], bias 0, input [-1, 1, 2, 4] -> pre [-2, 2, 4, 8],
  // relu6 [0, 2, 4, 6]: only the middle two are inside (0, 6). With d_out [1, 1, -1, 1], normal
  // passes [0, 1, -1, 0] * 2 and guided drops the negative: [0, 1, 0, 0] * 2.
  Tensor x = tensor(Shape::nhwc(1, 1, 4, 1), {-1, 1, 2, 4});
  DepthwiseConv2D dw("dw", tensor(Shape{1, 1, 1, 1}, {2}), Tensor(), params(1, 1, PaddingMode::valid, 1, Activation::relu6));
  Tensor y = run_forward(dw, {&x});
  CHECK(values_of(y) == std::vector<float>{0, 2, 4, 6});
  Tensor d_out = tensor(y.shape(), {1, 1, -1, 1});
  auto d_input = [&](ReluBackward mode) {
    Tensor d_x(x.shape());
    Tensor* d_in[] = {&d_x};
    const Tensor* in[] = {&x};
    dw.backward(d_in, d_out, in, y, BackwardRequest{false, mode});
    return values_of(d_x);
  };
  CHECK(d_input(ReluBackward::normal) == std::vector<float>{0, 2, -2, 0});
  CHECK(d_input(ReluBackward::guided) == std::vector<float>{0, 2, 0, 0});
  CHECK(d_input(ReluBackward::deconvnet) == std::vector<float>{2, 2, 0, 2});
}

TEST_CASE("DepthwiseConv2D backward matches finite differences") {
  // Linear in input, kernel and bias: central differences are exact up to float rounding.
  // eps 1e-2, |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|.
  Tolerance tol{1e-2f, 2e-3, 1e-2};
  Case cases[] = {
      {"odd sizes", 1, 5, 7, 3, 1, 3, 3, 1, 1, PaddingMode::valid, {}},
      {"stride 2 VALID, multiplier 2", 1, 7, 6, 2, 2, 3, 2, 2, 1, PaddingMode::valid, {}},
      {"SAME stride 2, pads 0/1", 2, 4, 6, 5, 1, 3, 3, 2, 1, PaddingMode::same, {}},
      {"1 channel, multiplier 3", 1, 6, 5, 1, 3, 3, 3, 1, 1, PaddingMode::same, {}},
      {"17 channels", 1, 3, 4, 17, 1, 3, 3, 1, 1, PaddingMode::same, {}},
      {"dilation 2", 2, 7, 7, 3, 2, 3, 3, 1, 2, PaddingMode::same, {}},
      {"explicit asymmetric pads", 2, 5, 4, 3, 1, 3, 2, 2, 1, PaddingMode::explicit_pads, {2, 0, 1, 3}},
  };
  Rng rng(13);
  for (const Case& c : cases) {
    CAPTURE(c.what);
    DepthwiseConv2D dw = random_layer(c, rng);
    Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.channels));
    check_input_gradient(dw, {&x}, 0, tol);
    check_parameter_gradient(dw, {&x}, "kernel", tol);
    check_parameter_gradient(dw, {&x}, "bias", tol);
  }
}

TEST_CASE("DepthwiseConv2D backward computes weight gradients only when asked, and accumulates") {
  Rng rng(14);
  Case c{"", 2, 5, 5, 3, 2, 3, 3, 2, 1, PaddingMode::same, {}};
  DepthwiseConv2D dw = random_layer(c, rng);
  Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.channels));
  Tensor y = run_forward(dw, {&x});
  Tensor d_out = rng.tensor(y.shape());
  const Tensor* in[] = {&x};

  for (Parameter& p : dw.parameters()) p.grad->fill(7.0f);
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  dw.backward(d_in, d_out, in, y, BackwardRequest{});
  for (Parameter& p : dw.parameters())
    for (float v : p.grad->values()) CHECK(v == 7.0f);
  std::vector<float> d_x_once = values_of(d_x);

  // Twice more, now with weight gradients: the input gradient triples and the parameter
  // gradients grow by twice one pass (up to float rounding, 1e-5 relative).
  dw.backward(d_in, d_out, in, y, BackwardRequest{true});
  std::vector<float> weights_grad_once = values_of(*dw.parameters()[0].grad);
  dw.backward(d_in, d_out, in, y, BackwardRequest{true});
  for (size_t i = 0; i < d_x.size(); ++i) CHECK(d_x[i] == doctest::Approx(3 * d_x_once[i]).epsilon(1e-5));
  const Tensor& weights_grad = *dw.parameters()[0].grad;
  for (size_t i = 0; i < weights_grad.size(); ++i) {
    CHECK(weights_grad[i] - 7.0f == doctest::Approx(2 * (weights_grad_once[i] - 7.0f)).epsilon(1e-5));
  }
}

TEST_CASE("DepthwiseConv2D forward through the cached kernel equals the reference") {
  // 1e-4 absolute on outputs of magnitude ~3: the optimised kernel sums in another order.
  Rng rng(15);
  for (Case c : {Case{"", 2, 9, 8, 5, 1, 3, 3, 2, 1, PaddingMode::same, {}},
                 Case{"", 1, 7, 7, 17, 2, 3, 3, 1, 1, PaddingMode::same, {}},
                 Case{"", 1, 6, 5, 3, 3, 2, 3, 1, 2, PaddingMode::valid, {}}}) {
    DepthwiseConv2D dw = random_layer(c, rng, Activation::relu);
    Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.channels), -2.0f, 2.0f);
    Tensor optimised = run_forward(dw, {&x});
    kernels::ReferenceScope reference;
    CHECK(max_abs_diff(optimised, run_forward(dw, {&x})) <= 1e-4f);
  }
}

TEST_CASE("DepthwiseConv2D rejects mismatched shapes with messages naming the layer and shapes") {
  ConvParams p = params(3, 3);
  DepthwiseConv2D dw("dw1", Tensor(Shape{3, 3, 4, 2}), Tensor(Shape{8}), p);
  Shape in[] = {Shape::nhwc(1, 5, 5, 3)};
  CHECK_THROWS_WITH_AS(dw.output_shape(in),
                       doctest::Contains("DepthwiseConv2D 'dw1': input [1, 5, 5, 3] has 3 channels but kernel [3, 3, 4, 2] expects 4"), Error);
  CHECK_THROWS_WITH_AS(DepthwiseConv2D("dw2", Tensor(Shape{3, 3, 4, 2}), Tensor(Shape{4}), p),
                       doctest::Contains("DepthwiseConv2D 'dw2': bias must be [8] to match kernel [3, 3, 4, 2], got [4]"), Error);
  CHECK_THROWS_WITH_AS(DepthwiseConv2D("dw3", Tensor(Shape{3, 3, 4}), Tensor(), p),
                       doctest::Contains("DepthwiseConv2D 'dw3': kernel must be [kernel_h, kernel_w, in_c, multiplier], got [3, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(DepthwiseConv2D("dw4", Tensor(Shape{1, 3, 4, 1}), Tensor(), p),
                       doctest::Contains("DepthwiseConv2D 'dw4': kernel [1, 3, 4, 1] is 1x3 but the window is 3x3"), Error);
  Shape small[] = {Shape::nhwc(1, 5, 2, 4)};
  CHECK_THROWS_WITH_AS(dw.output_shape(small),
                       doctest::Contains("DepthwiseConv2D 'dw1': a 3x3 window (dilation 1x1) does not fit a 5x2 input"), Error);
}
