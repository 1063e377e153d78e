#pragma once
// Dense (fully connected): out [N, out_c] = act(in [N, in_c] x kernel [in_c, out_c] + bias [out_c]).
// The kernel has TensorFlow's layout; the bias is optional; the fused activation is none, ReLU
// or ReLU6, as for Conv2D. Rank-4 inputs are refused: Flatten (or globally pool) them first.
#include <memory>

#include "kernels/dense.h"
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

// `cache` holds the optimised kernel with its packed weights; reset it when the weights change.
void dense_forward(Tensor& out, const Tensor& in, const Tensor& kernel, const Tensor* bias, Activation activation,
                   std::unique_ptr<kernels::DenseForward>& cache);
// Accumulates into d_in, d_kernel and d_bias; each may be null (not wanted). `scratch` holds the
// gradient masked by the fused activation.
void dense_backward(Tensor* d_in, Tensor* d_kernel, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                    const Tensor& out, const Tensor& kernel, Activation activation, ReluBackward mode,
                    Tensor& scratch);

class Dense : public Layer {
 public:
  Dense(std::string name, int in_c, int out_c, bool use_bias = true, Activation activation = Activation::none);

  const char* kind() const override { return "Dense"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  std::vector<Parameter> parameters() override;
  void parameters_changed() override { forward_cache_.reset(); }

  // Zero-initialised; call parameters_changed() after writing them.
  Tensor& kernel() { return kernel_; }
  Tensor* bias() { return use_bias_ ? &bias_ : nullptr; }
  Activation activation() const { return activation_; }

 private:
  void allocate_gradients();

  Tensor kernel_, bias_;
  Tensor kernel_grad_, bias_grad_;  // empty until first needed
  Tensor masked_grad_;
  bool use_bias_;
  Activation activation_;
  std::unique_ptr<kernels::DenseForward> forward_cache_;
};

}  // namespace camlens
