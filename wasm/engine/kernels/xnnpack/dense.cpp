// Dense forward through XNNPACK's fully_connected_nc_f32. Our weights are [in_c, out_c], which
// XNN_FLAG_TRANSPOSE_WEIGHTS takes as is; the operator packs them once at creation.
#include "core/error.h"
#include "kernels/dense.h"
#include "kernels/native/thread_pool.h"
#include "kernels/xnnpack/operator.h"

namespace camlens::kernels {

namespace {

constexpr const char* kKind = "Dense";

class XnnpackDenseForward final : public DenseForward {
 public:
  XnnpackDenseForward(const DenseGeometry& g, const float* weights, const float* bias) : created_for_(g) {
    xnnpack::ensure_initialized();
    xnnpack::OutputRange range = xnnpack::output_range(Activation::none);
    xnnpack::check(xnn_create_fully_connected_nc_f32(g.in_c, g.out_c, g.in_c, g.out_c, weights, bias, range.min,
                                                     range.max, XNN_FLAG_TRANSPOSE_WEIGHTS, op_.receive()),
                   "xnn_create_fully_connected_nc_f32", kKind);
  }

  bool accepts(const DenseGeometry& g) const override {
    return g.in_c == created_for_.in_c && g.out_c == created_for_.out_c;
  }

  void run(float* out, const float* in, const DenseGeometry& g) override {
    if (!accepts(g)) {
      fail(kKind, ": this operator was built for in_c ", created_for_.in_c, ", out_c ", created_for_.out_c,
           " but was given in_c ", g.in_c, ", out_c ", g.out_c, "; build a new one with make_dense_forward");
    }
    xnnpack::check(xnn_setup_fully_connected_nc_f32(op_.get(), g.batch, in, out, thread_pool()),
                   "xnn_setup_fully_connected_nc_f32", kKind);
    xnnpack::check(xnn_run_operator(op_.get(), thread_pool()), "xnn_run_operator", kKind);
  }

 private:
  DenseGeometry created_for_;
  xnnpack::Operator op_;
};

}  // namespace

std::unique_ptr<DenseForward> make_dense_forward(const DenseGeometry& g, const float* weights, const float* bias) {
  return std::make_unique<XnnpackDenseForward>(g, weights, bias);
}

}  // namespace camlens::kernels
