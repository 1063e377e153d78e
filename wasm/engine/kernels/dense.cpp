#include "kernels/dense.h"

#include "kernels/backend.h"
#include "kernels/gemm.h"

namespace camlens::kernels {

void dense_forward(std::unique_ptr<DenseForward>& cache, float* out, const float* in, const float* weights,
                   const float* bias, const DenseGeometry& g) {
  if (exact_sums()) {
    dense_forward_exact(out, in, weights, bias, g);
    return;
  }
  if (reference_forced()) {
    dense_forward_reference(out, in, weights, bias, g);
    return;
  }
  if (!cache || !cache->accepts(g)) cache = make_dense_forward(g, weights, bias);
  cache->run(out, in, g);
}

// d_in [N, in_c] += d_out [N, out_c] * weights^T, weights being [in_c, out_c].
void dense_backward_input(float* d_in, const float* d_out, const float* weights, const DenseGeometry& g) {
  if (reference_forced()) {
    dense_backward_input_reference(d_in, d_out, weights, g);
    return;
  }
  gemm_nt(g.batch, g.in_c, g.out_c, d_out, g.out_c, weights, g.out_c, d_in, g.in_c);
}

// d_weights [in_c, out_c] += in^T * d_out; d_bias [out_c] += column sums of d_out.
void dense_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                           const DenseGeometry& g) {
  if (reference_forced()) {
    dense_backward_weights_reference(d_weights, d_bias, d_out, in, g);
    return;
  }
  gemm_tn(g.in_c, g.out_c, g.batch, in, g.in_c, d_out, g.out_c, d_weights, g.out_c);
  if (d_bias == nullptr) return;
  for (int n = 0; n < g.batch; ++n) {
    const float* row = d_out + static_cast<size_t>(n) * g.out_c;
    for (int o = 0; o < g.out_c; ++o) d_bias[o] += row[o];
  }
}

}  // namespace camlens::kernels
