// The WebAssembly SIMD128 kernels (WebAssembly build only) against the reference loops, on random
// shapes with edge sizes.
//
// Tolerance: a float sum of K products may differ from another summation order by at most about
// 2 * K * 2^-24 times the sum of the terms' magnitudes. Each check computes that magnitude by
// running the reference on |inputs| and allows 2e-7 * (K + 1) times it: the rounding bound, while
// one missing or doubled term (about magnitude / K) still fails by orders of magnitude.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/conv2d.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/pool.h"
#include "kernels/simd128/gemm_packed.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::magnitudes;
using camlens::test::Rng;

namespace {

// Checks every element of `actual` against `expected` within 2e-7 * (depth + 1) * scale[i].
void check_close(const std::vector<float>& actual, const std::vector<float>& expected,
                 const std::vector<float>& scale, int depth, const std::string& what) {
  REQUIRE(actual.size() == expected.size());
  int failures = 0;
  for (size_t i = 0; i < actual.size() && failures < 5; ++i) {
    const double tolerance = 2e-7 * (depth + 1) * scale[i] + 1e-30;
    if (!(std::fabs(static_cast<double>(actual[i]) - expected[i]) <= tolerance)) {
      ++failures;
      FAIL_CHECK(what << ": element " << i << " is " << actual[i] << ", reference " << expected[i]
                      << " (tolerance " << tolerance << ")");
    }
  }
}

using GemmFunction = void (*)(int, int, int, const float*, int, const float*, int, float*, int);

struct GemmCase {
  const char* name;
  GemmFunction optimized, reference;
  bool a_transposed, b_transposed;
};

void check_gemm(const GemmCase& gemm, Rng& rng, int m, int n, int k, int padding) {
  // Leading dimensions larger than the rows when padding > 0, to catch stride mix-ups.
  const int a_rows = gemm.a_transposed ? k : m, a_cols = gemm.a_transposed ? m : k;
  const int b_rows = gemm.b_transposed ? n : k, b_cols = gemm.b_transposed ? k : n;
  const int lda = a_cols + padding, ldb = b_cols + padding, ldc = n + padding;
  const std::vector<float> a = rng.values(static_cast<size_t>(a_rows) * lda);
  const std::vector<float> b = rng.values(static_cast<size_t>(b_rows) * ldb);
  const std::vector<float> c0 = rng.values(static_cast<size_t>(m) * ldc);
  std::vector<float> actual = c0, expected = c0, scale = magnitudes(c0);
  gemm.optimized(m, n, k, a.data(), lda, b.data(), ldb, actual.data(), ldc);
  gemm.reference(m, n, k, a.data(), lda, b.data(), ldb, expected.data(), ldc);
  gemm.reference(m, n, k, magnitudes(a).data(), lda, magnitudes(b).data(), ldb, scale.data(), ldc);
  check_close(actual, expected, scale, k,
              std::string(gemm.name) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                  " k=" + std::to_string(k) + " padding=" + std::to_string(padding));
}


// A geometry with TensorFlow's padding rules resolved by Window2D (explicit pads when given).
ConvGeometry conv_geometry(int batch, int in_h, int in_w, int in_c, int out_c, int kernel_h, int kernel_w,
                           int stride, int dilation, PaddingMode mode, Padding pads, Activation activation,
                           bool depthwise) {
  Window2D window;
  window.kernel_h = kernel_h;
  window.kernel_w = kernel_w;
  window.stride_h = window.stride_w = stride;
  window.dilation_h = window.dilation_w = dilation;
  window.padding_mode = mode;
  window.explicit_padding = pads;
  ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.in_c = in_c;
  g.out_c = out_c;
  g.kernel_h = kernel_h;
  g.kernel_w = kernel_w;
  g.stride_h = g.stride_w = stride;
  g.dilation_h = g.dilation_w = dilation;
  g.pad = window.pads(in_h, in_w);
  g.out_h = window.out_h(in_h);
  g.out_w = window.out_w(in_w);
  g.activation = activation;
  g.depthwise = depthwise;
  return g;
}

std::string describe(const ConvGeometry& g) {
  return std::string(g.depthwise ? "depthwise" : "conv") + " batch " + std::to_string(g.batch) + " in " +
         std::to_string(g.in_h) + "x" + std::to_string(g.in_w) + "x" + std::to_string(g.in_c) + " out " +
         std::to_string(g.out_h) + "x" + std::to_string(g.out_w) + "x" + std::to_string(g.out_c) + " kernel " +
         std::to_string(g.kernel_h) + "x" + std::to_string(g.kernel_w) + " stride " + std::to_string(g.stride_h) +
         " dilation " + std::to_string(g.dilation_h) + " pads " + std::to_string(g.pad.top) + "," +
         std::to_string(g.pad.bottom) + "," + std::to_string(g.pad.left) + "," + std::to_string(g.pad.right) +
         " activation " + std::to_string(static_cast<int>(g.activation));
}

void conv_reference(float* out, const float* in, const float* weights, const float* bias, const ConvGeometry& g) {
  if (g.depthwise) {
    depthwise_conv2d_forward_reference(out, in, weights, bias, g);
  } else {
    conv2d_forward_reference(out, in, weights, bias, g);
  }
}

// Runs `conv` (built for `built`, possibly another batch size) on geometry g against the reference.
void check_conv_run(ConvForward& conv, const ConvGeometry& g, const std::vector<float>& weights,
                    const std::vector<float>& bias, Rng& rng) {
  REQUIRE(conv.accepts(g));
  std::vector<float> in = rng.values(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c);
  for (float& v : in) v *= 3.0f;  // some sums beyond 6, so ReLU6 clips
  const size_t out_size = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
  std::vector<float> actual(out_size, -99.0f), expected(out_size), scale(out_size);
  conv.run(actual.data(), in.data(), g);
  conv_reference(expected.data(), in.data(), weights.data(), bias.data(), g);
  ConvGeometry linear = g;
  linear.activation = Activation::none;
  conv_reference(scale.data(), magnitudes(in).data(), magnitudes(weights).data(), magnitudes(bias).data(), linear);
  const int depth = g.kernel_h * g.kernel_w * (g.depthwise ? 1 : g.in_c);
  check_close(actual, expected, scale, depth, describe(g));
}

// Builds the SIMD128 forward for g, runs it on g and on the other batch size (1 <-> 2).
void check_conv(const ConvGeometry& g, Rng& rng) {
  const size_t weights_size = static_cast<size_t>(g.kernel_h) * g.kernel_w * (g.depthwise ? 1 : g.in_c) * g.out_c;
  const std::vector<float> weights = rng.values(weights_size), bias = rng.values(g.out_c);
  std::unique_ptr<ConvForward> conv = make_conv_forward(g, weights.data(), bias.data());
  check_conv_run(*conv, g, weights, bias, rng);
  ConvGeometry other_batch = g;
  other_batch.batch = g.batch == 1 ? 2 : 1;
  check_conv_run(*conv, other_batch, weights, bias, rng);
}

template <typename T>
T pick(Rng& rng, std::initializer_list<T> choices) {
  return *(choices.begin() + rng.integer(0, static_cast<int>(choices.size()) - 1));
}

// A random geometry from the edge sizes; pads explicit (asymmetric) a third of the time.
ConvGeometry random_conv_geometry(Rng& rng, bool depthwise) {
  for (;;) {
    const int in_c = pick(rng, {1, 3, 5, 17, 64});
    const int out_c = depthwise ? in_c * pick(rng, {1, 1, 2, 3}) : pick(rng, {1, 3, 5, 8, 17, 64});
    const int kernel_h = pick(rng, {1, 3, 5}), kernel_w = pick(rng, {1, 3});
    const PaddingMode mode = pick(rng, {PaddingMode::valid, PaddingMode::same, PaddingMode::explicit_pads});
    const Padding pads{rng.integer(0, 2), rng.integer(0, 2), rng.integer(0, 2), rng.integer(0, 2)};
    const int in_h = pick(rng, {1, 2, 5, 7, 11}), in_w = pick(rng, {1, 3, 6, 13});
    const int stride = rng.integer(1, 2), dilation = rng.integer(1, 2);
    Window2D window;
    window.kernel_h = kernel_h;
    window.kernel_w = kernel_w;
    window.stride_h = window.stride_w = stride;
    window.dilation_h = window.dilation_w = dilation;
    window.padding_mode = mode;
    window.explicit_padding = pads;
    if (window.out_h(in_h) <= 0 || window.out_w(in_w) <= 0) continue;
    return conv_geometry(rng.integer(1, 2), in_h, in_w, in_c, out_c, kernel_h, kernel_w, stride, dilation, mode,
                         pads, pick(rng, {Activation::none, Activation::relu, Activation::relu6}), depthwise);
  }
}

PoolGeometry pool_geometry(int batch, int in_h, int in_w, int channels, int window_h, int window_w, int stride,
                           PaddingMode mode, Padding pads) {
  Window2D window;
  window.kernel_h = window_h;
  window.kernel_w = window_w;
  window.stride_h = window.stride_w = stride;
  window.padding_mode = mode;
  window.explicit_padding = pads;
  PoolGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.channels = channels;
  g.window_h = window_h;
  g.window_w = window_w;
  g.stride_h = g.stride_w = stride;
  g.pad = window.pads(in_h, in_w);
  g.out_h = window.out_h(in_h);
  g.out_w = window.out_w(in_w);
  return g;
}

void pool_reference(PoolKind kind, float* out, const float* in, const PoolGeometry& g) {
  switch (kind) {
    case PoolKind::max: max_pool_forward_reference(out, in, g); return;
    case PoolKind::average: avg_pool_forward_reference(out, in, g); return;
    case PoolKind::global_average: global_avg_pool_forward_reference(out, in, g.batch, g.in_h * g.in_w, g.channels);
  }
}

// The SIMD128 pools sum in the reference's order and divide like it: results must be identical.
void check_pool_run(PoolForward& pool, PoolKind kind, const PoolGeometry& g, Rng& rng) {
  REQUIRE(pool.accepts(g));
  const std::vector<float> in = rng.values(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.channels);
  const size_t out_size = kind == PoolKind::global_average
                              ? static_cast<size_t>(g.batch) * g.channels
                              : static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.channels;
  std::vector<float> actual(out_size, -99.0f), expected(out_size);
  pool.run(actual.data(), in.data(), g);
  pool_reference(kind, expected.data(), in.data(), g);
  INFO("pool kind ", static_cast<int>(kind), " batch ", g.batch, " in ", g.in_h, "x", g.in_w, "x", g.channels,
       " window ", g.window_h, "x", g.window_w, " stride ", g.stride_h, " pads ", g.pad.top, ",", g.pad.bottom, ",",
       g.pad.left, ",", g.pad.right);
  CHECK(actual == expected);
}

void check_pool(PoolKind kind, const PoolGeometry& g, Rng& rng) {
  std::unique_ptr<PoolForward> pool = make_pool_forward(kind, g);
  check_pool_run(*pool, kind, g, rng);
  PoolGeometry other_batch = g;
  other_batch.batch = g.batch == 1 ? 2 : 1;
  check_pool_run(*pool, kind, other_batch, rng);
}

}  // namespace

TEST_CASE("SIMD128 gemm_nn, gemm_nt, gemm_tn match the reference loops, edges included") {
  const GemmCase cases[] = {{"gemm_nn", gemm_nn, gemm_nn_reference, false, false},
                            {"gemm_nt", gemm_nt, gemm_nt_reference, false, true},
                            {"gemm_tn", gemm_tn, gemm_tn_reference, true, false}};
  // Sizes around the 4-row tile, the 8-column panel and the 256-deep block.
  const int sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31};
  Rng rng(11);
  for (const GemmCase& gemm : cases) {
    for (int m : sizes)
      for (int n : sizes) check_gemm(gemm, rng, m, n, rng.integer(1, 40), rng.integer(0, 3));
    check_gemm(gemm, rng, 37, 29, 257, 1);
    check_gemm(gemm, rng, 6, 70, 600, 0);
    check_gemm(gemm, rng, 64, 64, 64, 0);
  }
}

TEST_CASE("SIMD128 gemm leaves C untouched when a dimension is zero") {
  std::vector<float> c = {1, 2, 3, 4};
  const float a[] = {5}, b[] = {6};
  gemm_nn(2, 2, 0, a, 1, b, 2, c.data(), 2);
  gemm_nt(0, 2, 1, a, 1, b, 1, c.data(), 2);
  gemm_tn(2, 0, 1, a, 2, b, 1, c.data(), 2);
  CHECK(c == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("SIMD128 packed GEMM adds the bias and applies the fused activation") {
  Rng rng(12);
  for (Activation activation : {Activation::none, Activation::relu, Activation::relu6}) {
    // The last two hold more packed weights than one column block: several blocks, a partial last panel.
    for (auto [m, n, k] : {std::array{1, 1, 1}, std::array{5, 7, 3}, std::array{13, 17, 33}, std::array{64, 24, 9},
                           std::array{6, 203, 700}, std::array{9, 203, 700}}) {
      // Values up to 8 so ReLU6 clips some outputs at 6.
      std::vector<float> a = rng.values(static_cast<size_t>(m) * k), b = rng.values(k * n);
      std::vector<float> bias = rng.values(n);
      for (float& v : a) v *= 8.0f;
      const simd128::PackedWeights packed(k, n, b.data(), n, bias.data());
      std::vector<float> actual(static_cast<size_t>(m) * n, -99.0f), expected(m * n), scale(m * n);
      simd128::gemm_packed(m, a.data(), k, packed, actual.data(), n, activation);
      for (int i = 0; i < m; ++i) std::copy(bias.begin(), bias.end(), expected.begin() + i * n);
      gemm_nn_reference(m, n, k, a.data(), k, b.data(), n, expected.data(), n);
      for (float& v : expected) {
        if (activation != Activation::none) v = std::max(v, 0.0f);
        if (activation == Activation::relu6) v = std::min(v, 6.0f);
      }
      for (int i = 0; i < m; ++i) std::copy(bias.begin(), bias.end(), scale.begin() + i * n);
      scale = magnitudes(scale);
      gemm_nn_reference(m, n, k, magnitudes(a).data(), k, magnitudes(b).data(), n, scale.data(), n);
      check_close(actual, expected, scale, k, "gemm_packed m=" + std::to_string(m) + " n=" + std::to_string(n));
    }
  }
}

TEST_CASE("SIMD128 standard convolutions match the reference, reused across batch sizes") {
  Rng rng(21);
  const auto same = PaddingMode::same, valid = PaddingMode::valid, pads = PaddingMode::explicit_pads;
  const auto none = Activation::none, relu = Activation::relu, relu6 = Activation::relu6;
  // The emotion model's shapes, shrunk: 1x1 pointwise (plain GEMM), 1x1 stride 2, 3x3 valid and same.
  check_conv(conv_geometry(1, 9, 9, 1, 32, 3, 3, 2, 1, valid, {}, relu, false), rng);
  check_conv(conv_geometry(2, 7, 7, 32, 64, 3, 3, 1, 1, valid, {}, relu, false), rng);
  check_conv(conv_geometry(1, 7, 7, 64, 17, 1, 1, 1, 1, valid, {}, none, false), rng);
  check_conv(conv_geometry(2, 7, 7, 17, 64, 1, 1, 2, 1, same, {}, relu6, false), rng);
  check_conv(conv_geometry(1, 8, 8, 64, 7, 3, 3, 1, 1, same, {}, none, false), rng);
  check_conv(conv_geometry(1, 6, 5, 5, 3, 5, 3, 2, 1, pads, {2, 0, 0, 1}, relu, false), rng);
  check_conv(conv_geometry(2, 11, 13, 3, 5, 3, 3, 1, 2, same, {}, relu6, false), rng);
  check_conv(conv_geometry(1, 1, 1, 1, 1, 1, 1, 1, 1, valid, {}, none, false), rng);
  // A deep layer's shape: its packed weights span several column blocks.
  check_conv(conv_geometry(1, 5, 5, 256, 90, 3, 3, 1, 1, same, {}, relu, false), rng);
  for (int i = 0; i < 40; ++i) check_conv(random_conv_geometry(rng, false), rng);
}

TEST_CASE("SIMD128 depthwise convolutions match the reference, reused across batch sizes") {
  Rng rng(22);
  const auto same = PaddingMode::same, valid = PaddingMode::valid, pads = PaddingMode::explicit_pads;
  const auto none = Activation::none, relu = Activation::relu, relu6 = Activation::relu6;
  // 3x3 same on 64 and 17 channels (16-wide, 4-wide and single-channel passes), multipliers, borders.
  check_conv(conv_geometry(1, 9, 9, 64, 64, 3, 3, 1, 1, same, {}, none, true), rng);
  check_conv(conv_geometry(2, 6, 7, 17, 17, 3, 3, 1, 1, same, {}, relu, true), rng);
  check_conv(conv_geometry(1, 7, 7, 5, 10, 3, 3, 2, 1, same, {}, relu6, true), rng);
  check_conv(conv_geometry(2, 8, 5, 3, 9, 5, 3, 1, 2, pads, {0, 2, 1, 0}, none, true), rng);
  check_conv(conv_geometry(1, 2, 2, 4, 4, 5, 3, 1, 1, same, {}, none, true), rng);  // taps clipped on both sides
  check_conv(conv_geometry(1, 1, 1, 1, 1, 3, 3, 1, 1, same, {}, relu, true), rng);
  for (int i = 0; i < 40; ++i) check_conv(random_conv_geometry(rng, true), rng);
}

TEST_CASE("SIMD128 convolutions refuse a different geometry and a bad depthwise channel count") {
  ConvGeometry g = conv_geometry(1, 5, 5, 3, 4, 3, 3, 1, 1, PaddingMode::same, {}, Activation::none, false);
  const std::vector<float> weights(3 * 3 * 3 * 4, 0.5f), bias(4, 0.0f);
  std::unique_ptr<ConvForward> conv = make_conv_forward(g, weights.data(), bias.data());
  ConvGeometry other = g;
  other.in_h = other.out_h = 6;
  CHECK_FALSE(conv->accepts(other));
  other = g;
  other.activation = Activation::relu;
  CHECK_FALSE(conv->accepts(other));
  ConvGeometry depthwise = conv_geometry(1, 5, 5, 3, 4, 3, 3, 1, 1, PaddingMode::same, {}, Activation::none, true);
  CHECK_THROWS_WITH_AS(make_conv_forward(depthwise, weights.data(), bias.data()),
                       doctest::Contains("out_c 4 must be a multiple of in_c 3"), Error);
}

TEST_CASE("SIMD128 max and average pools equal the reference, SAME, VALID and asymmetric pads") {
  Rng rng(31);
  const auto same = PaddingMode::same, valid = PaddingMode::valid, pads = PaddingMode::explicit_pads;
  const PoolGeometry shapes[] = {
      pool_geometry(1, 29, 29, 64, 3, 3, 2, same, {}),  // the emotion model's max pool, shrunk in channels
      pool_geometry(2, 15, 15, 17, 3, 3, 2, same, {}),  // 16-wide, then single channels
      pool_geometry(1, 8, 9, 5, 2, 2, 2, valid, {}),
      pool_geometry(2, 7, 6, 3, 3, 2, 1, pads, {2, 0, 1, 1}),
      pool_geometry(1, 1, 1, 1, 1, 1, 1, valid, {}),
      pool_geometry(1, 4, 4, 20, 5, 5, 3, same, {}),  // window larger than the image
  };
  for (PoolKind kind : {PoolKind::max, PoolKind::average})
    for (const PoolGeometry& g : shapes) check_pool(kind, g, rng);
}

TEST_CASE("SIMD128 global average pool equals the reference") {
  Rng rng(32);
  for (auto [h, w, c] : {std::array{8, 8, 7}, std::array{1, 1, 1}, std::array{5, 3, 36}, std::array{2, 9, 17}}) {
    PoolGeometry g = pool_geometry(2, h, w, c, h, w, 1, PaddingMode::valid, {});
    check_pool(PoolKind::global_average, g, rng);
  }
}

TEST_CASE("SIMD128 pools refuse a different geometry") {
  const PoolGeometry g = pool_geometry(1, 9, 9, 4, 3, 3, 2, PaddingMode::same, {});
  std::unique_ptr<PoolForward> pool = make_pool_forward(PoolKind::max, g);
  PoolGeometry other = g;
  other.channels = 8;
  CHECK_FALSE(pool->accepts(other));
  other = g;
  other.pad.bottom += 1;
  CHECK_FALSE(pool->accepts(other));
}

TEST_CASE("SIMD128 dense forward matches the reference, reused across batch sizes") {
  Rng rng(41);
  for (auto [in_c, out_c] : {std::array{1, 1}, std::array{3, 7}, std::array{17, 5}, std::array{64, 128}, std::array{256, 7}}) {
    const DenseGeometry built{2, in_c, out_c};
    const std::vector<float> weight = rng.values(static_cast<size_t>(in_c) * out_c);
    const std::vector<float> bias = rng.values(out_c);
    std::unique_ptr<DenseForward> dense = make_dense_forward(built, weight.data(), bias.data());
    for (int batch : {2, 1, 5}) {
      const DenseGeometry g{batch, in_c, out_c};
      REQUIRE(dense->accepts(g));
      const std::vector<float> in = rng.values(static_cast<size_t>(batch) * in_c);
      std::vector<float> actual(static_cast<size_t>(batch) * out_c, -99.0f), expected(actual.size()), scale(actual.size());
      dense->run(actual.data(), in.data(), g);
      dense_forward_reference(expected.data(), in.data(), weight.data(), bias.data(), g);
      dense_forward_reference(scale.data(), magnitudes(in).data(), magnitudes(weight).data(), magnitudes(bias).data(), g);
      check_close(actual, expected, scale, in_c,
                  "dense batch " + std::to_string(batch) + " " + std::to_string(in_c) + "->" + std::to_string(out_c));
    }
    CHECK_FALSE(dense->accepts(DenseGeometry{2, in_c + 1, out_c}));
    CHECK_FALSE(dense->accepts(DenseGeometry{2, in_c, out_c + 1}));
  }
}
