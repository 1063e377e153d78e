#pragma once
// Conv2D: out = activation(conv(in, weights) + bias) on NHWC tensors.
//   weights [kernel_h, kernel_w, in_c, out_c] (HWIO, TensorFlow's layout), bias [out_c] or absent,
//   fused activation none / relu / relu6, any stride, dilation and padding (valid, same, explicit).
// The convolution helpers here are shared with DepthwiseConv2D (layers/depthwise_conv2d.h), which
// differs only in how the kernel's last two axes are read (kernels/conv2d.h).
#include <memory>
#include <string>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/window.h"
#include "layers/layer.h"
#include "layers/linear_weights.h"

namespace camlens {

struct ConvParams {
  Window2D window;  // its kernel_h/kernel_w must equal the kernel tensor's first two axes
  Activation activation = Activation::none;
};

// Geometry of convolving `in` with `kernel` (and a bias of `bias` shape when not null), after
// checking every shape against the others. `who` names the layer in errors, e.g. "Conv2D 'conv1'".
kernels::ConvGeometry conv_geometry(const Shape& in, const Shape& kernel, const Shape* bias, const ConvParams& p,
                                    bool depthwise, const std::string& who);

// The two passes for either kind (depthwise picks the weights' layout). `packed` caches the
// optimised forward kernel between calls, `packed_backward` the weights prepared for the input
// gradient; reset them when the weights change.
// Backward: d_out is the gradient of the activated output; any of d_in, d_weights, d_bias may be
// null (not wanted); each one given receives +=.
void convolution_forward(Tensor& out, const Tensor& in, const Tensor& weights, const Tensor* bias, const ConvParams& p,
                         bool depthwise, std::unique_ptr<kernels::ConvForward>& packed, const std::string& who);
void convolution_backward(Tensor* d_in, Tensor* d_weights, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                          const Tensor& out, const Tensor& weights, const ConvParams& p, bool depthwise,
                          ReluBackward relu, std::unique_ptr<kernels::ConvBackwardInput>& packed_backward,
                          const std::string& who);

// What Conv2D and DepthwiseConv2D share: weights, their gradients, the packed kernels.
class ConvolutionLayer : public Layer {
 public:
  const char* kind() const override { return depthwise_ ? "DepthwiseConv2D" : "Conv2D"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  // A layer without an activation of its own runs a following ReLU or ReLU6 in its kernels' output stage.
  bool fuses_relu(float cap) const override;
  void forward_relu(Tensor& out, Inputs in, Phase phase, float cap) override;
  std::optional<SlidingWindow> sliding_window() const override { return SlidingWindow{params_.window, 0.0f}; }
  std::unique_ptr<Layer> unpadded_copy() const override;
  // "kernel" (the model files' name for the weights) and, when the layer has one, "bias".
  std::vector<Parameter> parameters() override;
  void parameters_changed() override {
    packed_.reset();
    packed_relu_.reset();
    packed_backward_.reset();
  }

  const Tensor& weights() const { return linear_weights_.weights(); }
  bool has_bias() const { return linear_weights_.has_bias(); }
  const Tensor& bias() const { return linear_weights_.bias(); }  // empty when the layer has no bias
  const ConvParams& params() const { return params_; }
  int out_channels() const { return depthwise_ ? weights().shape()[2] * weights().shape()[3] : weights().shape()[3]; }

 protected:
  // Checks the weights and bias against the window; an empty `bias` means no bias.
  ConvolutionLayer(std::string name, Tensor weights, Tensor bias, ConvParams params, bool depthwise);

 private:
  std::string who() const;  // "Conv2D 'name'"

  bool depthwise_;
  ConvParams params_;
  LinearWeights linear_weights_;
  std::unique_ptr<kernels::ConvForward> packed_;
  std::unique_ptr<kernels::ConvForward> packed_relu_;  // forward_relu's: a backend may build the clamp in
  std::unique_ptr<kernels::ConvBackwardInput> packed_backward_;
};

class Conv2D final : public ConvolutionLayer {
 public:
  // kernel [kernel_h, kernel_w, in_c, out_c]; bias [out_c] or an empty Tensor for none.
  Conv2D(std::string name, Tensor weights, Tensor bias, ConvParams params)
      : ConvolutionLayer(std::move(name), std::move(weights), std::move(bias), params, /*depthwise=*/false) {}
};

}  // namespace camlens
