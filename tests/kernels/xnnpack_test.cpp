// The XNNPACK-backed forward kernels (kernels/xnnpack/, native build only) against the reference
// loops, built directly through make_*_forward, on random geometries and under reuse.
#include <doctest/doctest.h>

#include <array>
#include <cfloat>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/conv2d.h"
#include "kernels/dense.h"
#include "kernels/pool.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::magnitudes;
using camlens::test::Rng;

namespace {

template <typename T>
T pick(Rng& rng, std::initializer_list<T> choices) {
  return *(choices.begin() + rng.integer(0, static_cast<int>(choices.size()) - 1));
}

// |got - want| <= 2 (terms + 1) FLT_EPSILON magnitude, element-wise, where magnitude is the same
// sum over absolute values: the rounding bound of either summation order. A missing, doubled or
// misplaced term moves an element by about one term, far beyond it.
void check_within_rounding(const std::vector<float>& got, const std::vector<float>& want,
                           const std::vector<float>& magnitude, int terms, const std::string& what) {
  REQUIRE(got.size() == want.size());
  int failures = 0;
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    double diff = std::fabs(static_cast<double>(got[i]) - want[i]);
    worst = std::max(worst, diff);
    if (!(diff <= 2.0 * (terms + 1) * FLT_EPSILON * magnitude[i])) ++failures;
  }
  CHECK_MESSAGE(failures == 0, what << ": " << failures << " wrong of " << got.size() << ", worst diff " << worst);
}

// ---- convolution ----

size_t input_size(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c; }
size_t output_size(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c; }
size_t weights_size(const ConvGeometry& g) {
  return static_cast<size_t>(g.kernel_h) * g.kernel_w * (g.depthwise ? 1 : g.in_c) * g.out_c;
}

// in_h x in_w input, pads and output size from the window (TensorFlow's SAME rule included).
ConvGeometry conv_geometry(int batch, int in_h, int in_w, int in_c, int out_c, const Window2D& window,
                           Activation activation, bool depthwise) {
  ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.in_c = in_c;
  g.out_c = out_c;
  g.kernel_h = window.kernel_h;
  g.kernel_w = window.kernel_w;
  g.stride_h = window.stride_h;
  g.stride_w = window.stride_w;
  g.dilation_h = window.dilation_h;
  g.dilation_w = window.dilation_w;
  g.pad = window.pads(in_h, in_w);
  g.out_h = window.out_h(in_h);
  g.out_w = window.out_w(in_w);
  g.activation = activation;
  g.depthwise = depthwise;
  return g;
}

std::string describe(const ConvGeometry& g) {
  std::ostringstream s;
  s << (g.depthwise ? "depthwise " : "conv ") << "batch " << g.batch << " in " << g.in_h << "x" << g.in_w << "x"
    << g.in_c << " out " << g.out_h << "x" << g.out_w << "x" << g.out_c << " kernel " << g.kernel_h << "x"
    << g.kernel_w << " stride " << g.stride_h << "x" << g.stride_w << " dilation " << g.dilation_h << "x"
    << g.dilation_w << " pads t" << g.pad.top << " b" << g.pad.bottom << " l" << g.pad.left << " r" << g.pad.right
    << " activation " << static_cast<int>(g.activation);
  return s.str();
}

// Kernels 1x1 / 3x3 / 5x3, strides 1-2, dilations 1-2, VALID / SAME / asymmetric pads, channels
// 1/3/5/17/64, batch 1-2, every fused activation, odd sizes; redrawn until the window fits.
ConvGeometry random_conv_geometry(Rng& rng, bool depthwise) {
  for (;;) {
    Window2D w;
    int kernel = rng.integer(0, 2);
    w.kernel_h = kernel == 0 ? 1 : kernel == 1 ? 3 : 5;
    w.kernel_w = kernel == 0 ? 1 : 3;
    w.stride_h = rng.integer(1, 2);
    w.stride_w = rng.integer(1, 2);
    w.dilation_h = w.dilation_w = pick(rng, {1, 1, 2});
    w.padding_mode = pick(rng, {PaddingMode::valid, PaddingMode::same, PaddingMode::explicit_pads});
    w.explicit_padding = {rng.integer(0, 2), rng.integer(0, 1), rng.integer(0, 1), rng.integer(0, 2)};
    int in_c = pick(rng, {1, 3, 5, 17, 64});
    int out_c = depthwise ? in_c * rng.integer(1, 2) : pick(rng, {1, 3, 5, 17, 64});
    int in_h = pick(rng, {1, 5, 7, 9, 13}), in_w = pick(rng, {1, 3, 7, 11});
    if (w.out_h(in_h) <= 0 || w.out_w(in_w) <= 0) continue;
    return conv_geometry(rng.integer(1, 2), in_h, in_w, in_c, out_c, w, static_cast<Activation>(rng.integer(0, 2)),
                         depthwise);
  }
}

void conv_reference(float* out, const float* in, const float* weights, const float* bias, const ConvGeometry& g) {
  if (g.depthwise) {
    depthwise_conv2d_forward_reference(out, in, weights, bias, g);
  } else {
    conv2d_forward_reference(out, in, weights, bias, g);
  }
}

// Runs `op` on a fresh random input of geometry g and compares with the reference.
void check_conv_run(ConvForward& op, const ConvGeometry& g, const std::vector<float>& weights,
                    const std::vector<float>& bias, bool with_bias, Rng& rng) {
  std::vector<float> in = rng.values(input_size(g));
  std::vector<float> got(output_size(g)), want(output_size(g)), magnitude(output_size(g));
  op.run(got.data(), in.data(), g);
  conv_reference(want.data(), in.data(), weights.data(), with_bias ? bias.data() : nullptr, g);
  // The magnitude bound: the same sum over |in|, |weights|, |bias|, before the activation (which
  // only clamps, so it cannot widen a difference).
  ConvGeometry linear = g;
  linear.activation = Activation::none;
  std::vector<float> abs_in = magnitudes(in), abs_weights = magnitudes(weights), abs_bias = magnitudes(bias);
  conv_reference(magnitude.data(), abs_in.data(), abs_weights.data(), with_bias ? abs_bias.data() : nullptr, linear);
  int terms = g.kernel_h * g.kernel_w * (g.depthwise ? 1 : g.in_c);
  check_within_rounding(got, want, magnitude, terms, describe(g));
}

void check_conv(const ConvGeometry& g, Rng& rng, bool with_bias) {
  std::vector<float> weights = rng.values(weights_size(g)), bias = rng.values(g.out_c);
  std::unique_ptr<ConvForward> op = make_conv_forward(g, weights.data(), with_bias ? bias.data() : nullptr);
  check_conv_run(*op, g, weights, bias, with_bias, rng);
}

// ---- pooling ----

PoolGeometry pool_geometry(int batch, int in_h, int in_w, int channels, const Window2D& window) {
  PoolGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.channels = channels;
  g.window_h = window.kernel_h;
  g.window_w = window.kernel_w;
  g.stride_h = window.stride_h;
  g.stride_w = window.stride_w;
  g.pad = window.pads(in_h, in_w);
  g.out_h = window.out_h(in_h);
  g.out_w = window.out_w(in_w);
  return g;
}

std::string describe(PoolKind kind, const PoolGeometry& g) {
  std::ostringstream s;
  s << (kind == PoolKind::max ? "max pool" : "average pool") << " batch " << g.batch << " in " << g.in_h << "x"
    << g.in_w << "x" << g.channels << " out " << g.out_h << "x" << g.out_w << " window " << g.window_h << "x"
    << g.window_w << " stride " << g.stride_h << "x" << g.stride_w << " pads t" << g.pad.top << " b" << g.pad.bottom
    << " l" << g.pad.left << " r" << g.pad.right;
  return s.str();
}

// Windows 1x1 / 2x2 / 3x3 / 3x2, strides 1-3, VALID / SAME / asymmetric pads smaller than the
// window (so no window lies wholly in the padding), channels 1/3/5/17/64, batch 1-2, odd sizes.
PoolGeometry random_pool_geometry(Rng& rng) {
  for (;;) {
    Window2D w;
    int window = rng.integer(0, 3);
    w.kernel_h = window == 0 ? 1 : window == 1 ? 2 : 3;
    w.kernel_w = window == 0 ? 1 : window == 1 ? 2 : window == 2 ? 3 : 2;
    w.stride_h = rng.integer(1, 3);
    w.stride_w = rng.integer(1, 3);
    w.padding_mode = pick(rng, {PaddingMode::valid, PaddingMode::same, PaddingMode::explicit_pads});
    w.explicit_padding = {rng.integer(0, w.kernel_h - 1), rng.integer(0, w.kernel_h - 1),
                          rng.integer(0, w.kernel_w - 1), rng.integer(0, w.kernel_w - 1)};
    int in_h = pick(rng, {1, 2, 5, 7, 9}), in_w = pick(rng, {1, 3, 6, 11});
    if (w.out_h(in_h) <= 0 || w.out_w(in_w) <= 0) continue;
    return pool_geometry(rng.integer(1, 2), in_h, in_w, pick(rng, {1, 3, 5, 17, 64}), w);
  }
}

size_t pool_input_size(const PoolGeometry& g) { return static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.channels; }
size_t pool_output_size(const PoolGeometry& g) {
  return static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.channels;
}

void check_pool_run(PoolForward& op, PoolKind kind, const PoolGeometry& g, Rng& rng) {
  std::vector<float> in = rng.values(pool_input_size(g));
  std::vector<float> got(pool_output_size(g)), want(pool_output_size(g));
  op.run(got.data(), in.data(), g);
  if (kind == PoolKind::max) {
    // A maximum involves no arithmetic: exact.
    max_pool_forward_reference(want.data(), in.data(), g);
    CHECK_MESSAGE(got == want, describe(kind, g));
    return;
  }
  avg_pool_forward_reference(want.data(), in.data(), g);
  std::vector<float> magnitude(got.size()), abs_in = magnitudes(in);
  avg_pool_forward_reference(magnitude.data(), abs_in.data(), g);
  check_within_rounding(got, want, magnitude, g.window_h * g.window_w, describe(kind, g));
}

}  // namespace

TEST_CASE("XNNPACK convolution equals the reference loop") {
  Rng rng(61);
  for (int trial = 0; trial < 60; ++trial) check_conv(random_conv_geometry(rng, false), rng, trial % 4 != 0);
  // The emotion model's second conv (3x3x32x64 VALID on 31x31) and a 1x1 expansion.
  Window2D three_by_three = Window2D::square(3, 1, PaddingMode::valid);
  check_conv(conv_geometry(1, 31, 31, 32, 64, three_by_three, Activation::relu, false), rng, true);
  check_conv(conv_geometry(2, 15, 15, 64, 128, Window2D{}, Activation::none, false), rng, true);
}

TEST_CASE("XNNPACK depthwise convolution equals the reference loop, multipliers included") {
  Rng rng(62);
  for (int trial = 0; trial < 60; ++trial) check_conv(random_conv_geometry(rng, true), rng, trial % 4 != 0);
  Window2D same_3x3 = Window2D::square(3, 1, PaddingMode::same);
  check_conv(conv_geometry(1, 29, 29, 64, 64, same_3x3, Activation::none, true), rng, true);
}

TEST_CASE("an XNNPACK convolution serves other batch sizes, input sizes and buffers") {
  Rng rng(63);
  for (bool depthwise : {false, true}) {
    Window2D w;
    w.kernel_h = 3;
    w.kernel_w = 3;
    w.stride_h = w.stride_w = 2;
    w.explicit_padding = {1, 0, 1, 2};
    w.padding_mode = PaddingMode::explicit_pads;
    ConvGeometry g = conv_geometry(2, 9, 7, 5, depthwise ? 10 : 17, w, Activation::relu6, depthwise);
    std::vector<float> weights = rng.values(weights_size(g)), bias = rng.values(g.out_c);
    std::unique_ptr<ConvForward> op = make_conv_forward(g, weights.data(), bias.data());
    ConvGeometry smaller = conv_geometry(1, 5, 11, 5, g.out_c, w, Activation::relu6, depthwise);
    REQUIRE(op->accepts(smaller));
    check_conv_run(*op, g, weights, bias, true, rng);
    check_conv_run(*op, smaller, weights, bias, true, rng);
    check_conv_run(*op, g, weights, bias, true, rng);
  }
}

TEST_CASE("an XNNPACK convolution accepts only its own channels, window, padding and activation") {
  Window2D w = Window2D::square(3, 1, PaddingMode::valid);
  ConvGeometry g = conv_geometry(1, 7, 7, 3, 4, w, Activation::none, false);
  std::vector<float> weights(weights_size(g), 0.5f);
  std::unique_ptr<ConvForward> op = make_conv_forward(g, weights.data(), nullptr);
  CHECK(op->accepts(g));
  auto changed = [&](auto change) {
    ConvGeometry other = g;
    change(other);
    return other;
  };
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.in_c = 5; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.out_c = 5; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.kernel_w = 1; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.stride_h = 2; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.dilation_w = 2; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.pad.left = 1; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.activation = Activation::relu; })));
  CHECK_FALSE(op->accepts(changed([](ConvGeometry& o) { o.depthwise = true; })));

  std::vector<float> in(7 * 7 * 5), out(5 * 5 * 4);
  ConvGeometry other_channels = changed([](ConvGeometry& o) { o.in_c = 5; });
  CHECK_THROWS_WITH_AS(op->run(out.data(), in.data(), other_channels), doctest::Contains("make_conv_forward"),
                       Error);
  ConvGeometry wrong_output = changed([](ConvGeometry& o) { o.out_h = 4; });
  CHECK_THROWS_WITH_AS(op->run(out.data(), in.data(), wrong_output), doctest::Contains("gives a 5x5 output"), Error);
}

TEST_CASE("an XNNPACK failure throws an Error naming the call and the status") {
  ConvGeometry g;
  g.kernel_h = 0;  // XNNPACK refuses an empty kernel
  float weights[1] = {1.0f};
  CHECK_THROWS_WITH_AS(make_conv_forward(g, weights, nullptr),
                       doctest::Contains("Conv2D: XNNPACK xnn_create_convolution2d_nhwc_f32 failed: "
                                         "xnn_status_invalid_parameter"),
                       Error);
  DenseGeometry dense{1, 0, 3};  // no input channels
  CHECK_THROWS_WITH_AS(make_dense_forward(dense, weights, nullptr),
                       doctest::Contains("xnn_create_fully_connected_nc_f32 failed: xnn_status_invalid_parameter"),
                       Error);
  ConvGeometry uneven;
  uneven.depthwise = true;
  uneven.in_c = 2;
  uneven.out_c = 3;
  CHECK_THROWS_WITH_AS(make_conv_forward(uneven, weights, nullptr), doctest::Contains("multiple of in_c 2"), Error);
}

TEST_CASE("XNNPACK dense equals the reference loop and serves other batch sizes") {
  Rng rng(64);
  for (DenseGeometry g : {DenseGeometry{1, 1, 1}, DenseGeometry{2, 3, 5}, DenseGeometry{1, 17, 7},
                          DenseGeometry{2, 64, 10}, DenseGeometry{3, 256, 7}, DenseGeometry{2, 5, 64}}) {
    for (bool with_bias : {true, false}) {
      std::vector<float> weight = rng.values(static_cast<size_t>(g.in_c) * g.out_c);
      std::vector<float> bias = rng.values(g.out_c);
      std::unique_ptr<DenseForward> op = make_dense_forward(g, weight.data(), with_bias ? bias.data() : nullptr);
      std::vector<float> abs_weight = magnitudes(weight), abs_bias = magnitudes(bias);
      for (int batch : {g.batch, g.batch + 2, 1}) {
        DenseGeometry run_g{batch, g.in_c, g.out_c};
        REQUIRE(op->accepts(run_g));
        std::vector<float> in = rng.values(static_cast<size_t>(batch) * g.in_c);
        std::vector<float> got(static_cast<size_t>(batch) * g.out_c), want(got.size()), magnitude(got.size());
        op->run(got.data(), in.data(), run_g);
        dense_forward_reference(want.data(), in.data(), weight.data(), with_bias ? bias.data() : nullptr, run_g);
        std::vector<float> abs_in = magnitudes(in);
        dense_forward_reference(magnitude.data(), abs_in.data(), abs_weight.data(),
                                with_bias ? abs_bias.data() : nullptr, run_g);
        std::ostringstream what;
        what << "dense batch " << batch << " in " << g.in_c << " out " << g.out_c << (with_bias ? " bias" : "");
        check_within_rounding(got, want, magnitude, g.in_c, what.str());
      }
      CHECK_FALSE(op->accepts(DenseGeometry{g.batch, g.in_c + 1, g.out_c}));
      CHECK_FALSE(op->accepts(DenseGeometry{g.batch, g.in_c, g.out_c + 1}));
    }
  }
}

TEST_CASE("XNNPACK max and average pooling equal the reference loops") {
  Rng rng(65);
  for (int trial = 0; trial < 80; ++trial) {
    PoolGeometry g = random_pool_geometry(rng);
    for (PoolKind kind : {PoolKind::max, PoolKind::average}) {
      std::unique_ptr<PoolForward> op = make_pool_forward(kind, g);
      check_pool_run(*op, kind, g, rng);
    }
  }
}

TEST_CASE("XNNPACK average pooling divides by the in-bounds pixel count, as TensorFlow") {
  // 2x2 input 1..4, 3x3 window, stride 1, pads 1 all round: every window holds all four pixels
  // (and five padding ones), so every output is 2.5, not 10 / 9.
  PoolGeometry g;
  g.in_h = g.in_w = 2;
  g.out_h = g.out_w = 2;
  g.window_h = g.window_w = 3;
  g.pad = {1, 1, 1, 1};
  const float in[] = {1, 2, 3, 4};
  float out[4] = {};
  make_pool_forward(PoolKind::average, g)->run(out, in, g);
  CHECK(std::vector<float>(out, out + 4) == std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f});
}

TEST_CASE("an XNNPACK pool serves other batch sizes and input sizes, and only its own window") {
  Rng rng(66);
  Window2D w = Window2D::square(3, 2, PaddingMode::same);
  for (PoolKind kind : {PoolKind::max, PoolKind::average}) {
    // SAME pads of a 3x3 stride-2 window are 1 all round on both odd sizes, so one operator fits.
    PoolGeometry g = pool_geometry(2, 29, 29, 64, w), smaller = pool_geometry(1, 15, 13, 64, w);
    std::unique_ptr<PoolForward> op = make_pool_forward(kind, g);
    REQUIRE(op->accepts(smaller));
    check_pool_run(*op, kind, g, rng);
    check_pool_run(*op, kind, smaller, rng);
    PoolGeometry other = g;
    other.channels = 32;
    CHECK_FALSE(op->accepts(other));
    other = g;
    other.stride_w = 1;
    CHECK_FALSE(op->accepts(other));
  }
}

TEST_CASE("XNNPACK global average pooling equals the reference loop and serves other sizes") {
  Rng rng(67);
  for (int channels : {1, 3, 5, 17, 64}) {
    PoolGeometry g;
    g.channels = channels;
    std::unique_ptr<PoolForward> op = make_pool_forward(PoolKind::global_average, g);
    for (auto [batch, h, w] : {std::array<int, 3>{1, 1, 1}, {2, 7, 5}, {1, 8, 8}, {2, 29, 29}}) {
      g.batch = batch;
      g.in_h = g.window_h = h;
      g.in_w = g.window_w = w;
      REQUIRE(op->accepts(g));
      std::vector<float> in = rng.values(static_cast<size_t>(batch) * h * w * channels);
      std::vector<float> got(static_cast<size_t>(batch) * channels), want(got.size()), magnitude(got.size());
      op->run(got.data(), in.data(), g);
      global_avg_pool_forward_reference(want.data(), in.data(), batch, h * w, channels);
      std::vector<float> abs_in = magnitudes(in);
      global_avg_pool_forward_reference(magnitude.data(), abs_in.data(), batch, h * w, channels);
      std::ostringstream what;
      what << "global average pool batch " << batch << " " << h << "x" << w << "x" << channels;
      check_within_rounding(got, want, magnitude, h * w, what.str());
    }
  }
}
