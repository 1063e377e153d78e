// Grad-CAM (Selvaraju et al. 2017): w_k = mean over pixels of d logit / d A_k.
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class GradCam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "grad-cam"; }
  Requirements requirements() const override { return {.gradients = true}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Tensor& grads = context.gradients();
    const int channels = grads.shape().c();
    const size_t pixels = grads.size() / channels;
    std::vector<double> sums(channels, 0.0);
    for (size_t p = 0; p < pixels; ++p) {
      for (int k = 0; k < channels; ++k) sums[k] += grads[p * channels + k];
    }
    std::vector<float> weights(channels);
    for (int k = 0; k < channels; ++k) weights[k] = static_cast<float>(sums[k] / static_cast<double>(pixels));
    return weights;
  }
};

}  // namespace

std::unique_ptr<Method> make_grad_cam() { return std::make_unique<GradCam>(); }

}  // namespace camlens::explain
