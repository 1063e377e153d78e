#pragma once
// Conv2D and DepthwiseConv2D kernels on raw NHWC float32 buffers.
//   input  [N, in_h, in_w, in_c]
//   Conv2D weights    [kernel_h, kernel_w, in_c, out_c]          (HWIO, TensorFlow's layout)
//   Depthwise weights [kernel_h, kernel_w, in_c, multiplier]     out_c = in_c * multiplier,
//                    output channel c * multiplier + m reads input channel c (TensorFlow's rule)
//   bias   [out_c] or null
//   output [N, out_h, out_w, out_c]
// Forward applies the fused activation. Backward takes the gradient *before* the activation
// (the layer masks it) and accumulates (+=) into what it writes.
#include <memory>
#include <vector>

#include "kernels/window.h"

namespace camlens::kernels {

struct ConvGeometry {
  int batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Padding pad;
  Activation activation = Activation::none;
  bool depthwise = false;  // out_c = in_c * multiplier
  int multiplier() const { return out_c / in_c; }
  // A 1x1 stride-1 unpadded convolution: a plain matrix product over pixels, read with no im2col.
  bool pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad == Padding{};
  }
  bool operator==(const ConvGeometry&) const = default;
};

// ---- reference loops: the specification every optimised kernel is tested against ----
void conv2d_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                              const ConvGeometry& g);
void conv2d_backward_input_reference(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g);
// d_bias may be null.
void conv2d_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out, const float* in,
                                      const ConvGeometry& g);

void depthwise_conv2d_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                                        const ConvGeometry& g);
void depthwise_conv2d_backward_input_reference(float* d_in, const float* d_out, const float* weights,
                                               const ConvGeometry& g);
void depthwise_conv2d_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out,
                                                const float* in, const ConvGeometry& g);

// Exact sums (kernels::use_exact_sums): standard and depthwise, as the geometry says.
void conv2d_forward_exact(float* out, const float* in, const float* weights, const float* bias,
                          const ConvGeometry& g);

// ---- optimised forward: weights packed once per layer, reused across calls ----
// XNNPACK natively (kernels/xnnpack/), SIMD128 in WebAssembly (kernels/simd128/).
class ConvForward {
 public:
  virtual ~ConvForward() = default;
  virtual void run(float* out, const float* in, const ConvGeometry& g) = 0;
  // Whether run() accepts this geometry without re-packing (same channels, kernel, padding...).
  virtual bool accepts(const ConvGeometry& g) const = 0;
};
// The weights and bias are copied or packed; build a new one after they change.
std::unique_ptr<ConvForward> make_conv_forward(const ConvGeometry& g, const float* weights, const float* bias);

// Runs the forward pass: exact sums when asked (kernels::use_exact_sums), the reference loop when
// forced (kernels::force_reference), else the optimised kernel held in `cache`, (re)built when
// absent or unable to take this geometry.
void conv_forward(std::unique_ptr<ConvForward>& cache, float* out, const float* in, const float* weights,
                  const float* bias, const ConvGeometry& g);

// ---- optimised backward (GEMM-based; SIMD128 in WebAssembly), reference when forced ----
void conv_backward_input(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g);

// A stride-1 convolution's input gradient is itself a stride-1 convolution: d_out correlated with
// the weights turned 180 degrees, its in and out channels swapped. The geometry of that convolution:
// d_out is its input, d_in its output, and the padding moves to the other side of each window
// (its bottom and right padding are left 0: every tap is bounded by the input's size anyway).
ConvGeometry transposed_geometry(const ConvGeometry& g);
// The weights of transposed_geometry as a (kernel_h * kernel_w * out_c) x in_c matrix:
// turned[ky][kx][oc][ic] = weights[kernel_h - 1 - ky][kernel_w - 1 - kx][ic][oc].
std::vector<float> turned_weights(const float* weights, const ConvGeometry& g);

// A standard convolution's input gradient with its weights prepared once, where a backend gains by
// it. In WebAssembly a stride-1 convolution's input gradient is one GEMM (1x1) or indirect GEMM by
// the weights transposed or turned (transposed_geometry), packed once rather than on every call, with
// no column buffer to scatter back; an unpadded strided 1x1 convolution's is the same GEMM, added to every
// stride-th pixel. Natively it is XNNPACK's deconvolution by the same weights, for every convolution
// of stride 1 or whose windows overlap. make_conv_backward_input returns null where nothing is
// gained (in WebAssembly, other strided convolutions; natively, strided 1x1 ones): the plain GEMM
// path runs those.
class ConvBackwardInput {
 public:
  virtual ~ConvBackwardInput() = default;
  virtual void run(float* d_in, const float* d_out, const ConvGeometry& g) = 0;  // d_in += (as above)
  virtual bool accepts(const ConvGeometry& g) const = 0;
};
// The weights are copied or packed; build a new one after they change.
std::unique_ptr<ConvBackwardInput> make_conv_backward_input(const ConvGeometry& g, const float* weights);

// conv_backward_input through the prepared weights held in `cache`, (re)built when absent or unable
// to take this geometry; the plain path when the backend prepares none, or the reference is forced.
void conv_backward_input(std::unique_ptr<ConvBackwardInput>& cache, float* d_in, const float* d_out,
                         const float* weights, const ConvGeometry& g);
void conv_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                          const ConvGeometry& g);

}  // namespace camlens::kernels
