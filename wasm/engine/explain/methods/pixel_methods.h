#pragma once
// Options of the per-pixel methods that take some, and their factories with options (the
// registry's factories, in methods.h, use the defaults). Each method lives in its own file here.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "explain/method.h"

namespace camlens::explain {

// SmoothGrad (Smilkov et al. 2017): the mean of the saliency maps (max over channels of |gradient|)
// of `samples` noisy copies x + N(0, sigma^2), sigma = noise_fraction * (max(x) - min(x)) as in the
// authors' code (the input's own range; a constant input gets no noise).
struct SmoothGradOptions {
  int samples = 25;
  float noise_fraction = 0.15f;
  std::uint32_t seed = 0;  // the same seed gives the same map, natively and in WebAssembly
};
std::unique_ptr<Method> make_smooth_grad(const SmoothGradOptions& options);

enum class IntegrationRule {
  midpoint,   // alpha_k = (k + 1/2) / m, equal weights 1/m: the attribution is (x - x0) * mean gradient
  trapezoid,  // alpha_k = k / (m - 1), weights 1/(m - 1) with halves at both ends (m >= 2)
};

enum class Baseline {
  black,    // a black image as the model's preprocessing makes it (the metadata's offset, or -mean/std)
  blurred,  // the input, Gaussian-blurred with sigma = blur_fraction * its shorter side
  given,    // IntegratedGradientsOptions::baseline_values
};

// Integrated Gradients (Sundararajan et al. 2017): attribution = (x - x0) * the path integral of the
// gradient from the baseline x0 to x, estimated on `steps` points, run in batches.
struct IntegratedGradientsOptions {
  Baseline baseline = Baseline::black;
  std::vector<float> baseline_values;  // Baseline::given: one value per input element, in model space
  float blur_fraction = 1.0f / 16.0f;  // Baseline::blurred: 4 pixels on a 64 x 64 input
  int steps = 64;
  IntegrationRule rule = IntegrationRule::midpoint;
};

// Kept as a type of its own so the per-element attributions can be read after explaining.
class IntegratedGradients final : public Method {
 public:
  explicit IntegratedGradients(IntegratedGradientsOptions options = {});
  std::string_view name() const override { return "integrated-gradients"; }
  Requirements requirements() const override { return {.layer = false}; }
  // The map sums the attributions over channels.
  MethodMap compute(ExplainContext& context) override;

  // From the last compute, [1, H, W, C]: the attributions, which sum to about
  // logit(input) - logit(baseline) (completeness), and the baseline they were measured from.
  const Tensor& attributions() const { return attributions_; }
  const Tensor& baseline() const { return baseline_; }

 private:
  Tensor make_baseline(const ExplainContext& context) const;

  IntegratedGradientsOptions options_;
  Tensor attributions_, baseline_;
};

// Occlusion sensitivity (Zeiler & Fergus 2014): a patch of `fill` slides over the input; each
// pixel's value is the drop of the target's probability, p(input) - p(occluded), averaged over the
// patches covering it. Patch positions step by `stride` from the top-left corner, plus one flush
// with the bottom/right edge when the steps miss it, so every pixel is covered.
struct OcclusionOptions {
  int patch = 0;                // side in pixels; 0: an eighth of each input side (rounded, at least 1)
  int stride = 0;               // 0: half the patch (at least 1)
  std::optional<float> fill;    // in model space; default: mid-gray (level 0.5) as the model's preprocessing makes it
};
std::unique_ptr<Method> make_occlusion(const OcclusionOptions& options);

}  // namespace camlens::explain
