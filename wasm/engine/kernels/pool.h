#pragma once
// Pooling kernels on NHWC buffers: in [N, in_h, in_w, c], out [N, out_h, out_w, c].
// Average pooling divides by the number of in-bounds pixels (TensorFlow excludes padding).
// Max pooling's gradient goes to the first maximum in the window (row-major scan).
#include <memory>

#include "kernels/window.h"

namespace camlens::kernels {

struct PoolGeometry {
  int batch = 1, in_h = 1, in_w = 1, channels = 1, out_h = 1, out_w = 1;
  int window_h = 1, window_w = 1, stride_h = 1, stride_w = 1;
  Padding pad;
  bool operator==(const PoolGeometry&) const = default;
};

void max_pool_forward_reference(float* out, const float* in, const PoolGeometry& g);
void max_pool_backward_reference(float* d_in, const float* d_out, const float* in, const PoolGeometry& g);
void avg_pool_forward_reference(float* out, const float* in, const PoolGeometry& g);
void avg_pool_backward_reference(float* d_in, const float* d_out, const PoolGeometry& g);
// Global average pool: in [N, h, w, c] -> out [N, c].
void global_avg_pool_forward_reference(float* out, const float* in, int batch, int pixels, int channels);
void global_avg_pool_backward_reference(float* d_in, const float* d_out, int batch, int pixels, int channels);

enum class PoolKind { max, average, global_average };

class PoolForward {
 public:
  virtual ~PoolForward() = default;
  virtual void run(float* out, const float* in, const PoolGeometry& g) = 0;
  virtual bool accepts(const PoolGeometry& g) const = 0;
};
// For global_average, g.window_* equal in_h/in_w and out is [N, c].
std::unique_ptr<PoolForward> make_pool_forward(PoolKind kind, const PoolGeometry& g);

void pool_forward(std::unique_ptr<PoolForward>& cache, PoolKind kind, float* out, const float* in,
                  const PoolGeometry& g);
void max_pool_backward(float* d_in, const float* d_out, const float* in, const PoolGeometry& g);
void avg_pool_backward(float* d_in, const float* d_out, const PoolGeometry& g);

}  // namespace camlens::kernels
