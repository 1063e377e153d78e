#pragma once
// Average pooling over a window (TensorFlow's AvgPool): each output divides by the number of
// in-bounds pixels in its window, so padding never dilutes the mean.
#include <memory>

#include "kernels/pool.h"
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

void avg_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache);
void avg_pool_backward(Tensor& d_in, const Tensor& d_out, const kernels::PoolGeometry& g);

class AvgPool : public Layer {
 public:
  // window.kernel_h/kernel_w is the pooling window; dilation must stay 1.
  AvgPool(std::string name, const Window2D& window) : Layer(std::move(name)), window_(window) {}

  const char* kind() const override { return "AvgPool"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const Window2D& window() const { return window_; }

 private:
  Window2D window_;
  std::unique_ptr<kernels::PoolForward> forward_cache_;
};

}  // namespace camlens
