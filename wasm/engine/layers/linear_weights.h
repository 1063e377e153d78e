#pragma once
// The weights of a linear layer (Conv2D, DepthwiseConv2D, Dense): the weights, an optional bias, and
// their gradients, allocated on first use so that inference and explanations never pay for them.
#include <vector>

#include "core/tensor.h"
#include "layers/layer.h"

namespace camlens {

class LinearWeights {
 public:
  // An empty `bias` means none.
  LinearWeights(Tensor weights, Tensor bias) : weights_(std::move(weights)), bias_(std::move(bias)) {}

  const Tensor& weights() const { return weights_; }
  bool has_bias() const { return !bias_.empty(); }
  const Tensor& bias() const { return bias_; }
  const Tensor* bias_or_null() const { return has_bias() ? &bias_ : nullptr; }
  const Shape* bias_shape_or_null() const { return has_bias() ? &bias_.shape() : nullptr; }

  // Where a backward pass accumulates the weight gradients: both null unless `request` wants them.
  struct Grads {
    Tensor* weights = nullptr;
    Tensor* bias = nullptr;
  };
  Grads grads_for(const BackwardRequest& request) {
    if (!request.weight_grads) return {};
    allocate_grads();
    return {&weights_grad_, has_bias() ? &bias_grad_ : nullptr};
  }

  // "kernel" (the model files' name for the weights: Keras and TensorFlow.js) and, when there is one, "bias".
  std::vector<Parameter> parameters() {
    allocate_grads();
    std::vector<Parameter> params{{"kernel", &weights_, &weights_grad_}};
    if (has_bias()) params.push_back({"bias", &bias_, &bias_grad_});
    return params;
  }

 private:
  void allocate_grads() {
    if (weights_grad_.empty()) weights_grad_ = Tensor(weights_.shape());
    if (has_bias() && bias_grad_.empty()) bias_grad_ = Tensor(bias_.shape());
  }

  Tensor weights_, bias_;
  Tensor weights_grad_, bias_grad_;
};

}  // namespace camlens
