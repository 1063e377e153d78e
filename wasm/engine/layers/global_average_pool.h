#pragma once
// Global average pooling: [N, H, W, C] -> [N, C], the mean of each channel over all pixels
// (TensorFlow's Mean over axes 1 and 2, Keras' GlobalAveragePooling2D).
#include <memory>

#include "kernels/pool.h"
#include "layers/layer.h"

namespace camlens {

void global_average_pool_forward(Tensor& out, const Tensor& in, std::unique_ptr<kernels::PoolForward>& cache);
void global_average_pool_backward(Tensor& d_in, const Tensor& d_out);

class GlobalAveragePool : public Layer {
 public:
  explicit GlobalAveragePool(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "GlobalAveragePool"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

 private:
  std::unique_ptr<kernels::PoolForward> forward_cache_;
};

}  // namespace camlens
