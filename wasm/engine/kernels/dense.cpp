#include "kernels/dense.h"

#include "kernels/backend.h"
#include "kernels/gemm.h"

namespace camlens::kernels {

void dense_forward(std::unique_ptr<DenseForward>& cache, float* out, const float* in, const float* weight,
                   const float* bias, const DenseGeometry& g) {
  if (reference_forced()) {
    dense_forward_reference(out, in, weight, bias, g);
    return;
  }
  if (!cache || !cache->accepts(g)) cache = make_dense_forward(g, weight, bias);
  cache->run(out, in, g);
}

// d_in [N, in_c] += d_out [N, out_c] * weight^T, weight being [in_c, out_c].
void dense_backward_input(float* d_in, const float* d_out, const float* weight, const DenseGeometry& g) {
  if (reference_forced()) {
    dense_backward_input_reference(d_in, d_out, weight, g);
    return;
  }
  gemm_nt(g.batch, g.in_c, g.out_c, d_out, g.out_c, weight, g.out_c, d_in, g.in_c);
}

// d_weight [in_c, out_c] += in^T * d_out; d_bias [out_c] += column sums of d_out.
void dense_backward_weight(float* d_weight, float* d_bias, const float* d_out, const float* in,
                           const DenseGeometry& g) {
  if (reference_forced()) {
    dense_backward_weight_reference(d_weight, d_bias, d_out, in, g);
    return;
  }
  gemm_tn(g.in_c, g.out_c, g.batch, in, g.in_c, d_out, g.out_c, d_weight, g.out_c);
  if (d_bias == nullptr) return;
  for (int n = 0; n < g.batch; ++n) {
    const float* row = d_out + static_cast<size_t>(n) * g.out_c;
    for (int o = 0; o < g.out_c; ++o) d_bias[o] += row[o];
  }
}

}  // namespace camlens::kernels
