// Integrated Gradients (Sundararajan et al. 2017): attribution_i = (x_i - x0_i) * the mean of
// d logit / d x_i along the straight path from the baseline x0 to the input x, estimated by a
// Riemann rule on `steps` points, run in batches (ExplainOptions::batch_size) with progress.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "explain/input_space.h"
#include "explain/methods/methods.h"
#include "explain/methods/pixel_methods.h"
#include "explain/variants.h"
#include "io/model.h"

namespace camlens::explain {

namespace {

struct PathPoints {
  std::vector<float> alphas;    // position on the path, 0 (baseline) .. 1 (input)
  std::vector<double> weights;  // sum to 1
};

PathPoints path_points(int steps, IntegrationRule rule) {
  PathPoints points;
  for (int k = 0; k < steps; ++k) {
    if (rule == IntegrationRule::midpoint) {
      points.alphas.push_back((k + 0.5f) / static_cast<float>(steps));
      points.weights.push_back(1.0 / steps);
    } else {
      points.alphas.push_back(static_cast<float>(k) / static_cast<float>(steps - 1));
      points.weights.push_back((k == 0 || k == steps - 1 ? 0.5 : 1.0) / (steps - 1));
    }
  }
  return points;
}

}  // namespace

IntegratedGradients::IntegratedGradients(IntegratedGradientsOptions options) : options_(std::move(options)) {
  const int fewest = options_.rule == IntegrationRule::midpoint ? 1 : 2;
  if (options_.steps < fewest) {
    fail("integrated-gradients: IntegratedGradientsOptions::steps must be at least ", fewest, " for the ",
         options_.rule == IntegrationRule::midpoint ? "midpoint" : "trapezoid", " rule, got ", options_.steps);
  }
  if (options_.baseline == Baseline::blurred && !(options_.blur_fraction > 0.0f)) {
    fail("integrated-gradients: a blurred baseline needs blur_fraction > 0, got ", options_.blur_fraction);
  }
}

Tensor IntegratedGradients::make_baseline(const ExplainContext& context) const {
  const Tensor& input = context.input();
  const Shape& in = input.shape();
  switch (options_.baseline) {
    case Baseline::black: return constant_level(context.model().metadata, in, 0.0f);
    case Baseline::blurred: {
      Tensor blurred;
      gaussian_blur(blurred, input, options_.blur_fraction * static_cast<float>(std::min(in.h(), in.w())));
      return blurred;
    }
    case Baseline::given:
      if (options_.baseline_values.size() != input.size()) {
        fail("integrated-gradients: the given baseline has ", options_.baseline_values.size(),
             " values; the input ", in.str(), " has ", input.size(), ": pass one value per input element, in model space");
      }
      return Tensor(in, options_.baseline_values);
  }
  fail("integrated-gradients: unknown baseline kind");
}

MethodMap IntegratedGradients::compute(ExplainContext& context) {
  const Tensor& input = context.input();
  const Shape& in = input.shape();
  const size_t item_size = input.size();
  baseline_ = make_baseline(context);
  const PathPoints points = path_points(options_.steps, options_.rule);

  std::vector<double> mean_gradient(item_size, 0.0);
  for_each_variant_batch(
      input, options_.steps, context.batch_size(),
      [&](int step, std::span<float> point) {
        const float alpha = points.alphas[step];
        for (size_t i = 0; i < item_size; ++i) point[i] = baseline_[i] + alpha * (input[i] - baseline_[i]);
      },
      [&](int first, const Tensor& batch) {
        const Tensor& grads = context.input_gradients(batch);
        const int count = batch.shape().n();
        for (int item = 0; item < count; ++item) {
          const double weight = points.weights[first + item];
          const float* g = grads.data() + item * item_size;
          for (size_t i = 0; i < item_size; ++i) mean_gradient[i] += weight * g[i];
        }
        context.report_progress(
            "integrated-gradients steps " + std::to_string(first + count) + "/" + std::to_string(options_.steps),
            static_cast<double>(first + count) / options_.steps);
      });
  attributions_.reshape_storage(in);
  for (size_t i = 0; i < item_size; ++i) {
    attributions_[i] = static_cast<float>((input[i] - baseline_[i]) * mean_gradient[i]);
  }
  return {channel_sum(attributions_, 0), {}};
}

std::unique_ptr<Method> make_integrated_gradients() { return std::make_unique<IntegratedGradients>(); }

}  // namespace camlens::explain
