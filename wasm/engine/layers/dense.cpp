#include "layers/dense.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

namespace {

// The checks that need no input: kernel rank, bias length.
void check_weights(const Shape& kernel, const Shape* bias, const std::string& who) {
  if (kernel.rank() != 2) fail(who, ": kernel must be [in_c, out_c], got ", kernel.str());
  if (bias != nullptr && *bias != Shape{kernel[1]}) {
    fail(who, ": bias must be [", kernel[1], "] to match kernel ", kernel.str(), ", got ", bias->str());
  }
}

}  // namespace

kernels::DenseGeometry dense_geometry(const Shape& in, const Shape& kernel, const Shape* bias, const std::string& who) {
  check_weights(kernel, bias, who);
  const int in_c = kernel[0];
  if (in.rank() != 2) {
    fail(who, " takes a rank-2 input [N, ", in_c, "], got ", in.str(),
         ": add a Flatten (or GlobalAveragePool) layer before it");
  }
  if (in[1] != in_c) {
    fail(who, ": input ", in.str(), " has ", in[1], " features but kernel ", kernel.str(), " expects ", in_c,
         "; feed an input [N, ", in_c, "] or load a matching kernel");
  }
  return {in[0], in_c, kernel[1]};
}

void dense_forward(Tensor& out, const Tensor& in, const Tensor& weights, const Tensor* bias, Activation activation,
                   std::unique_ptr<kernels::DenseForward>& packed, const std::string& who) {
  const kernels::DenseGeometry g = dense_geometry(in.shape(), weights.shape(), bias ? &bias->shape() : nullptr, who);
  expect_shape(out.shape(), Shape{g.batch, g.out_c}, who + " output");
  kernels::dense_forward(packed, out.data(), in.data(), weights.data(), bias ? bias->data() : nullptr, g);
  if (activation == Activation::none) return;
  const float cap = activation_cap(activation);
  for (float& y : out.values()) y = std::min(std::max(y, 0.0f), cap);
}

void dense_backward(Tensor* d_in, Tensor* d_weights, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                    const Tensor& out, const Tensor& weights, Activation activation, ReluBackward relu,
                    const std::string& who) {
  const kernels::DenseGeometry g =
      dense_geometry(in.shape(), weights.shape(), d_bias ? &d_bias->shape() : nullptr, who);
  expect_shape(out.shape(), Shape{g.batch, g.out_c}, who + " output");
  expect_shape(d_out.shape(), out.shape(), who + " output gradient");
  if (d_in != nullptr) expect_shape(d_in->shape(), in.shape(), who + " input gradient");
  if (d_weights != nullptr) expect_shape(d_weights->shape(), weights.shape(), who + " weight gradient");
  if (d_bias != nullptr && d_weights == nullptr) {
    fail(who, ": a bias gradient is computed together with the weight gradient; pass both");
  }
  if (d_in == nullptr && d_weights == nullptr) return;

  // The kernels take the gradient before the fused activation: d_out masked by it, in one pass.
  Tensor masked;
  const float* grad = d_out.data();
  if (activation != Activation::none) {
    masked.reshape_storage(d_out.shape());
    activation_backward(masked.data(), d_out.data(), out.data(), masked.size(), activation_cap(activation), relu);
    grad = masked.data();
  }
  if (d_in != nullptr) kernels::dense_backward_input(d_in->data(), grad, weights.data(), g);
  if (d_weights != nullptr) {
    kernels::dense_backward_weights(d_weights->data(), d_bias ? d_bias->data() : nullptr, grad, in.data(), g);
  }
}

Dense::Dense(std::string name, Tensor weights, Tensor bias, Activation activation)
    : Layer(std::move(name)), activation_(activation), linear_weights_(std::move(weights), std::move(bias)) {
  check_weights(linear_weights_.weights().shape(), linear_weights_.bias_shape_or_null(), who());
}

Shape Dense::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const kernels::DenseGeometry g = dense_geometry(inputs[0], linear_weights_.weights().shape(), linear_weights_.bias_shape_or_null(), who());
  return Shape{g.batch, g.out_c};
}

void Dense::forward(Tensor& out, Inputs in, Phase) {
  expect_input_count(in.size());
  dense_forward(out, *in[0], linear_weights_.weights(), linear_weights_.bias_or_null(), activation_, packed_, who());
}

void Dense::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                     const BackwardRequest& request) {
  expect_input_count(in.size());
  const LinearWeights::Grads grads = linear_weights_.grads_for(request);
  dense_backward(d_in[0], grads.weights, grads.bias, d_out, *in[0], out, linear_weights_.weights(), activation_, request.relu,
                 who());
}

std::vector<Parameter> Dense::parameters() { return linear_weights_.parameters(); }

}  // namespace camlens
