#include "layers/conv2d.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"
#include "kernels/backend.h"
#include "layers/relu.h"
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

// The 3x3 image 1..9 and the 2x2 kernel [[1, 2], [3, 4]] used by the hand-worked cases below.
Tensor image_1_to_9() { return tensor(Shape::nhwc(1, 3, 3, 1), {1, 2, 3, 4, 5, 6, 7, 8, 9}); }
Tensor kernel_1_to_4() { return tensor(Shape{2, 2, 1, 1}, {1, 2, 3, 4}); }

struct BackwardResult {
  std::vector<float> d_in, d_weights, d_bias;
};

// Backward of `layer` on `x` with `d_out`, from zeroed gradients.
BackwardResult backward_of(ConvolutionLayer& layer, const Tensor& x, const Tensor& d_out, ReluBackward mode) {
  Tensor y = run_forward(layer, {&x});
  for (Parameter& p : layer.parameters()) p.grad->fill(0.0f);
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  layer.backward(d_in, d_out, in, y, BackwardRequest{true, mode});
  BackwardResult r{values_of(d_x), values_of(*layer.parameters()[0].grad), {}};
  if (layer.has_bias()) r.d_bias = values_of(*layer.parameters()[1].grad);
  return r;
}

struct Case {
  const char* what;
  int batch, h, w, in_c, out_c, kernel_h, kernel_w, stride, dilation;
  PaddingMode mode;
  Padding pads;  // explicit_pads only
};

Conv2D random_layer(const Case& c, Rng& rng, Activation activation = Activation::none) {
  ConvParams p = params(c.kernel_h, c.kernel_w, c.mode, c.stride, activation);
  p.window.dilation_h = p.window.dilation_w = c.dilation;
  p.window.explicit_padding = c.pads;
  return Conv2D("conv", rng.tensor(Shape{c.kernel_h, c.kernel_w, c.in_c, c.out_c}), rng.tensor(Shape{c.out_c}), p);
}

}  // namespace

TEST_CASE("Conv2D forward on hand-worked cases") {
  SUBCASE("2x2 kernel, VALID, with bias and fused activations") {
    // out[0][0] = 1*1 + 2*2 + 4*3 + 5*4 = 37, out[0][1] = 2*1 + 3*2 + 5*3 + 6*4 = 47,
    // out[1][0] = 4*1 + 5*2 + 7*3 + 8*4 = 67, out[1][1] = 5*1 + 6*2 + 8*3 + 9*4 = 77; bias -40.
    Tensor x = image_1_to_9();
    Conv2D plain("c", kernel_1_to_4(), tensor(Shape{1}, {-40}), params(2, 2));
    CHECK(values_of(run_forward(plain, {&x})) == std::vector<float>{-3, 7, 27, 37});
    Conv2D relu("c", kernel_1_to_4(), tensor(Shape{1}, {-40}), params(2, 2, PaddingMode::valid, 1, Activation::relu));
    CHECK(values_of(run_forward(relu, {&x})) == std::vector<float>{0, 7, 27, 37});
    Conv2D relu6("c", kernel_1_to_4(), tensor(Shape{1}, {-40}), params(2, 2, PaddingMode::valid, 1, Activation::relu6));
    CHECK(values_of(run_forward(relu6, {&x})) == std::vector<float>{0, 6, 6, 6});
  }
  SUBCASE("1x1 kernel mixes channels in HWIO order") {
    // kernel[ic][oc] = [[1, 2, 3], [4, 5, 6]]; x = [1, 2] -> [1 + 8, 2 + 10, 3 + 12].
    Tensor x = tensor(Shape::nhwc(1, 1, 1, 2), {1, 2});
    Conv2D conv("c", tensor(Shape{1, 1, 2, 3}, {1, 2, 3, 4, 5, 6}), Tensor(), params(1, 1));
    CHECK(values_of(run_forward(conv, {&x})) == std::vector<float>{9, 12, 15});
  }
  SUBCASE("3x3 ones kernel, SAME, stride 1: sums of in-bounds neighbourhoods") {
    // Corner (0,0): 1+2+4+5 = 12; edge (0,1): 1+2+3+4+5+6 = 21; centre: 45; ...
    Tensor x = image_1_to_9();
    Conv2D conv("c", Tensor(Shape{3, 3, 1, 1}, std::vector<float>(9, 1.0f)), Tensor(), params(3, 3, PaddingMode::same));
    CHECK(values_of(run_forward(conv, {&x})) == std::vector<float>{12, 21, 16, 27, 45, 33, 24, 39, 28});
  }
  SUBCASE("4x4 input, 3x3 ones kernel, SAME, stride 2: the odd pad goes at the bottom/right") {
    // Input 1..16 row-major; pads top 0, bottom 1, left 0, right 1, so out(0,0) sums rows 0-2,
    // cols 0-2: 6 + 18 + 30 = 54; out(0,1): cols 2-3 of rows 0-2: 3+4+7+8+11+12 = 45;
    // out(1,0): rows 2-3, cols 0-2: 9+10+11+13+14+15 = 72; out(1,1): 11+12+15+16 = 54.
    std::vector<float> v(16);
    for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(i + 1);
    Tensor x = tensor(Shape::nhwc(1, 4, 4, 1), v);
    Conv2D conv("c", Tensor(Shape{3, 3, 1, 1}, std::vector<float>(9, 1.0f)), Tensor(), params(3, 3, PaddingMode::same, 2));
    CHECK(values_of(run_forward(conv, {&x})) == std::vector<float>{54, 45, 72, 54});
  }
  SUBCASE("dilation 2 and explicit asymmetric pads") {
    // x = [1, 2, 3, 4, 5], kernel [1, 10] dilated by 2: out[i] = x[i] + 10 * x[i + 2] = 31, 42, 53.
    Tensor x = tensor(Shape::nhwc(1, 1, 5, 1), {1, 2, 3, 4, 5});
    ConvParams dilated = params(1, 2);
    dilated.window.dilation_w = 2;
    Conv2D conv("c", tensor(Shape{1, 2, 1, 1}, {1, 10}), Tensor(), dilated);
    CHECK(values_of(run_forward(conv, {&x})) == std::vector<float>{31, 42, 53});
    // x = [1, 2, 3] with 2 zeros on the left, none on the right: [0 0 1 2 3] * [1, 10] = 0, 10, 21, 32.
    Tensor x3 = tensor(Shape::nhwc(1, 1, 3, 1), {1, 2, 3});
    ConvParams padded = params(1, 2, PaddingMode::explicit_pads);
    padded.window.explicit_padding = {0, 0, 2, 0};
    Conv2D conv_padded("c", tensor(Shape{1, 2, 1, 1}, {1, 10}), Tensor(), padded);
    CHECK(values_of(run_forward(conv_padded, {&x3})) == std::vector<float>{0, 10, 21, 32});
  }
}

TEST_CASE("Conv2D SAME padding geometry matches TensorFlow") {
  ConvParams p = params(3, 3, PaddingMode::same, 2);
  Shape kernel{3, 3, 2, 4};
  // 5x5, k3, s2: out 3x3, total pad (3-1)*2 + 3 - 5 = 2 -> 1 top, 1 bottom.
  kernels::ConvGeometry g5 = conv_geometry(Shape::nhwc(1, 5, 5, 2), kernel, nullptr, p, false, "Conv2D");
  CHECK(g5.out_h == 3);
  CHECK(g5.out_w == 3);
  CHECK(g5.pad == Padding{1, 1, 1, 1});
  // 4x4, k3, s2: out 2x2, total pad (2-1)*2 + 3 - 4 = 1 -> 0 top, 1 bottom (TensorFlow's rule).
  kernels::ConvGeometry g4 = conv_geometry(Shape::nhwc(2, 4, 4, 2), kernel, nullptr, p, false, "Conv2D");
  CHECK(g4.out_h == 2);
  CHECK(g4.out_w == 2);
  CHECK(g4.pad == Padding{0, 1, 0, 1});
  Conv2D conv("c", Tensor(kernel), Tensor(), p);
  Shape in[] = {Shape::nhwc(2, 4, 7, 2)};
  CHECK(conv.output_shape(in) == Shape::nhwc(2, 2, 4, 4));
}

TEST_CASE("Conv2D backward through the fused activation, hand-worked") {
  // Image 1..9, kernel [[1, 2], [3, 4]], bias -40: pre-activation [-3, 7, 27, 37].
  Tensor x = image_1_to_9();
  Tensor ones = tensor(Shape::nhwc(1, 2, 2, 1), {1, 1, 1, 1});
  SUBCASE("relu masks the first output") {
    // d_out after the mask [0, 1, 1, 1]; d_in[y][x] sums kernel[y-oy][x-ox] over unmasked outputs,
    // e.g. d_in[1][1] = 3 (from out(0,1)) + 2 (out(1,0)) + 1 (out(1,1)) = 6.
    // d_weights[ky][kx] sums x[oy+ky][ox+kx] over unmasked outputs: k00 = 2+4+5 = 11, k01 = 3+5+6 = 14,
    // k10 = 5+7+8 = 20, k11 = 6+8+9 = 23; d_bias = 3.
    Conv2D conv("c", kernel_1_to_4(), tensor(Shape{1}, {-40}), params(2, 2, PaddingMode::valid, 1, Activation::relu));
    BackwardResult r = backward_of(conv, x, ones, ReluBackward::normal);
    CHECK(r.d_in == std::vector<float>{0, 1, 2, 1, 6, 6, 3, 7, 4});
    CHECK(r.d_weights == std::vector<float>{11, 14, 20, 23});
    CHECK(r.d_bias == std::vector<float>{3});
  }
  SUBCASE("relu6 masks outputs at the cap") {
    // Bias -32: pre-activation [5, 15, 35, 45] -> [5, 6, 6, 6]; only out(0,0) passes, so d_in is
    // the kernel at the top-left and d_weights the top-left 2x2 of the image.
    Conv2D conv("c", kernel_1_to_4(), tensor(Shape{1}, {-32}), params(2, 2, PaddingMode::valid, 1, Activation::relu6));
    BackwardResult r = backward_of(conv, x, ones, ReluBackward::normal);
    CHECK(r.d_in == std::vector<float>{1, 2, 0, 3, 4, 0, 0, 0, 0});
    CHECK(r.d_weights == std::vector<float>{1, 2, 4, 5});
    CHECK(r.d_bias == std::vector<float>{1});
  }
  SUBCASE("guided mode reaches through the fused relu") {
    // d_out [1, -1, 1, 1]: normal passes [0, -1, 1, 1]; guided also drops the negative: [0, 0, 1, 1],
    // so only out(1,0) and out(1,1) reach the input. Normal adds -1 * kernel placed at (0,1):
    // d_in[0][1] -= 1, d_in[0][2] -= 2, d_in[1][1] -= 3, d_in[1][2] -= 4.
    Conv2D conv("c", kernel_1_to_4(), tensor(Shape{1}, {-40}), params(2, 2, PaddingMode::valid, 1, Activation::relu));
    Tensor d_out = tensor(Shape::nhwc(1, 2, 2, 1), {1, -1, 1, 1});
    CHECK(backward_of(conv, x, d_out, ReluBackward::guided).d_in == std::vector<float>{0, 0, 0, 1, 3, 2, 3, 7, 4});
    CHECK(backward_of(conv, x, d_out, ReluBackward::normal).d_in == std::vector<float>{0, -1, -2, 1, 0, -2, 3, 7, 4});
  }
}

TEST_CASE("Conv2D with a fused activation equals Conv2D then ReLU, in every backward mode") {
  // Exact equality: the same products in the same order, masked by the same rule (relu_passes).
  Rng rng(11);
  Case c{"", 2, 6, 5, 3, 5, 3, 3, 1, 1, PaddingMode::same, {}};
  for (Activation activation : {Activation::relu, Activation::relu6}) {
    kernels::ReferenceScope reference;  // one kernel family on both sides
    Conv2D fused = random_layer(c, rng, activation);
    ConvParams linear_params = fused.params();
    linear_params.activation = Activation::none;
    Conv2D linear("linear", fused.weights().clone(), fused.bias().clone(), linear_params);
    Relu relu("relu", activation == Activation::relu6 ? 6.0f : Relu::kNoCap);
    Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.in_c), -3.0f, 3.0f);
    Tensor pre = run_forward(linear, {&x});
    Tensor y = run_forward(relu, {&pre});
    CHECK(values_of(run_forward(fused, {&x})) == values_of(y));
    Tensor d_out = rng.tensor(y.shape());
    for (ReluBackward mode : {ReluBackward::normal, ReluBackward::guided, ReluBackward::deconvnet}) {
      Tensor d_pre(pre.shape());
      Tensor* d_relu_in[] = {&d_pre};
      const Tensor* relu_in[] = {&pre};
      relu.backward(d_relu_in, d_out, relu_in, y, BackwardRequest{false, mode});
      Tensor d_x_two_layers(x.shape());
      Tensor* d_conv_in[] = {&d_x_two_layers};
      const Tensor* conv_in[] = {&x};
      linear.backward(d_conv_in, d_pre, conv_in, pre, {});
      CHECK(backward_of(fused, x, d_out, mode).d_in == values_of(d_x_two_layers));
    }
  }
}

TEST_CASE("Conv2D backward matches finite differences") {
  // The layer is linear in input, kernel and bias, so central differences are exact up to float
  // rounding of the forward sums: eps 1e-2, |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|.
  Tolerance tol{1e-2f, 2e-3, 1e-2};
  Case cases[] = {
      {"odd sizes", 1, 5, 7, 3, 5, 3, 3, 1, 1, PaddingMode::valid, {}},
      {"stride 2 VALID", 1, 7, 6, 2, 3, 3, 2, 2, 1, PaddingMode::valid, {}},
      {"SAME stride 2, pads 0/1", 2, 4, 6, 3, 3, 3, 3, 2, 1, PaddingMode::same, {}},
      {"1 channel in and out", 1, 6, 5, 1, 1, 3, 3, 1, 1, PaddingMode::same, {}},
      {"channels 5 -> 17", 1, 4, 3, 5, 17, 2, 2, 1, 1, PaddingMode::valid, {}},
      {"batch 2, 1x1", 2, 3, 4, 3, 5, 1, 1, 1, 1, PaddingMode::valid, {}},
      {"dilation 2", 1, 7, 7, 2, 3, 3, 3, 1, 2, PaddingMode::same, {}},
      {"explicit asymmetric pads", 2, 5, 4, 3, 2, 3, 2, 2, 1, PaddingMode::explicit_pads, {2, 0, 1, 3}},
  };
  Rng rng(3);
  for (const Case& c : cases) {
    CAPTURE(c.what);
    Conv2D conv = random_layer(c, rng);
    Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.in_c));
    check_input_gradient(conv, {&x}, 0, tol);
    check_parameter_gradient(conv, {&x}, "kernel", tol);
    check_parameter_gradient(conv, {&x}, "bias", tol);
  }
}

TEST_CASE("Conv2D backward computes weight gradients only when asked, and accumulates") {
  Rng rng(4);
  Case c{"", 2, 5, 5, 3, 4, 3, 3, 2, 1, PaddingMode::same, {}};
  Conv2D conv = random_layer(c, rng);
  Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.in_c));
  Tensor y = run_forward(conv, {&x});
  Tensor d_out = rng.tensor(y.shape());
  const Tensor* in[] = {&x};

  // Reference gradients from zero.
  BackwardResult fresh = backward_of(conv, x, d_out, ReluBackward::normal);

  SUBCASE("weight_grads = false leaves the parameter gradients untouched") {
    for (Parameter& p : conv.parameters()) p.grad->fill(7.0f);
    Tensor d_x(x.shape());
    Tensor* d_in[] = {&d_x};
    conv.backward(d_in, d_out, in, y, BackwardRequest{});
    for (Parameter& p : conv.parameters())
      for (float v : p.grad->values()) CHECK(v == 7.0f);
    CHECK(values_of(d_x) == fresh.d_in);
  }
  SUBCASE("no input gradient wanted: only weight gradients") {
    for (Parameter& p : conv.parameters()) p.grad->fill(0.0f);
    Tensor* d_in[] = {nullptr};
    conv.backward(d_in, d_out, in, y, BackwardRequest{true});
    CHECK(values_of(*conv.parameters()[0].grad) == fresh.d_weights);
  }
  SUBCASE("every gradient accumulates (+=)") {
    // Starting from 1 instead of 0 adds exactly 1 (up to one float rounding per element).
    for (Parameter& p : conv.parameters()) p.grad->fill(1.0f);
    Tensor d_x(x.shape());
    d_x.fill(1.0f);
    Tensor* d_in[] = {&d_x};
    conv.backward(d_in, d_out, in, y, BackwardRequest{true});
    auto check_plus_one = [](const std::vector<float>& got, const std::vector<float>& from_zero) {
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(from_zero[i] + 1.0f).epsilon(1e-6));
    };
    check_plus_one(values_of(d_x), fresh.d_in);
    check_plus_one(values_of(*conv.parameters()[0].grad), fresh.d_weights);
    check_plus_one(values_of(*conv.parameters()[1].grad), fresh.d_bias);
  }
}

TEST_CASE("Conv2D forward through the cached kernel equals the reference and follows new weights") {
  // 1e-4 absolute on outputs of magnitude ~5: the optimised kernel sums in another order.
  Rng rng(12);
  Case c{"", 2, 9, 8, 5, 17, 3, 3, 2, 1, PaddingMode::same, {}};
  Conv2D conv = random_layer(c, rng, Activation::relu6);
  Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.in_c), -2.0f, 2.0f);
  auto reference_output = [&] {
    kernels::ReferenceScope reference;
    return run_forward(conv, {&x});
  };
  CHECK(max_abs_diff(run_forward(conv, {&x}), reference_output()) <= 1e-4f);
  conv.parameters()[0].value->fill(0.25f);
  conv.parameters_changed();
  CHECK(max_abs_diff(run_forward(conv, {&x}), reference_output()) <= 1e-4f);
}

TEST_CASE("Conv2D backward through the prepared weights equals the reference and follows new weights") {
  // A 1x1 convolution, whose input gradient WebAssembly runs on the weights transposed and packed
  // once; 1e-4 absolute, as above.
  Rng rng(13);
  Case c{"", 2, 6, 5, 12, 20, 1, 1, 1, 1, PaddingMode::valid, {}};
  Conv2D conv = random_layer(c, rng, Activation::relu);
  Tensor x = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.in_c), -2.0f, 2.0f);
  Tensor d_out = rng.tensor(Shape::nhwc(c.batch, c.h, c.w, c.out_c));
  auto d_in = [&](bool reference) {
    kernels::ReferenceScope scope(reference);
    return Tensor(x.shape(), backward_of(conv, x, d_out, ReluBackward::normal).d_in);
  };
  const Tensor before = d_in(false);
  CHECK(max_abs_diff(before, d_in(true)) <= 1e-4f);
  conv.parameters()[0].value->fill(0.25f);
  conv.parameters_changed();
  const Tensor after = d_in(false);
  CHECK(max_abs_diff(after, d_in(true)) <= 1e-4f);
  CHECK(max_abs_diff(after, before) > 0.1f);  // the new weights were used, not a stale packing
}

TEST_CASE("Conv2D rejects mismatched shapes with messages naming the layer and shapes") {
  ConvParams p = params(3, 3);
  SUBCASE("input channels differ from the kernel's") {
    Conv2D conv("conv1", Tensor(Shape{3, 3, 4, 8}), Tensor(Shape{8}), p);
    Shape in[] = {Shape::nhwc(1, 5, 5, 3)};
    CHECK_THROWS_WITH_AS(conv.output_shape(in), doctest::Contains("Conv2D 'conv1': input [1, 5, 5, 3] has 3 channels but kernel [3, 3, 4, 8] expects 4"), Error);
    Tensor x(in[0]), y(Shape::nhwc(1, 3, 3, 8));
    const Tensor* inputs[] = {&x};
    CHECK_THROWS_WITH_AS(conv.forward(y, inputs, Phase::inference), doctest::Contains("Conv2D 'conv1'"), Error);
  }
  SUBCASE("kernel of the wrong rank or size, bias of the wrong size") {
    CHECK_THROWS_WITH_AS(Conv2D("conv2", Tensor(Shape{3, 3, 4}), Tensor(), p),
                         doctest::Contains("Conv2D 'conv2': kernel must be [kernel_h, kernel_w, in_c, out_c], got [3, 3, 4]"), Error);
    CHECK_THROWS_WITH_AS(Conv2D("conv3", Tensor(Shape{5, 5, 4, 8}), Tensor(), p),
                         doctest::Contains("Conv2D 'conv3': kernel [5, 5, 4, 8] is 5x5 but the window is 3x3"), Error);
    CHECK_THROWS_WITH_AS(Conv2D("conv4", Tensor(Shape{3, 3, 4, 8}), Tensor(Shape{7}), p),
                         doctest::Contains("Conv2D 'conv4': bias must be [8] to match kernel [3, 3, 4, 8], got [7]"), Error);
  }
  SUBCASE("window that does not fit the input") {
    Conv2D conv("conv5", Tensor(Shape{3, 3, 2, 2}), Tensor(), p);
    Shape in[] = {Shape::nhwc(1, 2, 4, 2)};
    CHECK_THROWS_WITH_AS(conv.output_shape(in), doctest::Contains("Conv2D 'conv5': a 3x3 window (dilation 1x1) does not fit a 2x4 input"), Error);
  }
  SUBCASE("output and gradient buffers of the wrong shape") {
    Conv2D conv("conv6", Tensor(Shape{3, 3, 2, 2}), Tensor(), p);
    Tensor x(Shape::nhwc(1, 4, 4, 2)), wrong(Shape::nhwc(1, 3, 3, 2)), y(Shape::nhwc(1, 2, 2, 2));
    const Tensor* inputs[] = {&x};
    CHECK_THROWS_WITH_AS(conv.forward(wrong, inputs, Phase::inference),
                         doctest::Contains("Conv2D 'conv6' output: expected shape [1, 2, 2, 2], got [1, 3, 3, 2]"), Error);
    Tensor d_x(x.shape());
    Tensor* d_in[] = {&d_x};
    CHECK_THROWS_WITH_AS(conv.backward(d_in, wrong, inputs, y, {}),
                         doctest::Contains("Conv2D 'conv6' output gradient: expected shape [1, 2, 2, 2], got [1, 3, 3, 2]"), Error);
  }
}

TEST_CASE("Conv2D: a graph refuses huge strides and dilations, blaming the parameter") {
  auto add_conv = [](int stride, int dilation_w) {
    Graph graph;
    graph.add_input("image", Shape{28, 28, 1});
    ConvParams p = params(3, 3, PaddingMode::same, stride);
    p.window.dilation_h = 3;
    p.window.dilation_w = dilation_w;
    graph.add(std::make_unique<Conv2D>("conv", Tensor(Shape{3, 3, 1, 2}), Tensor(), p), {"image"});
  };
  CHECK_THROWS_WITH_AS(add_conv(1, 2147483647),
                       doctest::Contains("Conv2D 'conv': dilation 2147483647 is larger than 16384, the largest camlens accepts"),
                       Error);
  CHECK_THROWS_WITH_AS(add_conv(2147483647, 1), doctest::Contains("Conv2D 'conv': stride 2147483647 is larger than 16384"),
                       Error);
}
