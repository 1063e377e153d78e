// Kernel-level convolution tests: the reference backward loops are the adjoints of the reference
// forward, and the optimised paths (cached forward, GEMM / channel-innermost backward) equal the
// reference on random geometries, edge sizes included.
#include "kernels/conv2d.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include "kernels/backend.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::Rng;

namespace {

size_t input_size(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c; }
size_t output_size(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c; }
size_t weights_size(const ConvGeometry& g) {
  return static_cast<size_t>(g.kernel_h) * g.kernel_w * (g.depthwise ? 1 : g.in_c) * g.out_c;
}

int pick(Rng& rng, std::initializer_list<int> choices) {
  return *(choices.begin() + rng.integer(0, static_cast<int>(choices.size()) - 1));
}

// A random geometry that fits: sizes 1..9, channels 1/3/4/5/17, kernels 1..4, strides 1..3,
// dilations 1..2, asymmetric pads 0..2, batch 1..2.
ConvGeometry random_geometry(Rng& rng, bool depthwise) {
  for (;;) {
    ConvGeometry g;
    g.depthwise = depthwise;
    g.batch = rng.integer(1, 2);
    g.in_h = rng.integer(1, 9);
    g.in_w = rng.integer(1, 9);
    g.in_c = pick(rng, {1, 3, 4, 5, 17});
    g.out_c = depthwise ? g.in_c * rng.integer(1, 3) : pick(rng, {1, 3, 5, 8, 17});
    g.kernel_h = rng.integer(1, 4);
    g.kernel_w = rng.integer(1, 4);
    g.stride_h = rng.integer(1, 3);
    g.stride_w = rng.integer(1, 3);
    g.dilation_h = rng.integer(1, 2);
    g.dilation_w = rng.integer(1, 2);
    g.pad = {rng.integer(0, 2), rng.integer(0, 2), rng.integer(0, 2), rng.integer(0, 2)};
    int span_h = g.in_h + g.pad.top + g.pad.bottom - ((g.kernel_h - 1) * g.dilation_h + 1);
    int span_w = g.in_w + g.pad.left + g.pad.right - ((g.kernel_w - 1) * g.dilation_w + 1);
    if (span_h < 0 || span_w < 0) continue;
    g.out_h = span_h / g.stride_h + 1;
    g.out_w = span_w / g.stride_w + 1;
    return g;
  }
}

// A 1x1 stride-1 unpadded geometry: the backward takes the no-im2col path.
ConvGeometry pointwise_geometry(int batch, int h, int w, int in_c, int out_c) {
  ConvGeometry g;
  g.batch = batch;
  g.in_h = g.out_h = h;
  g.in_w = g.out_w = w;
  g.in_c = in_c;
  g.out_c = out_c;
  return g;
}

// 64x64 output rows with a 3x3x17 patch: more than one im2col band (kColumnBudget in conv2d.cpp).
ConvGeometry large_geometry() {
  ConvGeometry g = pointwise_geometry(1, 64, 64, 17, 5);
  g.kernel_h = g.kernel_w = 3;
  g.pad = {1, 1, 1, 1};
  return g;
}

// The Fashion-MNIST CNN's third convolution on 5 images: backward to the input runs whole images two
// to a GEMM (the column budget), so the batch splits into groups of 2, 2 and 1.
ConvGeometry grouped_geometry() {
  ConvGeometry g = pointwise_geometry(5, 14, 14, 64, 8);
  g.kernel_h = g.kernel_w = 3;
  g.pad = {1, 1, 1, 1};
  return g;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

// |got - want| <= rel * max(1, max|want|) element-wise.
void check_close(const std::vector<float>& got, const std::vector<float>& want, double rel, const char* what,
                 const ConvGeometry& g) {
  float scale = 1.0f;
  for (float v : want) scale = std::max(scale, std::fabs(v));
  float worst = 0.0f;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
  CHECK_MESSAGE(worst <= rel * scale, what << ": max diff " << worst << " (scale " << scale << ") on batch "
                                            << g.batch << " in " << g.in_h << "x" << g.in_w << "x" << g.in_c
                                            << " out " << g.out_h << "x" << g.out_w << "x" << g.out_c << " kernel "
                                            << g.kernel_h << "x" << g.kernel_w << " stride " << g.stride_h << "x"
                                            << g.stride_w << " dilation " << g.dilation_h << "x" << g.dilation_w
                                            << (g.depthwise ? " depthwise" : ""));
}

void forward_reference(std::vector<float>& out, const std::vector<float>& in, const std::vector<float>& weights,
                       const float* bias, const ConvGeometry& g) {
  if (g.depthwise) {
    depthwise_conv2d_forward_reference(out.data(), in.data(), weights.data(), bias, g);
  } else {
    conv2d_forward_reference(out.data(), in.data(), weights.data(), bias, g);
  }
}

// Optimised backward (input and weights, both accumulating onto random starting values) against
// the reference, 1e-4 relative: both sum the same products, only in a different order.
void compare_backward_with_reference(const ConvGeometry& g, Rng& rng) {
  std::vector<float> in = rng.values(input_size(g)), weights = rng.values(weights_size(g));
  std::vector<float> d_out = rng.values(output_size(g));
  std::vector<float> d_in_start = rng.values(input_size(g));
  std::vector<float> d_weights_start = rng.values(weights_size(g));
  std::vector<float> d_bias_start = rng.values(g.out_c);

  auto run = [&](bool reference, std::vector<float>& d_in, std::vector<float>& d_weights, std::vector<float>& d_bias) {
    ReferenceScope scope(reference);
    d_in = d_in_start;
    d_weights = d_weights_start;
    d_bias = d_bias_start;
    conv_backward_input(d_in.data(), d_out.data(), weights.data(), g);
    conv_backward_weights(d_weights.data(), d_bias.data(), d_out.data(), in.data(), g);
  };
  std::vector<float> d_in_ref, d_weights_ref, d_bias_ref, d_in_opt, d_weights_opt, d_bias_opt;
  run(true, d_in_ref, d_weights_ref, d_bias_ref);
  run(false, d_in_opt, d_weights_opt, d_bias_opt);
  check_close(d_in_opt, d_in_ref, 1e-4, "d_in", g);
  check_close(d_weights_opt, d_weights_ref, 1e-4, "d_weights", g);
  check_close(d_bias_opt, d_bias_ref, 1e-4, "d_bias", g);
}

}  // namespace

TEST_CASE("reference conv backward loops are the adjoints of the forward loop") {
  // For the linear map F(x, w) = conv(x, w): <F(x, w), y> = <x, dF/dx^T y> = <w, dF/dw^T y>.
  // Tolerance 1e-4 relative to the sum of |terms|: the three sums only differ by rounding.
  Rng rng(21);
  for (bool depthwise : {false, true}) {
    for (int trial = 0; trial < 25; ++trial) {
      ConvGeometry g = random_geometry(rng, depthwise);
      std::vector<float> x = rng.values(input_size(g)), w = rng.values(weights_size(g));
      std::vector<float> y = rng.values(output_size(g)), bias = rng.values(g.out_c);
      std::vector<float> out(output_size(g)), out_bias(output_size(g));
      forward_reference(out, x, w, nullptr, g);
      forward_reference(out_bias, x, w, bias.data(), g);
      std::vector<float> d_x(x.size(), 0.0f), d_w(w.size(), 0.0f), d_bias(g.out_c, 0.0f);
      if (depthwise) {
        depthwise_conv2d_backward_input_reference(d_x.data(), y.data(), w.data(), g);
        depthwise_conv2d_backward_weights_reference(d_w.data(), d_bias.data(), y.data(), x.data(), g);
      } else {
        conv2d_backward_input_reference(d_x.data(), y.data(), w.data(), g);
        conv2d_backward_weights_reference(d_w.data(), d_bias.data(), y.data(), x.data(), g);
      }
      double forward_dot = dot(out, y);
      double scale = 1.0;
      for (size_t i = 0; i < out.size(); ++i) scale += std::fabs(out[i] * y[i]);
      CHECK(std::fabs(forward_dot - dot(x, d_x)) <= 1e-4 * scale);
      CHECK(std::fabs(forward_dot - dot(w, d_w)) <= 1e-4 * scale);
      // The bias adds bias[oc] to every pixel of channel oc: <out_bias - out, y> = <bias, d_bias>.
      std::vector<float> bias_part(out.size());
      for (size_t i = 0; i < out.size(); ++i) bias_part[i] = out_bias[i] - out[i];
      CHECK(std::fabs(dot(bias_part, y) - dot(bias, d_bias)) <= 1e-4 * scale);
    }
  }
}

TEST_CASE("GEMM-based conv backward equals the reference backward") {
  Rng rng(5);
  for (int trial = 0; trial < 60; ++trial) compare_backward_with_reference(random_geometry(rng, false), rng);
  for (ConvGeometry g : {pointwise_geometry(1, 1, 1, 1, 1), pointwise_geometry(2, 3, 5, 17, 5),
                         pointwise_geometry(1, 7, 7, 5, 3), large_geometry(), grouped_geometry()}) {
    compare_backward_with_reference(g, rng);
  }
}

TEST_CASE("stride-1 conv backward with fewer output than input channels (the turned-weights path) equals the reference") {
  Rng rng(15);
  int tried = 0;
  while (tried < 40) {
    ConvGeometry g = random_geometry(rng, false);
    g.stride_h = g.stride_w = 1;
    g.out_h = g.in_h + g.pad.top + g.pad.bottom - (g.kernel_h - 1) * g.dilation_h;
    g.out_w = g.in_w + g.pad.left + g.pad.right - (g.kernel_w - 1) * g.dilation_w;
    if (g.out_c >= g.in_c || g.out_h < 1 || g.out_w < 1) continue;
    compare_backward_with_reference(g, rng);
    ++tried;
  }
  ConvGeometry class_maps = pointwise_geometry(2, 8, 8, 256, 7);  // the emotion model's last conv, batch 2
  class_maps.kernel_h = class_maps.kernel_w = 3;
  class_maps.pad = {1, 1, 1, 1};
  compare_backward_with_reference(class_maps, rng);
  ConvGeometry large = large_geometry();  // three bands of d_in rows
  large.in_c = 33;
  large.out_c = 16;
  compare_backward_with_reference(large, rng);
}

namespace {

// At 1, 2 and 3 threads: the backward passes equal the reference, and the weight gradient has the
// same bits as on 1 thread (the same inputs at every count, from `seed`).
void check_weights_gradient_at_1_to_3_threads(const ConvGeometry& g, std::uint32_t seed) {
  std::vector<float> one_thread;
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadCountScope scope(threads);
    Rng same_values(seed);
    compare_backward_with_reference(g, same_values);
    const std::vector<float> in = same_values.values(input_size(g)), d_out = same_values.values(output_size(g));
    std::vector<float> d_weights(weights_size(g), 0.0f);
    conv_backward_weights(d_weights.data(), nullptr, d_out.data(), in.data(), g);
    if (threads == 1) one_thread = d_weights;
    CHECK(d_weights == one_thread);
  }
}

}  // namespace

TEST_CASE("short-patch weight gradients (split by output channels) equal the reference, same bits at 1-3 threads") {
  // Patches of fewer than 32 entries (the Fashion-MNIST CNN's first conv, 3x3x1; a 3x3x3 RGB conv)
  // build the columns of several whole images at once and split d_weights by output channels: 32
  // channels (two 16-channel granules) and 40 (16, 16, 8). 40 images of 3x3x1 columns make two
  // groups under the column budget (37 and 3). Each is above kParallelMinWork multiply-adds, so 2
  // and 3 threads do split it.
  for (const auto [batch, in_c, out_c] : {std::tuple{40, 1, 32}, std::tuple{8, 3, 40}}) {
    ConvGeometry g = pointwise_geometry(batch, 28, 28, in_c, out_c);
    g.kernel_h = g.kernel_w = 3;
    g.pad = {1, 1, 1, 1};
    CAPTURE(g.in_c);  // not the bindings: CAPTURE's lambda cannot capture them (C++20, clang 14)
    CAPTURE(g.out_c);
    check_weights_gradient_at_1_to_3_threads(g, 18);
  }
}

TEST_CASE("weight gradients split by patch entries equal the reference, the same bits at 1-3 threads") {
  // 3x3x5 patches (45 entries) split into ranges that start and end inside kernel rows and taps;
  // stride 2, a dilated row, asymmetric padding, so im2col meets rows inside the image (copied in one
  // run), rows cut by the padding, and rows of the padding. Above kParallelMinWork multiply-adds.
  ConvGeometry g = pointwise_geometry(16, 15, 15, 5, 24);
  g.kernel_h = g.kernel_w = 3;
  g.stride_h = g.stride_w = 2;
  g.dilation_h = 2;
  g.pad = {2, 1, 1, 0};
  g.out_h = (g.in_h + g.pad.top + g.pad.bottom - 5) / 2 + 1;
  g.out_w = (g.in_w + g.pad.left + g.pad.right - 3) / 2 + 1;
  check_weights_gradient_at_1_to_3_threads(g, 19);
}

TEST_CASE("depthwise backward equals the reference backward") {
  Rng rng(6);
  for (int trial = 0; trial < 60; ++trial) compare_backward_with_reference(random_geometry(rng, true), rng);
  ConvGeometry large = large_geometry();
  large.depthwise = true;
  large.out_c = large.in_c * 2;
  compare_backward_with_reference(large, rng);
}

TEST_CASE("stride-1 depthwise backward with multiplier 1 (the gathering path) equals the reference") {
  Rng rng(16);
  for (int trial = 0; trial < 30; ++trial) {
    ConvGeometry g = random_geometry(rng, true);
    g.out_c = g.in_c = pick(rng, {1, 5, 16, 17, 33});  // whole blocks of 16 channels, and what is left over
    g.stride_h = g.stride_w = 1;
    g.out_h = g.in_h + g.pad.top + g.pad.bottom - (g.kernel_h - 1) * g.dilation_h;
    g.out_w = g.in_w + g.pad.left + g.pad.right - (g.kernel_w - 1) * g.dilation_w;
    if (g.out_h < 1 || g.out_w < 1) continue;
    compare_backward_with_reference(g, rng);
  }
  ConvGeometry emotion = pointwise_geometry(2, 15, 15, 128, 128);  // an emotion separable conv, batch 2
  emotion.depthwise = true;
  emotion.kernel_h = emotion.kernel_w = 3;
  emotion.pad = {1, 1, 1, 1};
  compare_backward_with_reference(emotion, rng);
}

TEST_CASE("conv_forward through the cache equals the reference and follows geometry changes") {
  // 1e-4 relative: XNNPACK / SIMD128 sum in another order (and may use FMA).
  Rng rng(8);
  for (bool depthwise : {false, true}) {
    for (int trial = 0; trial < 30; ++trial) {
      ConvGeometry g = random_geometry(rng, depthwise);
      g.activation = static_cast<Activation>(trial % 3);
      std::vector<float> weights = rng.values(weights_size(g)), bias = rng.values(g.out_c);
      const float* bias_or_null = trial % 2 ? bias.data() : nullptr;
      std::unique_ptr<ConvForward> cache;
      // The same cache serves this geometry and then a taller input (rebuilt if it cannot take it).
      for (int extra_rows : {0, 3}) {
        ConvGeometry run_g = g;
        run_g.in_h += extra_rows * run_g.stride_h;
        run_g.out_h += extra_rows;
        std::vector<float> in = rng.values(input_size(run_g));
        std::vector<float> want(output_size(run_g)), got(output_size(run_g));
        forward_reference(want, in, weights, bias_or_null, run_g);
        conv_forward(cache, got.data(), in.data(), weights.data(), bias_or_null, run_g);
        REQUIRE(cache != nullptr);
        check_close(got, want, 1e-4, "forward", run_g);
      }
    }
  }
}

TEST_CASE("conv_backward_input through the prepared weights equals the reference and follows geometry changes") {
  // 1e-4 relative, as the GEMM backward. WebAssembly prepares the weights for stride-1 and unpadded
  // 1x1 convolutions, natively XNNPACK for stride-1 ones and those whose windows overlap; elsewhere
  // the plain path runs and the cache stays empty.
  auto prepares = [](const ConvGeometry& g) {
    const bool stride_one = g.stride_h == 1 && g.stride_w == 1;
#ifdef __EMSCRIPTEN__
    return stride_one || (g.kernel_h == 1 && g.kernel_w == 1 && g.pad == Padding{});
#else
    return stride_one || g.kernel_h > g.stride_h || g.kernel_w > g.stride_w;
#endif
  };
  Rng rng(10);
  std::vector<ConvGeometry> geometries = {pointwise_geometry(1, 15, 15, 128, 256), pointwise_geometry(2, 7, 5, 13, 9),
                                          pointwise_geometry(1, 3, 4, 5, 300)};
  ConvGeometry strided = pointwise_geometry(1, 9, 9, 16, 24);
  strided.stride_h = strided.stride_w = 2;
  strided.out_h = strided.out_w = 5;
  geometries.push_back(strided);
  ConvGeometry emotion_3x3 = pointwise_geometry(1, 31, 31, 32, 64);  // valid: 29x29 out
  emotion_3x3.kernel_h = emotion_3x3.kernel_w = 3;
  emotion_3x3.out_h = emotion_3x3.out_w = 29;
  geometries.push_back(emotion_3x3);
  ConvGeometry same_to_few = pointwise_geometry(1, 8, 8, 256, 7);  // the emotion model's last, padded
  same_to_few.kernel_h = same_to_few.kernel_w = 3;
  same_to_few.pad = {1, 1, 1, 1};
  geometries.push_back(same_to_few);
  for (int trial = 0; trial < 20; ++trial) geometries.push_back(random_geometry(rng, false));
  for (const ConvGeometry& g : geometries) {
    std::vector<float> weights = rng.values(weights_size(g));
    std::unique_ptr<ConvBackwardInput> cache;
    // The same cache serves this batch and then a larger one.
    for (int batch : {g.batch, g.batch + 2}) {
      ConvGeometry run_g = g;
      run_g.batch = batch;
      std::vector<float> d_out = rng.values(output_size(run_g)), start = rng.values(input_size(run_g));
      std::vector<float> want = start, got = start;
      conv2d_backward_input_reference(want.data(), d_out.data(), weights.data(), run_g);
      conv_backward_input(cache, got.data(), d_out.data(), weights.data(), run_g);
      CHECK((cache != nullptr) == prepares(g));
      check_close(got, want, 1e-4, "backward input", run_g);
    }
  }
}

TEST_CASE("conv_forward runs the reference and leaves the cache alone when the reference is forced") {
  Rng rng(9);
  ConvGeometry g = random_geometry(rng, false);
  std::vector<float> in = rng.values(input_size(g)), weights = rng.values(weights_size(g));
  std::vector<float> want(output_size(g)), got(output_size(g));
  conv2d_forward_reference(want.data(), in.data(), weights.data(), nullptr, g);
  std::unique_ptr<ConvForward> cache;
  ReferenceScope scope;
  conv_forward(cache, got.data(), in.data(), weights.data(), nullptr, g);
  CHECK(cache == nullptr);
  CHECK(got == want);
}

namespace {

// A convolution computed here in double precision, each output rounded to float32 once: what the
// exact-sum kernels must give (an independent loop: every output, every tap, every product).
std::vector<float> double_precision_forward(const std::vector<float>& in, const std::vector<float>& weights,
                                            const float* bias, const ConvGeometry& g) {
  std::vector<float> out(output_size(g));
  const int multiplier = g.depthwise ? g.multiplier() : 1;
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) {
          double sum = bias ? bias[oc] : 0.0;
          for (int ky = 0; ky < g.kernel_h; ++ky)
            for (int kx = 0; kx < g.kernel_w; ++kx) {
              const int iy = oy * g.stride_h - g.pad.top + ky * g.dilation_h;
              const int ix = ox * g.stride_w - g.pad.left + kx * g.dilation_w;
              if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
              size_t pixel = ((static_cast<size_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c;
              size_t tap = static_cast<size_t>(ky) * g.kernel_w + kx;
              if (g.depthwise) {
                sum += static_cast<double>(in[pixel + oc / multiplier]) * weights[tap * g.out_c + oc];
              } else {
                for (int ic = 0; ic < g.in_c; ++ic)
                  sum += static_cast<double>(in[pixel + ic]) * weights[(tap * g.in_c + ic) * g.out_c + oc];
              }
            }
          float value = static_cast<float>(sum);
          if (g.activation != Activation::none) value = std::max(value, 0.0f);
          if (g.activation == Activation::relu6) value = std::min(value, 6.0f);
          out[((static_cast<size_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = value;
        }
  return out;
}

// Equal, or one float32 step apart (two double sums in another order may round to neighbours).
bool same_or_neighbours(float a, float b) { return a == b || std::nextafter(a, b) == b; }

}  // namespace

TEST_CASE("exact-sum convolutions are double-precision sums rounded once, the same at any thread count") {
  Rng rng(21);
  for (bool depthwise : {false, true}) {
    for (int trial = 0; trial < 30; ++trial) {
      ConvGeometry g = random_geometry(rng, depthwise);
      g.activation = static_cast<Activation>(trial % 3);
      std::vector<float> in = rng.values(input_size(g)), weights = rng.values(weights_size(g));
      std::vector<float> bias = rng.values(g.out_c);
      const float* bias_or_null = trial % 2 ? bias.data() : nullptr;
      const std::vector<float> want = double_precision_forward(in, weights, bias_or_null, g);
      std::vector<float> got(output_size(g));
      conv2d_forward_exact(got.data(), in.data(), weights.data(), bias_or_null, g);
      for (size_t i = 0; i < got.size(); ++i) {
        REQUIRE_MESSAGE(same_or_neighbours(got[i], want[i]), "output " << i << ": " << got[i] << " against " << want[i]
                                                                        << (depthwise ? " (depthwise)" : ""));
      }
#ifndef __EMSCRIPTEN__
      ThreadCountScope threads(2);
      std::vector<float> two_threads(output_size(g));
      conv2d_forward_exact(two_threads.data(), in.data(), weights.data(), bias_or_null, g);
      CHECK(two_threads == got);
#endif
    }
  }
}

TEST_CASE("conv_forward with exact sums keeps the sign that float32 sums lose") {
  // 1e8 + 1 - 1e8 is 0 when added in float32 (1 is below half a step of 1e8) and 1 when exact:
  // the difference between a ReLU passing its gradient on and blocking it.
  ConvGeometry g = pointwise_geometry(1, 1, 1, 3, 1);
  g.activation = Activation::relu;
  const std::vector<float> weights = {1, 1, 1};
  for (float middle : {1.0f, -1.0f}) {
    const std::vector<float> in = {1e8f, middle, -1e8f};
    float reference = -7, exact = -7;
    conv2d_forward_reference(&reference, in.data(), weights.data(), nullptr, g);
    CHECK(reference == 0.0f);
    std::unique_ptr<ConvForward> cache;
    {
      ExactSumsScope scope;
      conv_forward(cache, &exact, in.data(), weights.data(), nullptr, g);
    }
    CHECK(exact == std::max(middle, 0.0f));
    CHECK(cache == nullptr);
    CHECK_FALSE(exact_sums());
  }
  // The same through a depthwise window: three taps of one channel.
  ConvGeometry depthwise = pointwise_geometry(1, 3, 1, 1, 1);
  depthwise.depthwise = true;
  depthwise.kernel_h = 3;
  depthwise.out_h = 1;
  const std::vector<float> column = {1e8f, 1.0f, -1e8f};
  float exact = 0;
  ExactSumsScope scope;
  std::unique_ptr<ConvForward> cache;
  conv_forward(cache, &exact, column.data(), weights.data(), nullptr, depthwise);
  CHECK(exact == 1.0f);
}
