#pragma once
// Dense (fully connected) kernels: in [N, in_c], weights [in_c, out_c] (TensorFlow's layout),
// bias [out_c] or null, out [N, out_c]. Backward accumulates (+=).
#include <memory>

namespace camlens::kernels {

struct DenseGeometry {
  int batch = 1, in_c = 1, out_c = 1;
  bool operator==(const DenseGeometry&) const = default;
};

void dense_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                             const DenseGeometry& g);
void dense_backward_input_reference(float* d_in, const float* d_out, const float* weights, const DenseGeometry& g);
void dense_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out, const float* in,
                                     const DenseGeometry& g);

// Exact sums (kernels::use_exact_sums).
void dense_forward_exact(float* out, const float* in, const float* weights, const float* bias, const DenseGeometry& g);

class DenseForward {
 public:
  virtual ~DenseForward() = default;
  virtual void run(float* out, const float* in, const DenseGeometry& g) = 0;
  virtual bool accepts(const DenseGeometry& g) const = 0;  // same in_c/out_c
};
std::unique_ptr<DenseForward> make_dense_forward(const DenseGeometry& g, const float* weights, const float* bias);

void dense_forward(std::unique_ptr<DenseForward>& cache, float* out, const float* in, const float* weights,
                   const float* bias, const DenseGeometry& g);
void dense_backward_input(float* d_in, const float* d_out, const float* weights, const DenseGeometry& g);
void dense_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                           const DenseGeometry& g);

}  // namespace camlens::kernels
