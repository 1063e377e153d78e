// Pooling forward through XNNPACK: max_pooling2d_nhwc_f32, average_pooling2d_nhwc_f32 and
// global_average_pooling_nwc_f32, created once per layer and set up again for each input.
// Checked against the reference on every window/stride/padding combination up to 4x3 windows:
// this XNNPACK averages over in-bounds pixels only (TensorFlow's rule) and ignores padding in
// max pooling, but refuses 1x1 windows (xnn_status_invalid_parameter); a 1x1 window only copies
// (strided) pixels, so those geometries run the reference loop.
#include "core/error.h"
#include "kernels/pool.h"
#include "kernels/native/thread_pool.h"
#include "kernels/xnnpack/operator.h"

namespace camlens::kernels {

namespace {

const char* kind_name(PoolKind kind) {
  switch (kind) {
    case PoolKind::max: return "MaxPool";
    case PoolKind::average: return "AvgPool";
    case PoolKind::global_average: return "GlobalAveragePool";
  }
  return "Pool";
}

class XnnpackPoolForward final : public PoolForward {
 public:
  XnnpackPoolForward(PoolKind kind, const PoolGeometry& g) : kind_(kind), created_for_(g) {
    xnnpack::ensure_initialized();
    xnnpack::OutputRange range = xnnpack::output_range(Activation::none);
    const Padding& p = g.pad;
    switch (kind) {
      case PoolKind::max:
        xnnpack::check(xnn_create_max_pooling2d_nhwc_f32(p.top, p.right, p.bottom, p.left, g.window_h, g.window_w,
                                                         g.stride_h, g.stride_w, 1, 1, g.channels, g.channels,
                                                         g.channels, range.min, range.max, 0, op_.receive()),
                       "xnn_create_max_pooling2d_nhwc_f32", kind_name(kind));
        break;
      case PoolKind::average:
        xnnpack::check(xnn_create_average_pooling2d_nhwc_f32(p.top, p.right, p.bottom, p.left, g.window_h,
                                                             g.window_w, g.stride_h, g.stride_w, g.channels,
                                                             g.channels, g.channels, range.min, range.max, 0,
                                                             op_.receive()),
                       "xnn_create_average_pooling2d_nhwc_f32", kind_name(kind));
        break;
      case PoolKind::global_average:
        xnnpack::check(xnn_create_global_average_pooling_nwc_f32(g.channels, g.channels, g.channels, range.min,
                                                                 range.max, 0, op_.receive()),
                       "xnn_create_global_average_pooling_nwc_f32", kind_name(kind));
        break;
    }
  }

  bool accepts(const PoolGeometry& g) const override {
    if (kind_ == PoolKind::global_average) return g.channels == created_for_.channels;
    return xnnpack::same_but_batch_and_size(created_for_, g);
  }

  void run(float* out, const float* in, const PoolGeometry& g) override {
    const char* who = kind_name(kind_);
    if (!accepts(g)) {
      fail(who, ": this operator was built for other channels, window, stride or padding; "
                "build a new one with make_pool_forward");
    }
    switch (kind_) {
      case PoolKind::max:
        xnnpack::check(xnn_setup_max_pooling2d_nhwc_f32(op_.get(), g.batch, g.in_h, g.in_w, in, out, thread_pool()),
                       "xnn_setup_max_pooling2d_nhwc_f32", who);
        break;
      case PoolKind::average:
        xnnpack::check(xnn_setup_average_pooling2d_nhwc_f32(op_.get(), g.batch, g.in_h, g.in_w, in, out, thread_pool()),
                       "xnn_setup_average_pooling2d_nhwc_f32", who);
        break;
      case PoolKind::global_average:
        xnnpack::check(xnn_setup_global_average_pooling_nwc_f32(op_.get(), g.batch, static_cast<size_t>(g.in_h) * g.in_w,
                                                                in, out, thread_pool()),
                       "xnn_setup_global_average_pooling_nwc_f32", who);
        break;
    }
    xnnpack::check(xnn_run_operator(op_.get(), thread_pool()), "xnn_run_operator", who);
  }

 private:
  PoolKind kind_;
  PoolGeometry created_for_;
  xnnpack::Operator op_;
};

// A 1x1 window, which XNNPACK refuses: each output is one input pixel, so the loop is a copy.
class SinglePixelPoolForward final : public PoolForward {
 public:
  explicit SinglePixelPoolForward(PoolKind kind) : kind_(kind) {}

  bool accepts(const PoolGeometry& g) const override { return g.window_h == 1 && g.window_w == 1; }

  void run(float* out, const float* in, const PoolGeometry& g) override {
    if (!accepts(g)) {
      fail(kind_name(kind_), ": this operator was built for a 1x1 window, given ", g.window_h, "x", g.window_w,
           "; build a new one with make_pool_forward");
    }
    if (kind_ == PoolKind::max)
      max_pool_forward_reference(out, in, g);
    else
      avg_pool_forward_reference(out, in, g);
  }

 private:
  PoolKind kind_;
};

}  // namespace

std::unique_ptr<PoolForward> make_pool_forward(PoolKind kind, const PoolGeometry& g) {
  if (kind != PoolKind::global_average && g.window_h == 1 && g.window_w == 1)
    return std::make_unique<SinglePixelPoolForward>(kind);
  return std::make_unique<XnnpackPoolForward>(kind, g);
}

}  // namespace camlens::kernels
