#pragma once
// Dense (fully connected): out [N, out_c] = activation(in [N, in_c] x weights [in_c, out_c] + bias).
// The weights have TensorFlow's layout; the bias [out_c] is optional; the fused activation is
// none, ReLU or ReLU6, as for Conv2D. Rank-4 inputs are refused: Flatten (or pool) them first.
#include <memory>
#include <string>
#include <vector>

#include "kernels/dense.h"
#include "kernels/window.h"
#include "layers/layer.h"
#include "layers/linear_weights.h"

namespace camlens {

// Geometry of `in` times `kernel` (plus a bias of `bias` shape when not null), after checking
// every shape against the others. `who` names the layer in errors, e.g. "Dense 'fc'".
kernels::DenseGeometry dense_geometry(const Shape& in, const Shape& kernel, const Shape* bias, const std::string& who);

// `packed` caches the optimised forward kernel between calls; reset it when the weights change.
void dense_forward(Tensor& out, const Tensor& in, const Tensor& weights, const Tensor* bias, Activation activation,
                   std::unique_ptr<kernels::DenseForward>& packed, const std::string& who = "Dense");
// d_out is the gradient of the activated output; any of d_in, d_weights, d_bias may be null (not
// wanted); each one given receives +=.
void dense_backward(Tensor* d_in, Tensor* d_weights, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                    const Tensor& out, const Tensor& weights, Activation activation, ReluBackward relu,
                    const std::string& who = "Dense");

class Dense final : public Layer {
 public:
  // weights [in_c, out_c]; bias [out_c] or an empty Tensor for none.
  Dense(std::string name, Tensor weights, Tensor bias, Activation activation = Activation::none);

  const char* kind() const override { return "Dense"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  // "kernel" (the model files' name for the weights) and, when the layer has one, "bias".
  std::vector<Parameter> parameters() override;
  void parameters_changed() override { packed_.reset(); }

  const Tensor& weights() const { return linear_weights_.weights(); }
  bool has_bias() const { return linear_weights_.has_bias(); }
  const Tensor& bias() const { return linear_weights_.bias(); }  // empty when the layer has no bias
  Activation activation() const { return activation_; }

 private:
  std::string who() const { return "Dense '" + name() + "'"; }

  Activation activation_;
  LinearWeights linear_weights_;
  std::unique_ptr<kernels::DenseForward> packed_;
};

}  // namespace camlens
