#pragma once
// The portable convolution backward kernels that kernels/conv2d.cpp dispatches to; both builds run
// them, each on its own GEMM (kernels/gemm.h). Arguments as in kernels/conv2d.h: every pass
// accumulates (+=) into what it writes, and d_bias may be null.
#include "kernels/conv2d.h"

namespace camlens::kernels::portable {

// A standard convolution's input gradient: d_out times the weights transposed, per band of output
// rows, scattered back by col2im.
void conv_backward_input_gemm(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g);
// A standard convolution's weights (and bias) gradient: im2col columns transposed times d_out.
void conv_backward_weights_gemm(float* d_weights, float* d_bias, const float* d_out, const float* in,
                               const ConvGeometry& g);

void depthwise_backward_input(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g);
void depthwise_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                               const ConvGeometry& g);

}  // namespace camlens::kernels::portable
