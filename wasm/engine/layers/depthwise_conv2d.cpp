#include "layers/depthwise_conv2d.h"

namespace camlens {

void depthwise_conv2d_forward(Tensor& out, const Tensor& in, const Tensor& kernel, const Tensor* bias,
                              const ConvParams& p, std::unique_ptr<kernels::ConvForward>& packed,
                              const std::string& who) {
  convolution_forward(out, in, kernel, bias, p, /*depthwise=*/true, packed, who);
}

void depthwise_conv2d_backward(Tensor* d_in, Tensor* d_kernel, Tensor* d_bias, const Tensor& d_out, const Tensor& in,
                               const Tensor& out, const Tensor& kernel, const ConvParams& p, ReluBackward relu,
                               const std::string& who) {
  convolution_backward(d_in, d_kernel, d_bias, d_out, in, out, kernel, p, /*depthwise=*/true, relu, who);
}

}  // namespace camlens
