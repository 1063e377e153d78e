#include "layers/conv2d.h"

#include <cmath>

#include "core/error.h"
#include "layers/depthwise_conv2d.h"

namespace camlens {

namespace {

const char* kernel_layout(bool depthwise) {
  return depthwise ? "[kernel_h, kernel_w, in_c, multiplier]" : "[kernel_h, kernel_w, in_c, out_c]";
}

int out_channels_of(const Shape& kernel, bool depthwise) { return depthwise ? kernel[2] * kernel[3] : kernel[3]; }

// The checks that need no input: kernel rank and window size, bias length.
void check_weights(const Shape& kernel, const Shape* bias, const ConvParams& p, bool depthwise, const std::string& who) {
  const Window2D& w = p.window;
  if (kernel.rank() != 4) {
    fail(who, ": kernel must be ", kernel_layout(depthwise), ", got ", kernel.str());
  }
  if (kernel[0] != w.kernel_h || kernel[1] != w.kernel_w) {
    fail(who, ": kernel ", kernel.str(), " is ", kernel[0], "x", kernel[1], " but the window is ", w.kernel_h, "x",
         w.kernel_w, "; make the window's kernel size match the kernel tensor");
  }
  int out_c = out_channels_of(kernel, depthwise);
  if (bias != nullptr && *bias != Shape{out_c}) {
    fail(who, ": bias must be [", out_c, "] to match kernel ", kernel.str(), ", got ", bias->str());
  }
}

Shape output_shape_of(const kernels::ConvGeometry& g) { return Shape::nhwc(g.batch, g.out_h, g.out_w, g.out_c); }

}  // namespace

kernels::ConvGeometry conv_geometry(const Shape& in, const Shape& kernel, const Shape* bias, const ConvParams& p,
                                    bool depthwise, const std::string& who) {
  check_weights(kernel, bias, p, depthwise, who);
  if (in.rank() != 4) fail(who, ": input must be NHWC [batch, height, width, channels], got ", in.str());
  if (in.c() != kernel[2]) {
    fail(who, ": input ", in.str(), " has ", in.c(), " channels but kernel ", kernel.str(), " expects ", kernel[2],
         "; feed an input with ", kernel[2], " channels or load a matching kernel");
  }
  const Window2D& w = p.window;
  w.validate(in.h(), in.w(), who.c_str());
  kernels::ConvGeometry g;
  g.batch = in.n();
  g.in_h = in.h();
  g.in_w = in.w();
  g.in_c = in.c();
  g.out_h = w.out_h(in.h());
  g.out_w = w.out_w(in.w());
  g.out_c = out_channels_of(kernel, depthwise);
  g.kernel_h = w.kernel_h;
  g.kernel_w = w.kernel_w;
  g.stride_h = w.stride_h;
  g.stride_w = w.stride_w;
  g.dilation_h = w.dilation_h;
  g.dilation_w = w.dilation_w;
  g.pad = w.pads(in.h(), in.w());
  g.activation = p.activation;
  g.depthwise = depthwise;
  return g;
}

void convolution_forward(Tensor& out, const Tensor& in, const Tensor& weights, const Tensor* bias, const ConvParams& p,
                         bool depthwise, std::unique_ptr<kernels::ConvForward>& packed, const std::string& who) {
  kernels::ConvGeometry g = conv_geometry(in.shape(), weights.shape(), bias ? &bias->shape() : nullptr, p, depthwise, who);
  expect_shape(out.shape(), output_shape_of(g), who + " output");
  kernels::conv_forward(packed, out.data(), in.data(), weights.data(), bias ? bias->data() : nullptr, g);
}

void convolution_backward(Tensor* d_in, Tensor* d_weights, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                          const Tensor& out, const Tensor& weights, const ConvParams& p, bool depthwise,
                          ReluBackward relu, std::unique_ptr<kernels::ConvBackwardInput>& packed_backward,
                          const std::string& who) {
  kernels::ConvGeometry g =
      conv_geometry(in.shape(), weights.shape(), d_bias ? &d_bias->shape() : nullptr, p, depthwise, who);
  expect_shape(out.shape(), output_shape_of(g), who + " output");
  expect_shape(d_out.shape(), output_shape_of(g), who + " output gradient");
  if (d_in != nullptr) expect_shape(d_in->shape(), in.shape(), who + " input gradient");
  if (d_weights != nullptr) expect_shape(d_weights->shape(), weights.shape(), who + " weight gradient");
  if (d_bias != nullptr && d_weights == nullptr) {
    fail(who, ": a bias gradient is computed together with the weight gradient; pass both");
  }
  if (d_in == nullptr && d_weights == nullptr) return;

  // The kernels take the gradient before the fused activation: d_out masked by it, in one pass.
  Tensor masked;
  const float* grad = d_out.data();
  if (p.activation != Activation::none) {
    masked.reshape_storage(d_out.shape());
    activation_backward(masked.data(), d_out.data(), out.data(), masked.size(), activation_cap(p.activation), relu);
    grad = masked.data();
  }
  if (d_in != nullptr) kernels::conv_backward_input(packed_backward, d_in->data(), grad, weights.data(), g);
  if (d_weights != nullptr) {
    kernels::conv_backward_weights(d_weights->data(), d_bias ? d_bias->data() : nullptr, grad, in.data(), g);
  }
}

ConvolutionLayer::ConvolutionLayer(std::string name, Tensor weights, Tensor bias, ConvParams params, bool depthwise)
    : Layer(std::move(name)), depthwise_(depthwise), params_(params), linear_weights_(std::move(weights), std::move(bias)) {
  check_weights(linear_weights_.weights().shape(), linear_weights_.bias_shape_or_null(), params_, depthwise_, who());
}

std::unique_ptr<Layer> ConvolutionLayer::unpadded_copy() const {
  ConvParams unpadded = params_;
  unpadded.window.padding_mode = PaddingMode::valid;
  Tensor bias = has_bias() ? this->bias().clone() : Tensor{};
  if (depthwise_) return std::make_unique<DepthwiseConv2D>(name(), weights().clone(), std::move(bias), unpadded);
  return std::make_unique<Conv2D>(name(), weights().clone(), std::move(bias), unpadded);
}

std::string ConvolutionLayer::who() const { return std::string(kind()) + " '" + name() + "'"; }

Shape ConvolutionLayer::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  return output_shape_of(
      conv_geometry(inputs[0], linear_weights_.weights().shape(), linear_weights_.bias_shape_or_null(), params_, depthwise_, who()));
}

void ConvolutionLayer::forward(Tensor& out, Inputs in, Phase) {
  expect_input_count(in.size());
  convolution_forward(out, *in[0], linear_weights_.weights(), linear_weights_.bias_or_null(), params_, depthwise_, packed_, who());
}

bool ConvolutionLayer::fuses_relu(float cap) const {
  return params_.activation == Activation::none && (cap == 6.0f || std::isinf(cap));
}

void ConvolutionLayer::forward_relu(Tensor& out, Inputs in, Phase phase, float cap) {
  if (!fuses_relu(cap)) Layer::forward_relu(out, in, phase, cap);
  expect_input_count(in.size());
  ConvParams activated = params_;
  activated.activation = cap == 6.0f ? Activation::relu6 : Activation::relu;
  convolution_forward(out, *in[0], linear_weights_.weights(), linear_weights_.bias_or_null(), activated, depthwise_,
                      packed_relu_, who());
}

void ConvolutionLayer::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                                const BackwardRequest& request) {
  expect_input_count(in.size());
  const LinearWeights::Grads grads = linear_weights_.grads_for(request);
  convolution_backward(d_in[0], grads.weights, grads.bias, d_out, *in[0], out, linear_weights_.weights(), params_, depthwise_,
                       request.relu, packed_backward_, who());
}

std::vector<Parameter> ConvolutionLayer::parameters() { return linear_weights_.parameters(); }

}  // namespace camlens
