// The optimised GEMMs (native: kernels/native/, WebAssembly: kernels/simd128/) against the plain
// reference loops, on sizes around every tile and block edge and with padded leading dimensions.
#include "kernels/gemm.h"

#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "support/gradcheck.h"

using namespace camlens::kernels;
using camlens::test::Rng;

namespace {

enum class Variant { nn, nt, tn };

const char* name_of(Variant v) { return v == Variant::nn ? "gemm_nn" : v == Variant::nt ? "gemm_nt" : "gemm_tn"; }

using Gemm = void (*)(int, int, int, const float*, int, const float*, int, float*, int);

Gemm optimised(Variant v) { return v == Variant::nn ? gemm_nn : v == Variant::nt ? gemm_nt : gemm_tn; }
Gemm reference(Variant v) {
  return v == Variant::nn ? gemm_nn_reference : v == Variant::nt ? gemm_nt_reference : gemm_tn_reference;
}

// A stored rows x cols with leading dimension ld >= cols. The padding holds NaN: a kernel that
// reads it turns its result into NaN, and the comparison fails.
struct Matrix {
  int rows, cols, ld;
  std::vector<float> values;

  Matrix(Rng& rng, int rows_, int cols_, int padding) : rows(rows_), cols(cols_), ld(cols_ + padding) {
    values.assign(static_cast<size_t>(rows) * ld, std::numeric_limits<float>::quiet_NaN());
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) values[static_cast<size_t>(r) * ld + c] = rng.uniform(-1.0f, 1.0f);
  }
  Matrix absolute() const {
    Matrix m = *this;
    for (float& x : m.values) x = std::fabs(x);
    return m;
  }
};

struct Case {
  int m, n, k;
};

// C (with padded ldc) starts from random values, since the kernels accumulate.
void check_variant(Variant v, Case s, Rng& rng, int pad_a, int pad_b, int pad_c) {
  // nn: A m x k, B k x n;  nt: B stored n x k;  tn: A stored k x m.
  Matrix a = v == Variant::tn ? Matrix(rng, s.k, s.m, pad_a) : Matrix(rng, s.m, s.k, pad_a);
  Matrix b = v == Variant::nt ? Matrix(rng, s.n, s.k, pad_b) : Matrix(rng, s.k, s.n, pad_b);
  Matrix c_start(rng, s.m, s.n, pad_c);
  const float sentinel = 12345.0f;
  for (int r = 0; r < s.m; ++r)
    for (int col = s.n; col < c_start.ld; ++col) c_start.values[static_cast<size_t>(r) * c_start.ld + col] = sentinel;

  std::vector<float> got = c_start.values, want = c_start.values;
  optimised(v)(s.m, s.n, s.k, a.values.data(), a.ld, b.values.data(), b.ld, got.data(), c_start.ld);
  reference(v)(s.m, s.n, s.k, a.values.data(), a.ld, b.values.data(), b.ld, want.data(), c_start.ld);
  // Sum of |a| |b| per element bounds the rounding of either summation order.
  Matrix abs_a = a.absolute(), abs_b = b.absolute();
  std::vector<float> magnitude(c_start.values.size(), 0.0f);
  reference(v)(s.m, s.n, s.k, abs_a.values.data(), a.ld, abs_b.values.data(), b.ld, magnitude.data(), c_start.ld);

  // Tolerance: each side rounds k products and k + 1 additions, so both lie within
  // (k + 2) * FLT_EPSILON * (sum |a||b| + |c|) of the exact value. One missing or doubled
  // product moves an element by |a b|, far more than this for these sizes.
  int failures = 0;
  for (int r = 0; r < s.m; ++r)
    for (int col = 0; col < c_start.ld; ++col) {
      size_t i = static_cast<size_t>(r) * c_start.ld + col;
      if (col >= s.n) {
        if (got[i] != sentinel) ++failures;  // C's padding must stay untouched
        continue;
      }
      double tolerance = 2.0 * (s.k + 2) * FLT_EPSILON * (magnitude[i] + std::fabs(c_start.values[i]));
      if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= tolerance)) ++failures;
    }
  CHECK_MESSAGE(failures == 0, name_of(v) << " m=" << s.m << " n=" << s.n << " k=" << s.k << " lda+" << pad_a
                                          << " ldb+" << pad_b << " ldc+" << pad_c << ": " << failures
                                          << " wrong elements");
}

}  // namespace

TEST_CASE("optimised GEMMs equal the reference on edge, odd and block-crossing sizes") {
  Rng rng(41);
  // 1, primes, sizes either side of the 12 x 32 native tile and of the 8/16/32-wide vectors, the
  // 256-deep K block, the 192-row M block and the 512-column N block; conv-backward shapes.
  const Case cases[] = {{1, 1, 1},    {1, 17, 5},   {17, 1, 5},    {5, 7, 1},    {2, 3, 4},    {11, 31, 7},
                        {12, 32, 16}, {13, 33, 17}, {24, 64, 9},   {25, 65, 3},  {7, 97, 13},  {97, 7, 41},
                        {36, 16, 257}, {41, 8, 300}, {193, 40, 19}, {30, 515, 6}, {199, 523, 31}, {121, 64, 72},
                        {72, 17, 121}};
  for (Case s : cases)
    for (Variant v : {Variant::nn, Variant::nt, Variant::tn}) check_variant(v, s, rng, 0, 0, 0);
}

TEST_CASE("optimised GEMMs honour leading dimensions larger than the rows") {
  Rng rng(42);
  for (int trial = 0; trial < 40; ++trial) {
    Case s{rng.integer(1, 70), rng.integer(1, 70), rng.integer(1, 70)};
    for (Variant v : {Variant::nn, Variant::nt, Variant::tn})
      check_variant(v, s, rng, rng.integer(1, 5), rng.integer(1, 5), rng.integer(1, 5));
  }
}

TEST_CASE("optimised GEMMs leave C alone when a dimension is zero") {
  float a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 4}, c[4] = {7, 7, 7, 7};
  for (Variant v : {Variant::nn, Variant::nt, Variant::tn}) {
    optimised(v)(2, 2, 0, a, 2, b, 2, c, 2);
    optimised(v)(0, 2, 2, a, 2, b, 2, c, 2);
    optimised(v)(2, 0, 2, a, 2, b, 2, c, 2);
  }
  CHECK(std::vector<float>(c, c + 4) == std::vector<float>{7, 7, 7, 7});
}
