#pragma once
// Single-precision matrix products for the GEMM-based paths (1x1 convolutions, im2col, backward
// passes). Row-major; C (M x N) += op(A) (M x K) * op(B) (K x N), with leading dimensions.
// Optimised per build: kernels/native/ (auto-vectorised for the host) and kernels/simd128/.

namespace camlens::kernels {

// C += A * B        A: M x K (lda), B: K x N (ldb)
void gemm_nn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
// C += A * B^T      A: M x K (lda), B: N x K (ldb)
void gemm_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
// C += A^T * B      A: K x M (lda), B: K x N (ldb)
void gemm_tn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);

// Plain triple loops with the same contracts: the specification the optimised ones are tested against.
void gemm_nn_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
void gemm_nt_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
void gemm_tn_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);

}  // namespace camlens::kernels
