#include "layers/dense.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace camlens {

namespace {

float activation_cap(Activation activation) {
  return activation == Activation::relu6 ? 6.0f : std::numeric_limits<float>::infinity();
}

kernels::DenseGeometry geometry(const Tensor& in, const Tensor& kernel) {
  return {in.shape()[0], kernel.shape()[0], kernel.shape()[1]};
}

}  // namespace

void dense_forward(Tensor& out, const Tensor& in, const Tensor& kernel, const Tensor* bias, Activation activation,
                   std::unique_ptr<kernels::DenseForward>& cache) {
  kernels::dense_forward(cache, out.data(), in.data(), kernel.data(), bias != nullptr ? bias->data() : nullptr,
                         geometry(in, kernel));
  if (activation == Activation::none) return;
  const float cap = activation_cap(activation);
  for (float& y : out.values()) y = std::min(std::max(y, 0.0f), cap);
}

void dense_backward(Tensor* d_in, Tensor* d_kernel, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                    const Tensor& out, const Tensor& kernel, Activation activation, ReluBackward mode,
                    Tensor& scratch) {
  const Tensor* grad = &d_out;
  if (activation != Activation::none) {
    scratch.reshape_storage(d_out.shape());
    std::copy_n(d_out.data(), d_out.size(), scratch.data());
    activation_backward_inplace(scratch.data(), out.data(), scratch.size(), activation_cap(activation), mode);
    grad = &scratch;
  }
  const kernels::DenseGeometry g = geometry(in, kernel);
  if (d_in != nullptr) kernels::dense_backward_input(d_in->data(), grad->data(), kernel.data(), g);
  if (d_kernel != nullptr) {
    kernels::dense_backward_weight(d_kernel->data(), d_bias != nullptr ? d_bias->data() : nullptr, grad->data(),
                                   in.data(), g);
  }
}

Dense::Dense(std::string name, int in_c, int out_c, bool use_bias, Activation activation)
    : Layer(std::move(name)), use_bias_(use_bias), activation_(activation) {
  if (in_c <= 0 || out_c <= 0) {
    fail("Dense '", this->name(), "': input and output widths must be positive, got in_c=", in_c, ", out_c=", out_c);
  }
  kernel_ = Tensor(Shape{in_c, out_c});
  if (use_bias_) bias_ = Tensor(Shape{out_c});
}

Shape Dense::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  const int in_c = kernel_.shape()[0];
  if (in.rank() != 2) {
    fail("Dense '", name(), "' takes a rank-2 input [N, ", in_c, "], got ", in.str(),
         ": add a Flatten (or GlobalAveragePool) layer before it");
  }
  if (in[1] != in_c) {
    fail("Dense '", name(), "': expected input [N, ", in_c, "], got ", in.str(),
         ": the previous layer must produce ", in_c, " features, or build the layer with in_c=", in[1]);
  }
  return Shape{in[0], kernel_.shape()[1]};
}

void Dense::forward(Tensor& out, Inputs in, Phase) {
  dense_forward(out, *in[0], kernel_, bias(), activation_, forward_cache_);
}

void Dense::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                     const BackwardRequest& request) {
  if (d_in[0] == nullptr && !request.weight_grads) return;
  Tensor* d_kernel = nullptr;
  Tensor* d_bias = nullptr;
  if (request.weight_grads) {
    allocate_gradients();
    d_kernel = &kernel_grad_;
    if (use_bias_) d_bias = &bias_grad_;
  }
  dense_backward(d_in[0], d_kernel, d_bias, d_out, *in[0], out, kernel_, activation_, request.relu, masked_grad_);
}

void Dense::allocate_gradients() {
  if (kernel_grad_.empty()) kernel_grad_ = Tensor(kernel_.shape());
  if (use_bias_ && bias_grad_.empty()) bias_grad_ = Tensor(bias_.shape());
}

std::vector<Parameter> Dense::parameters() {
  allocate_gradients();
  std::vector<Parameter> params{{"kernel", &kernel_, &kernel_grad_}};
  if (use_bias_) params.push_back({"bias", &bias_, &bias_grad_});
  return params;
}

}  // namespace camlens
