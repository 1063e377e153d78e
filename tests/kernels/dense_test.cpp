// The dispatching dense kernels (optimised unless forced) against the reference loops.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "kernels/dense.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::max_abs_diff;
using camlens::test::Rng;

namespace {

// Sums of k products of values in [-1, 1]: a different summation order moves them by a few ulps
// per term, so allow 1e-5 per accumulated term.
float sum_tolerance(int terms) { return 1e-5f * static_cast<float>(terms + 1); }

}  // namespace

TEST_CASE("dense kernels match the reference loops on edge and odd sizes") {
  Rng rng(11);
  const DenseGeometry shapes[] = {{1, 1, 1}, {1, 3, 5}, {2, 17, 7}, {3, 64, 10}, {2, 5, 33}, {5, 128, 1}};
  for (const DenseGeometry& g : shapes) {
    CAPTURE(g.batch);
    CAPTURE(g.in_c);
    CAPTURE(g.out_c);
    Tensor in = rng.tensor(Shape{g.batch, g.in_c});
    Tensor weights = rng.tensor(Shape{g.in_c, g.out_c});
    Tensor bias = rng.tensor(Shape{g.out_c});
    Tensor d_out = rng.tensor(Shape{g.batch, g.out_c});

    for (const float* b : {static_cast<const float*>(bias.data()), static_cast<const float*>(nullptr)}) {
      Tensor expected(d_out.shape()), actual(d_out.shape());
      dense_forward_reference(expected.data(), in.data(), weights.data(), b, g);
      std::unique_ptr<DenseForward> cache;
      dense_forward(cache, actual.data(), in.data(), weights.data(), b, g);
      CHECK(max_abs_diff(actual, expected) <= sum_tolerance(g.in_c));
    }

    // Both start from the same non-zero gradient: the kernels accumulate.
    Tensor d_in_expected = rng.tensor(in.shape());
    Tensor d_in_actual = d_in_expected.clone();
    dense_backward_input_reference(d_in_expected.data(), d_out.data(), weights.data(), g);
    dense_backward_input(d_in_actual.data(), d_out.data(), weights.data(), g);
    CHECK(max_abs_diff(d_in_actual, d_in_expected) <= sum_tolerance(g.out_c));

    Tensor d_weight_expected = rng.tensor(weights.shape());
    Tensor d_weight_actual = d_weight_expected.clone();
    Tensor d_bias_expected = rng.tensor(bias.shape());
    Tensor d_bias_actual = d_bias_expected.clone();
    dense_backward_weights_reference(d_weight_expected.data(), d_bias_expected.data(), d_out.data(), in.data(), g);
    dense_backward_weights(d_weight_actual.data(), d_bias_actual.data(), d_out.data(), in.data(), g);
    CHECK(max_abs_diff(d_weight_actual, d_weight_expected) <= sum_tolerance(g.batch));
    CHECK(max_abs_diff(d_bias_actual, d_bias_expected) <= sum_tolerance(g.batch));
  }
}

TEST_CASE("dense forward rebuilds its cached kernel when the geometry changes") {
  Rng rng(12);
  Tensor weights = rng.tensor(Shape{4, 3});
  std::unique_ptr<DenseForward> cache;
  for (int batch : {1, 3}) {
    DenseGeometry g{batch, 4, 3};
    Tensor in = rng.tensor(Shape{batch, 4});
    Tensor expected(Shape{batch, 3}), actual(Shape{batch, 3});
    dense_forward_reference(expected.data(), in.data(), weights.data(), nullptr, g);
    dense_forward(cache, actual.data(), in.data(), weights.data(), nullptr, g);
    CHECK(max_abs_diff(actual, expected) <= sum_tolerance(4));
  }
}

TEST_CASE("dense reference loops on a hand-worked case") {
  // in [1, 2] x weights [[1, 2, 3], [4, 5, 6]] + bias [0.5, 0, -1] = [9.5, 12, 14]
  DenseGeometry g{1, 2, 3};
  const float in[] = {1, 2}, weights[] = {1, 2, 3, 4, 5, 6}, bias[] = {0.5f, 0, -1};
  float out[3];
  dense_forward_reference(out, in, weights, bias, g);
  CHECK(std::vector<float>(out, out + 3) == std::vector<float>{9.5f, 12, 14});
  const float d_out[] = {1, 0, -1};
  float d_in[2] = {0, 0}, d_weights[6] = {}, d_bias[3] = {};
  dense_backward_input_reference(d_in, d_out, weights, g);
  CHECK(std::vector<float>(d_in, d_in + 2) == std::vector<float>{-2, -2});
  dense_backward_weights_reference(d_weights, d_bias, d_out, in, g);
  CHECK(std::vector<float>(d_weights, d_weights + 6) == std::vector<float>{1, 0, -1, 2, 0, -2});
  CHECK(std::vector<float>(d_bias, d_bias + 3) == std::vector<float>{1, 0, -1});
}

TEST_CASE("exact-sum dense layers are double-precision sums rounded once") {
  Rng rng(13);
  const DenseGeometry shapes[] = {{1, 1, 1}, {2, 17, 7}, {3, 300, 10}, {5, 128, 1}};
  for (const DenseGeometry& g : shapes) {
    CAPTURE(g.in_c);
    Tensor in = rng.tensor(Shape{g.batch, g.in_c});
    Tensor weights = rng.tensor(Shape{g.in_c, g.out_c});
    Tensor bias = rng.tensor(Shape{g.out_c});
    Tensor actual(Shape{g.batch, g.out_c});
    dense_forward_exact(actual.data(), in.data(), weights.data(), bias.data(), g);
    for (int n = 0; n < g.batch; ++n)
      for (int o = 0; o < g.out_c; ++o) {
        double sum = bias.data()[o];
        for (int i = 0; i < g.in_c; ++i) {
          sum += static_cast<double>(in.data()[n * g.in_c + i]) * weights.data()[i * g.out_c + o];
        }
        const float want = static_cast<float>(sum), got = actual.data()[n * g.out_c + o];
        CHECK((got == want || std::nextafter(got, want) == want));
      }
  }
  // 1e8 + 1 - 1e8: 0 in float32 sums, 1 exact, through the dispatching forward.
  DenseGeometry g{1, 3, 1};
  const float in[] = {1e8f, 1.0f, -1e8f}, weights[] = {1, 1, 1};
  float reference = -7, exact = -7;
  dense_forward_reference(&reference, in, weights, nullptr, g);
  CHECK(reference == 0.0f);
  std::unique_ptr<DenseForward> cache;
  ExactSumsScope scope;
  dense_forward(cache, &exact, in, weights, nullptr, g);
  CHECK(exact == 1.0f);
  CHECK(cache == nullptr);
}
