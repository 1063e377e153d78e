// Grad-CAM++ (Chattopadhay et al. 2018, Eq. 19) exactly as pytorch-grad-cam computes it:
//   alpha = G^2 / (2 G^2 + sum_ij(A_k) G^3 + 1e-6), alpha = 0 where G == 0;
//   w_k = sum_ij relu(G) * alpha.
#include "explain/methods/methods.h"

#include <algorithm>

namespace camlens::explain {

namespace {

class GradCamPlusPlus final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "grad-cam++"; }
  Requirements requirements() const override { return {.gradients = true}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const Tensor& grads = context.gradients();
    const int channels = acts.shape().c();
    const size_t pixels = acts.size() / channels;
    std::vector<double> activation_sums(channels, 0.0), weights(channels, 0.0);
    for (size_t p = 0; p < pixels; ++p) {
      for (int k = 0; k < channels; ++k) activation_sums[k] += acts[p * channels + k];
    }
    for (size_t p = 0; p < pixels; ++p) {
      for (int k = 0; k < channels; ++k) {
        const double g = grads[p * channels + k];
        if (g == 0.0) continue;  // alpha = 0
        const double g2 = g * g, g3 = g2 * g;
        const double alpha = g2 / (2.0 * g2 + activation_sums[k] * g3 + 1e-6);
        weights[k] += std::max(g, 0.0) * alpha;
      }
    }
    return {weights.begin(), weights.end()};
  }
};

}  // namespace

std::unique_ptr<Method> make_grad_cam_plus_plus() { return std::make_unique<GradCamPlusPlus>(); }

}  // namespace camlens::explain
