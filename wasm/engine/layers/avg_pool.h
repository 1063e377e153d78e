#pragma once
// Average pooling over a window (TensorFlow's AvgPool): each output divides by the number of
// in-bounds pixels in its window, so padding never dilutes the mean.
#include <memory>

#include "kernels/pool.h"
#include "kernels/window.h"
#include "layers/pool_window.h"

namespace camlens {

void avg_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache);
void avg_pool_backward(Tensor& d_in, const Tensor& d_out, const kernels::PoolGeometry& g);

class AvgPool final : public WindowPoolLayer {
 public:
  using WindowPoolLayer::WindowPoolLayer;

  const char* kind() const override { return "AvgPool"; }
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
