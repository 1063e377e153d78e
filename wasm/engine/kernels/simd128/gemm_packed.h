#pragma once
// WebAssembly SIMD128 GEMM on a pre-packed right-hand matrix: what the forward convolutions and
// dense layers run, so they pay for packing their weights once, not on every call.
//
// B (K x N) is stored as ceil(N / 8) column panels; a panel holds K rows of 8 floats (zero past
// N), the layout the 4x8 microkernel reads with two vector loads per step of K. The bias is
// padded to whole panels the same way.
#include <cstdint>
#include <vector>

#include "kernels/window.h"

namespace camlens::kernels::simd128 {

inline constexpr int kPanelWidth = 8;

class PackedWeights {
 public:
  PackedWeights() = default;
  // b: K x N row-major with leading dimension ldb; bias: N floats, or null for none.
  PackedWeights(int k, int n, const float* b, int ldb, const float* bias);

  int k() const { return k_; }
  int n() const { return n_; }
  int panels() const { return (n_ + kPanelWidth - 1) / kPanelWidth; }
  const float* panel(int p) const { return panels_.data() + static_cast<size_t>(p) * k_ * kPanelWidth; }
  const float* panel_bias(int p) const { return bias_.data() + static_cast<size_t>(p) * kPanelWidth; }

 private:
  int k_ = 0, n_ = 0;
  std::vector<float> panels_;
  std::vector<float> bias_;
};

// C (M x N, ldc) = activation(A (M x K, lda) * B + bias): C is overwritten.
void gemm_packed(int m, const float* a, int lda, const PackedWeights& b, float* c, int ldc, Activation activation);

// C (M x N, ldc) += A (M x K, lda) * B; b's bias is not read.
void gemm_packed_accumulate(int m, const float* a, int lda, const PackedWeights& b, float* c, int ldc);

// The left matrix of a convolution without im2col: row i is the concatenation over `taps` of
// `kc`-float segments, segment t read at base + offsets[i * taps + t], or from `zero` when that
// offset is negative (a tap in the padding). b.k() must equal taps * kc.
struct IndirectRows {
  const float* base = nullptr;
  const int32_t* offsets = nullptr;
  const float* zero = nullptr;  // kc zeros
  int taps = 1;
  int kc = 0;
};

// C (M x N, ldc) = activation(A * B + bias) with A given by IndirectRows.
void igemm_packed(int m, const IndirectRows& a, const PackedWeights& b, float* c, int ldc, Activation activation);

// C (M x N, ldc) += A * B with A given by IndirectRows; b's bias is not read.
void igemm_packed_accumulate(int m, const IndirectRows& a, const PackedWeights& b, float* c, int ldc);

}  // namespace camlens::kernels::simd128
