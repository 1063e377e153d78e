// The dispatching pool kernels (optimised unless forced) against the reference loops.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "kernels/pool.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::max_abs_diff;
using camlens::test::Rng;

namespace {

PoolGeometry geometry(int batch, int in_h, int in_w, int channels, int window, int stride, Padding pad) {
  PoolGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.channels = channels;
  g.window_h = g.window_w = window;
  g.stride_h = g.stride_w = stride;
  g.pad = pad;
  g.out_h = (in_h + pad.top + pad.bottom - window) / stride + 1;
  g.out_w = (in_w + pad.left + pad.right - window) / stride + 1;
  return g;
}

Shape in_shape(const PoolGeometry& g) { return Shape::nhwc(g.batch, g.in_h, g.in_w, g.channels); }
Shape out_shape(const PoolGeometry& g) { return Shape::nhwc(g.batch, g.out_h, g.out_w, g.channels); }

}  // namespace

TEST_CASE("pool kernels match the reference loops on edge and odd sizes") {
  Rng rng(21);
  const PoolGeometry shapes[] = {
      geometry(1, 1, 1, 1, 1, 1, {}),            // 1x1
      geometry(2, 7, 5, 3, 3, 2, {1, 1, 1, 1}),  // odd sizes, stride 2
      geometry(1, 8, 8, 17, 3, 2, {0, 1, 0, 1}), // SAME-like asymmetric pads
      geometry(2, 6, 9, 5, 2, 2, {}),
      geometry(1, 5, 5, 4, 5, 1, {2, 2, 2, 2}),  // window as large as the input
      geometry(1, 9, 7, 1, 3, 3, {1, 0, 2, 1}),
  };
  // Max and mean are exact up to summation order; 1e-5 covers the 25-term windows here.
  const float tolerance = 1e-5f;
  for (const PoolGeometry& g : shapes) {
    CAPTURE(g.in_h);
    CAPTURE(g.in_w);
    CAPTURE(g.channels);
    Tensor in = rng.tensor(in_shape(g));
    Tensor d_out = rng.tensor(out_shape(g));
    for (PoolKind kind : {PoolKind::max, PoolKind::average}) {
      Tensor expected(out_shape(g)), actual(out_shape(g));
      if (kind == PoolKind::max) max_pool_forward_reference(expected.data(), in.data(), g);
      else avg_pool_forward_reference(expected.data(), in.data(), g);
      std::unique_ptr<PoolForward> cache;
      pool_forward(cache, kind, actual.data(), in.data(), g);
      CHECK(max_abs_diff(actual, expected) <= tolerance);
    }

    Tensor d_in_expected = rng.tensor(in.shape());
    Tensor d_in_actual = d_in_expected.clone();
    max_pool_backward_reference(d_in_expected.data(), d_out.data(), in.data(), g);
    max_pool_backward(d_in_actual.data(), d_out.data(), in.data(), g);
    CHECK(max_abs_diff(d_in_actual, d_in_expected) <= tolerance);

    avg_pool_backward_reference(d_in_expected.data(), d_out.data(), g);
    avg_pool_backward(d_in_actual.data(), d_out.data(), g);
    CHECK(max_abs_diff(d_in_actual, d_in_expected) <= tolerance);
  }
}

TEST_CASE("global average pool kernel matches the reference") {
  Rng rng(22);
  for (auto [batch, h, w, c] : std::vector<std::array<int, 4>>{{1, 1, 1, 1}, {2, 7, 5, 3}, {1, 8, 8, 17}}) {
    PoolGeometry g = geometry(batch, h, w, c, 1, 1, {});
    g.window_h = h;
    g.window_w = w;
    g.out_h = g.out_w = 1;
    Tensor in = rng.tensor(in_shape(g));
    Tensor expected(Shape{batch, c}), actual(Shape{batch, c});
    global_avg_pool_forward_reference(expected.data(), in.data(), batch, h * w, c);
    std::unique_ptr<PoolForward> cache;
    pool_forward(cache, PoolKind::global_average, actual.data(), in.data(), g);
    CHECK(max_abs_diff(actual, expected) <= 1e-5f);
  }
}

TEST_CASE("max pool backward sends a tied window's gradient to its first maximum") {
  // One 2x2 window over equal values: row-major first pixel gets it all.
  PoolGeometry g = geometry(1, 2, 2, 1, 2, 2, {});
  const float in[] = {3, 3, 3, 3}, d_out[] = {5};
  for (bool forced : {true, false}) {
    ReferenceScope scope(forced);
    float d_in[4] = {};
    max_pool_backward(d_in, d_out, in, g);
    CHECK(std::vector<float>(d_in, d_in + 4) == std::vector<float>{5, 0, 0, 0});
    // A NaN first: no value compares greater than it, so the first pixel keeps the gradient.
    const float nan_first[] = {std::numeric_limits<float>::quiet_NaN(), 7, 3, 1};
    float d_nan[4] = {};
    max_pool_backward(d_nan, d_out, nan_first, g);
    CHECK(std::vector<float>(d_nan, d_nan + 4) == std::vector<float>{5, 0, 0, 0});
  }
  // The same windows in 37 channels (WebAssembly: two blocks of 16 in registers and 5 more), a
  // different case in each: ties, a NaN first, a later NaN, a later maximum.
  const PoolGeometry wide = geometry(1, 2, 2, 37, 2, 2, {});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::array<float, 4>> cases{{3, 3, 3, 3}, {nan, 7, 3, 1}, {1, nan, 3, 2}, {1, 2, 9, 4}};
  std::vector<float> pixels(4 * 37), gradients(37);
  for (int c = 0; c < 37; ++c) {
    for (int p = 0; p < 4; ++p) pixels[p * 37 + c] = cases[c % 4][p];
    gradients[c] = static_cast<float>(c + 1);
  }
  for (bool forced : {true, false}) {
    CAPTURE(forced);
    ReferenceScope scope(forced);
    std::vector<float> d_pixels(4 * 37, 0.0f);
    max_pool_backward(d_pixels.data(), gradients.data(), pixels.data(), wide);
    for (int c = 0; c < 37; ++c) {
      CAPTURE(c);
      const int first_max[] = {0, 0, 2, 2};  // a tie goes first; a NaN that leads keeps it; a later NaN is passed over
      for (int p = 0; p < 4; ++p) CHECK(d_pixels[p * 37 + c] == (p == first_max[c % 4] ? c + 1.0f : 0.0f));
    }
  }
}

TEST_CASE("max pool backward equals the reference exactly on the emotion model's shapes, ties included, at 1-3 threads") {
  // ReLU outputs: a quarter of the values are 0 and the rest take 8 levels, so most windows hold
  // tied maxima in some channels; 128 and 256 channels run the vector loop, 131 its remainder too.
  // Threads split the rows, of windows and then of input pixels: an input pixel on the border of
  // two threads' rows still sums the windows it won in the reference's order.
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadCountScope scope(threads);
    Rng rng(23);
    // {batch, side, channels}: rows of two images split as one range.
    for (const std::array<int, 3>& shape : std::vector<std::array<int, 3>>{{1, 29, 128}, {1, 15, 256}, {1, 15, 131}, {2, 15, 131}}) {
      const int batch = shape[0], side = shape[1], channels = shape[2];
      CAPTURE(batch);
      CAPTURE(side);
      CAPTURE(channels);
      const PoolGeometry g = geometry(batch, side, side, channels, 3, 2, {1, 1, 1, 1});  // TensorFlow's SAME
      Tensor in = rng.tensor(in_shape(g));
      for (float& v : in.values()) v = std::max(0.0f, std::round(v * 8.0f) / 8.0f - 0.25f);
      Tensor d_out = rng.tensor(out_shape(g));
      Tensor d_in_expected = rng.tensor(in.shape());
      Tensor d_in_actual = d_in_expected.clone();
      max_pool_backward_reference(d_in_expected.data(), d_out.data(), in.data(), g);
      max_pool_backward(d_in_actual.data(), d_out.data(), in.data(), g);
      CHECK(max_abs_diff(d_in_actual, d_in_expected) == 0.0f);
    }
  }
}

TEST_CASE("average pool counts only in-bounds pixels") {
  // 2x2 input of 1..4, 3x3 window, stride 1, pads 1 all round: each output averages the whole
  // input over 4 in-bounds pixels (never over 9).
  PoolGeometry g = geometry(1, 2, 2, 1, 3, 1, {1, 1, 1, 1});
  const float in[] = {1, 2, 3, 4};
  float out[4];
  avg_pool_forward_reference(out, in, g);
  CHECK(std::vector<float>(out, out + 4) == std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f});
}
