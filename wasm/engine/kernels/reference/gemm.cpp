#include "kernels/gemm.h"

namespace camlens::kernels {

void gemm_nn_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int p = 0; p < k; ++p) sum += a[i * lda + p] * b[p * ldb + j];
      c[i * ldc + j] += sum;
    }
}

void gemm_nt_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int p = 0; p < k; ++p) sum += a[i * lda + p] * b[j * ldb + p];
      c[i * ldc + j] += sum;
    }
}

void gemm_tn_reference(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int p = 0; p < k; ++p) sum += a[p * lda + i] * b[p * ldb + j];
      c[i * ldc + j] += sum;
    }
}

}  // namespace camlens::kernels
