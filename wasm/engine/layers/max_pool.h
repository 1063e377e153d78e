#pragma once
// Max pooling over a window (TensorFlow's MaxPool): padded pixels never win; the gradient goes to
// the first (row-major) maximum of each window.
#include <limits>
#include <memory>

#include "kernels/pool.h"
#include "kernels/window.h"
#include "layers/pool_window.h"

namespace camlens {

void max_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache);
void max_pool_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const kernels::PoolGeometry& g);

class MaxPool final : public WindowPoolLayer {
 public:
  using WindowPoolLayer::WindowPoolLayer;

  const char* kind() const override { return "MaxPool"; }
  // Padding never wins a window: it stands for minus infinity.
  std::optional<SlidingWindow> sliding_window() const override {
    return SlidingWindow{window(), -std::numeric_limits<float>::infinity()};
  }
  std::unique_ptr<Layer> unpadded_copy() const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
