#include "kernels/dense.h"

namespace camlens::kernels {

void dense_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                             const DenseGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int o = 0; o < g.out_c; ++o) {
      float sum = bias != nullptr ? bias[o] : 0.0f;
      for (int i = 0; i < g.in_c; ++i) sum += in[n * g.in_c + i] * weights[i * g.out_c + o];
      out[n * g.out_c + o] = sum;
    }
}

void dense_backward_input_reference(float* d_in, const float* d_out, const float* weights, const DenseGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int i = 0; i < g.in_c; ++i) {
      float sum = 0.0f;
      for (int o = 0; o < g.out_c; ++o) sum += d_out[n * g.out_c + o] * weights[i * g.out_c + o];
      d_in[n * g.in_c + i] += sum;
    }
}

void dense_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out, const float* in,
                                     const DenseGeometry& g) {
  for (int i = 0; i < g.in_c; ++i)
    for (int o = 0; o < g.out_c; ++o) {
      float sum = 0.0f;
      for (int n = 0; n < g.batch; ++n) sum += in[n * g.in_c + i] * d_out[n * g.out_c + o];
      d_weights[i * g.out_c + o] += sum;
    }
  if (d_bias == nullptr) return;
  for (int o = 0; o < g.out_c; ++o) {
    float sum = 0.0f;
    for (int n = 0; n < g.batch; ++n) sum += d_out[n * g.out_c + o];
    d_bias[o] += sum;
  }
}

}  // namespace camlens::kernels
