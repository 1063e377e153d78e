// HiResCAM (Draelos & Carin 2020): the gradient times the activation, summed over channels at
// each pixel; no per-channel weights, so the map stays faithful to the logit's own pixels.
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class HiResCam final : public Method {
 public:
  std::string_view name() const override { return "hires-cam"; }
  Requirements requirements() const override { return {.gradients = true}; }

  MethodMap compute(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const Tensor& grads = context.gradients();
    const int channels = acts.shape().c();
    MethodMap result{Map(acts.shape().h(), acts.shape().w()), {}};
    for (size_t p = 0; p < result.raw.values.size(); ++p) {
      float sum = 0.0f;
      for (int k = 0; k < channels; ++k) sum += grads[p * channels + k] * acts[p * channels + k];
      result.raw.values[p] = sum;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<Method> make_hires_cam() { return std::make_unique<HiResCam>(); }

}  // namespace camlens::explain
