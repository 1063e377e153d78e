// The WebAssembly SIMD128 kernels against the reference loops, on random shapes with edge sizes.
//
// Tolerance: a float sum of K products may differ from another summation order by at most about
// 2 * K * 2^-24 times the sum of the terms' magnitudes. Each check computes that magnitude by
// running the reference on |inputs| and allows 2e-7 * (K + 1) times it: the rounding bound, while
// one missing or doubled term (about magnitude / K) still fails by orders of magnitude.
#ifdef __EMSCRIPTEN__

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/simd128/gemm_packed.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::kernels;
using camlens::test::Rng;

namespace {

std::vector<float> random_values(Rng& rng, size_t count) {
  std::vector<float> values(count);
  for (float& v : values) v = rng.uniform(-1.0f, 1.0f);
  return values;
}

std::vector<float> magnitudes(const std::vector<float>& values) {
  std::vector<float> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = std::fabs(values[i]);
  return out;
}

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
  const std::vector<float> a = random_values(rng, static_cast<size_t>(a_rows) * lda);
  const std::vector<float> b = random_values(rng, static_cast<size_t>(b_rows) * ldb);
  const std::vector<float> c0 = random_values(rng, static_cast<size_t>(m) * ldc);
  std::vector<float> actual = c0, expected = c0, scale = magnitudes(c0);
  gemm.optimized(m, n, k, a.data(), lda, b.data(), ldb, actual.data(), ldc);
  gemm.reference(m, n, k, a.data(), lda, b.data(), ldb, expected.data(), ldc);
  gemm.reference(m, n, k, magnitudes(a).data(), lda, magnitudes(b).data(), ldb, scale.data(), ldc);
  check_close(actual, expected, scale, k,
              std::string(gemm.name) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                  " k=" + std::to_string(k) + " padding=" + std::to_string(padding));
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
    for (auto [m, n, k] : {std::array{1, 1, 1}, std::array{5, 7, 3}, std::array{13, 17, 33}, std::array{64, 24, 9}}) {
      // Values up to 8 so ReLU6 clips some outputs at 6.
      std::vector<float> a = random_values(rng, static_cast<size_t>(m) * k), b = random_values(rng, k * n);
      std::vector<float> bias = random_values(rng, n);
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

#endif  // __EMSCRIPTEN__
