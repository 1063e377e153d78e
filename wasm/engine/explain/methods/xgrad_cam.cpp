// XGrad-CAM (Fu et al. 2020), as pytorch-grad-cam: w_k = sum_ij(G * A) / (sum_ij(A) + 1e-7).
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class XGradCam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "xgrad-cam"; }
  Requirements requirements() const override { return {.gradients = true}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const Tensor& grads = context.gradients();
    const int channels = acts.shape().c();
    const size_t pixels = acts.size() / channels;
    std::vector<double> weighted(channels, 0.0), sums(channels, 0.0);
    for (size_t p = 0; p < pixels; ++p) {
      for (int k = 0; k < channels; ++k) {
        const size_t i = p * channels + k;
        weighted[k] += static_cast<double>(grads[i]) * acts[i];
        sums[k] += acts[i];
      }
    }
    std::vector<float> weights(channels);
    for (int k = 0; k < channels; ++k) weights[k] = static_cast<float>(weighted[k] / (sums[k] + 1e-7));
    return weights;
  }
};

}  // namespace

std::unique_ptr<Method> make_xgrad_cam() { return std::make_unique<XGradCam>(); }

}  // namespace camlens::explain
