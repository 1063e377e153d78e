// LayerCAM (Jiang et al. 2021): relu(gradient) times the activation, summed over channels at each
// pixel: only pixels whose increase raises the logit count.
#include "explain/methods/methods.h"

#include <algorithm>

namespace camlens::explain {

namespace {

class LayerCam final : public Method {
 public:
  std::string_view name() const override { return "layer-cam"; }
  Requirements requirements() const override { return {.gradients = true}; }

  MethodMap compute(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const Tensor& grads = context.gradients();
    const int channels = acts.shape().c();
    MethodMap result{Map(acts.shape().h(), acts.shape().w()), {}};
    for (size_t p = 0; p < result.raw.values.size(); ++p) {
      float sum = 0.0f;
      for (int k = 0; k < channels; ++k) sum += std::max(grads[p * channels + k], 0.0f) * acts[p * channels + k];
      result.raw.values[p] = sum;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<Method> make_layer_cam() { return std::make_unique<LayerCam>(); }

}  // namespace camlens::explain
