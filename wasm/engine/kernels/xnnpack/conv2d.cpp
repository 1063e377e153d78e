// Conv2D and DepthwiseConv2D forward through XNNPACK's convolution2d_nhwc_f32: the operator packs
// the weights once at creation and is set up again with the input's size and pointers each run.
#include <cstddef>
#include <vector>

#include "core/error.h"
#include "kernels/conv2d.h"
#include "kernels/native/thread_pool.h"
#include "kernels/parallel.h"
#include "kernels/xnnpack/operator.h"

namespace camlens::kernels {

namespace {

// Our HWIO weights (TensorFlow's layout) in XNNPACK's [outer][kh][kw][inner]: OHWI, our output
// channels outermost, for its convolution; IHWO, our input channels outermost, for its deconvolution.
enum class Outer { out_channels, in_channels };
std::vector<float> xnnpack_weights(const float* weights, const ConvGeometry& g, Outer outer) {
  const size_t taps = static_cast<size_t>(g.kernel_h) * g.kernel_w;
  std::vector<float> laid_out(taps * g.in_c * g.out_c);
  for (size_t tap = 0; tap < taps; ++tap)
    for (size_t ic = 0; ic < static_cast<size_t>(g.in_c); ++ic)
      for (size_t oc = 0; oc < static_cast<size_t>(g.out_c); ++oc) {
        const size_t at = outer == Outer::out_channels ? (oc * taps + tap) * g.in_c + ic : (ic * taps + tap) * g.out_c + oc;
        laid_out[at] = weights[(tap * g.in_c + ic) * g.out_c + oc];
      }
  return laid_out;
}

// The output size XNNPACK derives from the input size and the operator's window.
int xnnpack_output_size(int in, int pad_before, int pad_after, int kernel, int stride, int dilation) {
  int effective_kernel = (kernel - 1) * dilation + 1;
  int padded = in + pad_before + pad_after;
  return padded < effective_kernel ? 0 : (padded - effective_kernel) / stride + 1;
}

const char* kind_of(const ConvGeometry& g) { return g.depthwise ? "DepthwiseConv2D" : "Conv2D"; }

class XnnpackConvForward final : public ConvForward {
 public:
  XnnpackConvForward(const ConvGeometry& g, const float* weights, const float* bias) : created_for_(g) {
    xnnpack::ensure_initialized();
    if (g.depthwise && g.out_c % g.in_c != 0) {
      fail(kind_of(g), ": out_c ", g.out_c, " must be a multiple of in_c ", g.in_c, " (out_c = in_c * multiplier)");
    }
    xnnpack::OutputRange range = xnnpack::output_range(g.activation);
    // Depthwise: one group per input channel, `multiplier` outputs each; TensorFlow's
    // [kh, kw, in_c, multiplier] weights are exactly XNNPACK's depthwise (HWGo) layout.
    std::vector<float> ohwi = g.depthwise ? std::vector<float>{} : xnnpack_weights(weights, g, Outer::out_channels);
    const float* kernel = g.depthwise ? weights : ohwi.data();
    uint32_t groups = g.depthwise ? g.in_c : 1;
    size_t group_in = g.depthwise ? 1 : g.in_c;
    size_t group_out = g.depthwise ? g.multiplier() : g.out_c;
    uint32_t flags = g.depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0;
    xnnpack::check(xnn_create_convolution2d_nhwc_f32(g.pad.top, g.pad.right, g.pad.bottom, g.pad.left, g.kernel_h,
                                                     g.kernel_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w,
                                                     groups, group_in, group_out, g.in_c, g.out_c, kernel, bias,
                                                     range.min, range.max, flags, op_.receive()),
                   "xnn_create_convolution2d_nhwc_f32", kind_of(g));
  }

  bool accepts(const ConvGeometry& g) const override { return xnnpack::same_but_batch_and_size(created_for_, g); }

  void run(float* out, const float* in, const ConvGeometry& g) override {
    if (!accepts(g)) {
      fail(kind_of(g), ": this operator was built for other channels, window, padding or activation; "
                       "build a new one with make_conv_forward");
    }
    int out_h = xnnpack_output_size(g.in_h, g.pad.top, g.pad.bottom, g.kernel_h, g.stride_h, g.dilation_h);
    int out_w = xnnpack_output_size(g.in_w, g.pad.left, g.pad.right, g.kernel_w, g.stride_w, g.dilation_w);
    if (out_h != g.out_h || out_w != g.out_w) {
      fail(kind_of(g), ": a ", g.in_h, "x", g.in_w, " input gives a ", out_h, "x", out_w, " output with this window, ",
           "but the geometry says ", g.out_h, "x", g.out_w, "; derive out_h/out_w from Window2D");
    }
    xnnpack::check(xnn_setup_convolution2d_nhwc_f32(op_.get(), g.batch, g.in_h, g.in_w, in, out, thread_pool()),
                   "xnn_setup_convolution2d_nhwc_f32", kind_of(g));
    xnnpack::check(xnn_run_operator(op_.get(), thread_pool()), "xnn_run_operator", kind_of(g));
  }

 private:
  ConvGeometry created_for_;
  xnnpack::Operator op_;
};

// A convolution's input gradient is XNNPACK's deconvolution (transposed convolution) of d_out by
// the same weights: d_in[y * stride + k * dilation - pad] += d_out[y] * weights[k], with the weights'
// in and out channels swapped. XNNPACK writes its output, so it goes to a scratch buffer added to
// d_in; XNNPACK's deconvolution outruns the im2col GEMM path on these convolutions.
class XnnpackConvBackwardInput final : public ConvBackwardInput {
 public:
  XnnpackConvBackwardInput(const ConvGeometry& g, const float* weights) : created_for_(g) {
    xnnpack::ensure_initialized();
    xnnpack::OutputRange range = xnnpack::output_range(Activation::none);
    const std::vector<float> ihwo = xnnpack_weights(weights, g, Outer::in_channels);
    xnnpack::check(xnn_create_deconvolution2d_nhwc_f32(g.pad.top, g.pad.right, g.pad.bottom, g.pad.left, g.kernel_h,
                                                       g.kernel_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w,
                                                       1, g.out_c, g.in_c, g.out_c, g.in_c, ihwo.data(), nullptr,
                                                       range.min, range.max, 0, op_.receive()),
                   "xnn_create_deconvolution2d_nhwc_f32", "Conv2D backward to input");
  }

  bool accepts(const ConvGeometry& g) const override {
    ConvGeometry forward_only = g;  // the fused activation does not enter the input gradient
    forward_only.activation = created_for_.activation;
    return xnnpack::same_but_batch_and_size(created_for_, forward_only);
  }

  void run(float* d_in, const float* d_out, const ConvGeometry& g) override {
    const char* who = "Conv2D backward to input";
    if (!accepts(g)) fail(who, ": this operator was built for other channels, window or padding; build a new one");
    // The input rows and columns past the last window's reach: the deconvolution's adjustment.
    const int spare_h = (g.in_h + g.pad.top + g.pad.bottom - (g.kernel_h - 1) * g.dilation_h - 1) % g.stride_h;
    const int spare_w = (g.in_w + g.pad.left + g.pad.right - (g.kernel_w - 1) * g.dilation_w - 1) % g.stride_w;
    const size_t size = static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c;
    scratch_.resize(size);
    xnnpack::check(xnn_setup_deconvolution2d_nhwc_f32(op_.get(), g.batch, g.out_h, g.out_w, spare_h, spare_w, d_out,
                                                      scratch_.data(), thread_pool()),
                   "xnn_setup_deconvolution2d_nhwc_f32", who);
    xnnpack::check(xnn_run_operator(op_.get(), thread_pool()), "xnn_run_operator", who);
    parallel_chunks(size, kChannelGranule, size, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) d_in[i] += scratch_[i];
    });
  }

 private:
  ConvGeometry created_for_;
  xnnpack::Operator op_;
  std::vector<float> scratch_;
};

}  // namespace

std::unique_ptr<ConvForward> make_conv_forward(const ConvGeometry& g, const float* weights, const float* bias) {
  return std::make_unique<XnnpackConvForward>(g, weights, bias);
}

std::unique_ptr<ConvBackwardInput> make_conv_backward_input(const ConvGeometry& g, const float* weights) {
  // Strided windows that do not overlap (a strided 1x1 shortcut) leave most of d_in untouched, but
  // XNNPACK writes all of it and the scratch must be added back: the GEMM path does less work.
  const bool stride_one = g.stride_h == 1 && g.stride_w == 1;
  const bool windows_overlap = g.kernel_h > g.stride_h || g.kernel_w > g.stride_w;
  if (g.depthwise || !(stride_one || windows_overlap)) return nullptr;
  return std::make_unique<XnnpackConvBackwardInput>(g, weights);
}

}  // namespace camlens::kernels
