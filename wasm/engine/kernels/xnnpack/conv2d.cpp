// Conv2D and DepthwiseConv2D forward through XNNPACK's convolution2d_nhwc_f32: the operator packs
// the weights once at creation and is set up again with the input's size and pointers each run.
#include <cstddef>
#include <vector>

#include "core/error.h"
#include "kernels/conv2d.h"
#include "kernels/native/thread_pool.h"
#include "kernels/xnnpack/operator.h"

namespace camlens::kernels {

namespace {

// XNNPACK's standard convolution takes OHWI filters; ours are HWIO (TensorFlow's layout).
std::vector<float> hwio_to_ohwi(const float* filter, const ConvGeometry& g) {
  int taps = g.kernel_h * g.kernel_w;
  std::vector<float> ohwi(static_cast<size_t>(taps) * g.in_c * g.out_c);
  for (int tap = 0; tap < taps; ++tap)
    for (int ic = 0; ic < g.in_c; ++ic)
      for (int oc = 0; oc < g.out_c; ++oc)
        ohwi[(static_cast<size_t>(oc) * taps + tap) * g.in_c + ic] = filter[(static_cast<size_t>(tap) * g.in_c + ic) * g.out_c + oc];
  return ohwi;
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
  XnnpackConvForward(const ConvGeometry& g, const float* filter, const float* bias) : created_for_(g) {
    xnnpack::ensure_initialized();
    if (g.depthwise && g.out_c % g.in_c != 0) {
      fail(kind_of(g), ": out_c ", g.out_c, " must be a multiple of in_c ", g.in_c, " (out_c = in_c * multiplier)");
    }
    xnnpack::OutputRange range = xnnpack::output_range(g.activation);
    // Depthwise: one group per input channel, `multiplier` outputs each; TensorFlow's
    // [kh, kw, in_c, multiplier] filter is exactly XNNPACK's depthwise (HWGo) layout.
    std::vector<float> ohwi = g.depthwise ? std::vector<float>{} : hwio_to_ohwi(filter, g);
    const float* kernel = g.depthwise ? filter : ohwi.data();
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

}  // namespace

std::unique_ptr<ConvForward> make_conv_forward(const ConvGeometry& g, const float* filter, const float* bias) {
  return std::make_unique<XnnpackConvForward>(g, filter, bias);
}

// The native GEMM packs from the filter in place as fast as from a prepared copy.
std::unique_ptr<ConvBackwardInput> make_conv_backward_input(const ConvGeometry&, const float*) { return nullptr; }

}  // namespace camlens::kernels
