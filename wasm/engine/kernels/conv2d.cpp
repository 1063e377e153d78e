// Convolution dispatch: exact sums when asked, the reference loops when forced, else the optimised
// forward held in the layer's cache (XNNPACK natively, SIMD128 in WebAssembly), a prepared input
// gradient where the backend has one, and the portable backward kernels (kernels/portable/conv2d.cpp)
// for the rest.
#include "kernels/conv2d.h"

#include "kernels/backend.h"
#include "kernels/portable/conv2d.h"

namespace camlens::kernels {

void conv_forward(std::unique_ptr<ConvForward>& cache, float* out, const float* in, const float* weights,
                  const float* bias, const ConvGeometry& g) {
  if (exact_sums()) {
    conv2d_forward_exact(out, in, weights, bias, g);
    return;
  }
  if (reference_forced()) {
    if (g.depthwise) {
      depthwise_conv2d_forward_reference(out, in, weights, bias, g);
    } else {
      conv2d_forward_reference(out, in, weights, bias, g);
    }
    return;
  }
  if (cache == nullptr || !cache->accepts(g)) cache = make_conv_forward(g, weights, bias);
  cache->run(out, in, g);
}

void conv_backward_input(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g) {
  if (g.depthwise) {
    if (reference_forced()) {
      depthwise_conv2d_backward_input_reference(d_in, d_out, weights, g);
    } else {
      portable::depthwise_backward_input(d_in, d_out, weights, g);
    }
  } else {
    if (reference_forced()) {
      conv2d_backward_input_reference(d_in, d_out, weights, g);
    } else {
      portable::conv_backward_input_gemm(d_in, d_out, weights, g);
    }
  }
}

void conv_backward_input(std::unique_ptr<ConvBackwardInput>& cache, float* d_in, const float* d_out,
                         const float* weights, const ConvGeometry& g) {
  if (!g.depthwise && !reference_forced()) {
    if (cache == nullptr || !cache->accepts(g)) cache = make_conv_backward_input(g, weights);
    if (cache != nullptr) {
      cache->run(d_in, d_out, g);
      return;
    }
  }
  conv_backward_input(d_in, d_out, weights, g);
}

void conv_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                          const ConvGeometry& g) {
  if (g.depthwise) {
    if (reference_forced()) {
      depthwise_conv2d_backward_weights_reference(d_weights, d_bias, d_out, in, g);
    } else {
      portable::depthwise_backward_weights(d_weights, d_bias, d_out, in, g);
    }
  } else {
    if (reference_forced()) {
      conv2d_backward_weights_reference(d_weights, d_bias, d_out, in, g);
    } else {
      portable::conv_backward_weights_gemm(d_weights, d_bias, d_out, in, g);
    }
  }
}

}  // namespace camlens::kernels
