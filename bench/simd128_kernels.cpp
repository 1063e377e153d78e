// The WebAssembly SIMD128 GEMMs against the reference loops on the emotion model's matrix shapes:
// the forward 1x1/3x3 convolutions as packed GEMMs (gemm_packed) and the backward passes' products
// (gemm_nt for input gradients, gemm_tn for weight gradients, gemm_nn). Layer-level timings next
// to TensorFlow.js are in bench/kernels_wasm.mjs; this one isolates the matrix kernels.
// Run: node --no-experimental-fetch build/wasm/camlens_bench_gemm.js   (after scripts/build.sh)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/simd128/gemm_packed.h"

using namespace camlens;
using namespace camlens::kernels;

namespace {

struct Timing {
  double median_ms, min_ms;
};

// Median and minimum of repeated runs after a warm-up (which also lets V8 tier the code up).
Timing measure(const std::function<void()>& run, int warmups, int runs) {
  for (int i = 0; i < warmups; ++i) run();
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    samples.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples.front()};
}

std::vector<float> random_values(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

enum class Kind { packed, nn, nt, tn };

struct MatrixCase {
  const char* name;
  Kind kind;
  int m, n, k;
};

void report(const MatrixCase& c, Timing reference, Timing simd) {
  const double mflop = 2e-6 * c.m * c.n * c.k;
  std::printf("| %s | %d x %d x %d | %.1f | %.3f | %.3f (min %.3f) | %.1fx | %.1f |\n", c.name, c.m, c.n, c.k, mflop,
              reference.median_ms, simd.median_ms, simd.min_ms, reference.median_ms / simd.median_ms,
              mflop / simd.median_ms);
}

void run_case(const MatrixCase& c) {
  // op(A) is m x k and op(B) is k x n; stored transposed where the kind says so.
  const std::vector<float> a = random_values(static_cast<size_t>(c.m) * c.k, 1);
  const std::vector<float> b = random_values(static_cast<size_t>(c.k) * c.n, 2);
  std::vector<float> out(static_cast<size_t>(c.m) * c.n);
  const float* pa = a.data();
  const float* pb = b.data();
  float* pc = out.data();
  const int m = c.m, n = c.n, k = c.k;
  const int lda = c.kind == Kind::tn ? m : k;
  const int ldb = c.kind == Kind::nt ? k : n;
  auto reference_of = [&]() -> std::function<void()> {
    switch (c.kind) {
      case Kind::packed:
      case Kind::nn: return [=] { gemm_nn_reference(m, n, k, pa, lda, pb, ldb, pc, n); };
      case Kind::nt: return [=] { gemm_nt_reference(m, n, k, pa, lda, pb, ldb, pc, n); };
      case Kind::tn: return [=] { gemm_tn_reference(m, n, k, pa, lda, pb, ldb, pc, n); };
    }
    return {};
  };
  const Timing reference = measure(reference_of(), 1, 5);
  Timing simd{};
  if (c.kind == Kind::packed) {
    const std::vector<float> bias = random_values(n, 3);
    const simd128::PackedWeights weights(k, n, pb, n, bias.data());
    simd = measure([&] { simd128::gemm_packed(m, pa, k, weights, pc, n, Activation::relu); }, 30, 100);
  } else {
    const auto gemm = c.kind == Kind::nn ? gemm_nn : c.kind == Kind::nt ? gemm_nt : gemm_tn;
    simd = measure([&] { gemm(m, n, k, pa, lda, pb, ldb, pc, n); }, 30, 100);
  }
  report(c, reference, simd);
}

}  // namespace

int main() {
  const MatrixCase cases[] = {
      {"forward conv 3x3 32->64 on 29x29 (packed)", Kind::packed, 841, 64, 288},
      {"forward conv 1x1 64->128 on 29x29 (packed)", Kind::packed, 841, 128, 64},
      {"forward conv 1x1 128->128 on 29x29 (packed)", Kind::packed, 841, 128, 128},
      {"forward conv 1x1 128->256 on 15x15 (packed)", Kind::packed, 225, 256, 128},
      {"forward conv 1x1 256->256 on 15x15 (packed)", Kind::packed, 225, 256, 256},
      {"forward conv 3x3 256->7 on 8x8 (packed)", Kind::packed, 64, 7, 2304},
      {"gemm_nn 1x1 128->128 on 29x29", Kind::nn, 841, 128, 128},
      {"gemm_nt input grad, 1x1 128->128 on 29x29", Kind::nt, 841, 128, 128},
      {"gemm_nt input grad, 3x3 32->64 on 29x29", Kind::nt, 841, 288, 64},
      {"gemm_tn weights grad, 1x1 128->128 on 29x29", Kind::tn, 128, 128, 841},
      {"gemm_tn weights grad, 3x3 32->64 on 29x29", Kind::tn, 288, 64, 841},
      {"gemm_tn weights grad, 1x1 256->256 on 15x15", Kind::tn, 256, 256, 225},
  };
  std::printf("| product | m x n x k | MFLOP | reference ms | simd128 ms | speed-up | simd128 GFLOP/s |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|\n");
  for (const MatrixCase& c : cases) run_case(c);
}
