// Integrated Gradients: completeness (the attributions sum to score(input) - score(baseline)), the
// baselines (black as the preprocessing makes it, blurred, given), both rules, batching, progress.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "explain/input_space.h"
#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "support/explain_models.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

double score(Model& model, const Tensor& input, int target) {
  model.graph.forward(input, {.keep = std::vector<std::string>{model.logits}});
  return model.graph.activation(model.logits)[target];
}

double sum(std::span<const float> values) {
  double total = 0.0;
  for (float v : values) total += v;
  return total;
}

// Completeness within 1% of score(x) - score(baseline), as the method's authors check it, for
// every class whose score moves more than 0.05 between baseline and input (there must be one).
void check_completeness(Model& model, const Tensor& x, IntegratedGradients& ig) {
  int checked = 0;
  for (int target = 0; target < static_cast<int>(model.metadata.labels.size()); ++target) {
    CAPTURE(target);
    const Explanation e = explain_target(model, x, ig, Target::of_class(target));
    const double delta = score(model, x, target) - score(model, ig.baseline(), target);
    if (std::abs(delta) <= 0.05) continue;  // too little change to measure 1% of
    ++checked;
    CHECK(std::abs(sum(ig.attributions().values()) - delta) <= 0.01 * std::abs(delta));
    // The map sums the attributions over channels.
    const int channels = x.shape().c();
    for (size_t p = 0; p < e.raw.values.size(); ++p) {
      double pixel = 0.0;
      for (int c = 0; c < channels; ++c) pixel += ig.attributions()[p * channels + c];
      CHECK(e.raw.values[p] == doctest::Approx(pixel).epsilon(1e-5));
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("integrated gradients: completeness within 1% at 128 steps on a smooth nonlinear model") {
  PortableRng rng(21);
  Model model = smooth_model(rng);
  model.metadata.scale = 2.0f;  // inputs in [-1, 1]: black is -1
  model.metadata.offset = -1.0f;
  const Tensor x = rng.tensor(Shape::nhwc(1, 7, 5, 3), -1.0f, 1.0f);
  for (IntegrationRule rule : {IntegrationRule::midpoint, IntegrationRule::trapezoid}) {
    CAPTURE(static_cast<int>(rule));
    IntegratedGradients black({.steps = 128, .rule = rule});
    check_completeness(model, x, black);
    CHECK(std::all_of(black.baseline().values().begin(), black.baseline().values().end(), [](float v) { return v == -1.0f; }));
    IntegratedGradients blurred({.baseline = Baseline::blurred, .blur_fraction = 0.3f, .steps = 128, .rule = rule});
    check_completeness(model, x, blurred);
    Tensor expected_baseline;
    gaussian_blur(expected_baseline, x, 0.3f * 5);  // the shorter side is 5
    CHECK(std::equal(blurred.baseline().values().begin(), blurred.baseline().values().end(), expected_baseline.values().begin()));
    std::vector<float> given(x.size(), 0.25f);
    IntegratedGradients from_given({.baseline = Baseline::given, .baseline_values = given, .steps = 128, .rule = rule});
    check_completeness(model, x, from_given);
  }
}

TEST_CASE("integrated gradients: completeness within 1% on ReLU / max-pool models at 512 steps (kinks slow convergence)") {
  PortableRng rng(22);
  Model relu = relu_model(rng);
  IntegratedGradients ig({.steps = 512});
  check_completeness(relu, rng.tensor(Shape::nhwc(1, 8, 8, 3), 0.0f, 2.0f), ig);
  Model patch = patch_model();
  check_completeness(patch, patch_image(), ig);
}

TEST_CASE("integrated gradients: on an affine score the attribution is (x - x0) times its one gradient") {
  PortableRng rng(23);
  Model model = smooth_model(rng);
  model.logits = "dense";  // conv, depthwise, average pool, dense: affine in the input
  model.probabilities = "probs";
  const Tensor x = rng.tensor(Shape::nhwc(1, 7, 5, 3));
  for (IntegrationRule rule : {IntegrationRule::midpoint, IntegrationRule::trapezoid}) {
    IntegratedGradients ig({.steps = 3, .rule = rule});  // black: 0 with the default metadata
    explain_target(model, x, ig, Target::of_class(1));
    const Tensor gradient = numeric_input_gradient(model, x, 1, 1e-1f);  // exact up to rounding on an affine map
    for (size_t i = 0; i < x.size(); ++i) CHECK(ig.attributions()[i] == doctest::Approx(x[i] * gradient[i]).epsilon(1e-3));
  }
}

TEST_CASE("integrated gradients: batches, progress, cancel and bad options") {
  Model model = patch_model();
  IntegratedGradients ig;  // 64 steps, black
  std::vector<std::string> stages;
  ExplainOptions options{.batch_size = 32};
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    return true;
  };
  const Explanation batched = explain_target(model, patch_image(), ig, Target::top(), options);
  CHECK(stages == std::vector<std::string>{"forward", "integrated-gradients steps 32/64", "integrated-gradients steps 64/64",
                                           "integrated-gradients"});
  const Explanation one_by_one = explain_target(model, patch_image(), ig, Target::top(), {.batch_size = 1});
  for (size_t p = 0; p < batched.raw.values.size(); ++p) {
    CHECK(batched.raw.values[p] == doctest::Approx(one_by_one.raw.values[p]).epsilon(1e-5));
  }

  options.progress = [](const Progress& p) { return p.stage != "integrated-gradients steps 32/64"; };
  CHECK_THROWS_WITH_AS(explain_target(model, patch_image(), ig, Target::top(), options),
                       doctest::Contains("cancelled by the progress callback after integrated-gradients steps 32/64"), Cancelled);

  IntegratedGradients short_baseline({.baseline = Baseline::given, .baseline_values = {0.0f, 1.0f}});
  CHECK_THROWS_WITH_AS(explain_target(model, patch_image(), short_baseline),
                       doctest::Contains("the given baseline has 2 values; the input [1, 12, 12, 1] has 144"), Error);
  CHECK_THROWS_WITH_AS(IntegratedGradients({.steps = 1, .rule = IntegrationRule::trapezoid}),
                       doctest::Contains("steps must be at least 2 for the trapezoid rule, got 1"), Error);
  CHECK_THROWS_WITH_AS(IntegratedGradients({.baseline = Baseline::blurred, .blur_fraction = 0.0f}),
                       doctest::Contains("a blurred baseline needs blur_fraction > 0"), Error);
}
