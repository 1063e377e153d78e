#pragma once
// Max pooling over a window (TensorFlow's MaxPool): padded pixels never win; the gradient goes to
// the first (row-major) maximum of each window.
#include <memory>

#include "kernels/pool.h"
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

void max_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache);
void max_pool_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const kernels::PoolGeometry& g);

class MaxPool : public Layer {
 public:
  // window.kernel_h/kernel_w is the pooling window; dilation must stay 1.
  MaxPool(std::string name, const Window2D& window) : Layer(std::move(name)), window_(window) {}

  const char* kind() const override { return "MaxPool"; }
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
