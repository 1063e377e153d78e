// Activation maximisation: the objective rises, the image has the input's size and is the
// optimised input de-normalised, progress and cancel, seeds, errors.
#include "explain/activation_maximization.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/explain_models.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("activation maximisation raises a class score from gray and returns the image of its input") {
  PortableRng rng(41);
  Model model = smooth_model(rng);  // 7 x 5 x 3, RGB on 0..1
  model.logits = "dense";           // the logits before the Softmax, which could saturate
  model.probabilities = "probs";
  const ActivationMaximizationResult r = maximize_activation(model, {.index = 2, .steps = 24});
  REQUIRE(r.objective.size() == 24);
  CHECK(r.final_objective > r.initial_objective + 0.05f);
  CHECK(r.objective.back() > r.objective.front());
  CHECK(r.initial_objective == doctest::Approx(r.objective.front()).epsilon(1e-2));  // gray barely changes under jitter
  CHECK(r.input.shape() == Shape::nhwc(1, 7, 5, 3));
  REQUIRE((r.image.width() == 5 && r.image.height() == 7 && r.image.channels() == 3));
  for (size_t i = 0; i < r.input.size(); ++i) {
    CHECK((r.input[i] >= 0.0f && r.input[i] <= 1.0f));
    CHECK(r.image.data()[i] == std::lround(r.input[i] * 255.0f));
  }
}

TEST_CASE("activation maximisation of a layer channel's mean; mean/std preprocessing is undone in the image") {
  PortableRng rng(42);
  Model model = smooth_model(rng);
  model.metadata.scaling = InputScaling::mean_std;
  model.metadata.mean = {0.5f, 0.4f, 0.3f};
  model.metadata.std = {0.2f, 0.25f, 0.3f};
  const ActivationMaximizationResult r = maximize_activation(
      model, {.layer = "conv", .index = 1, .steps = 16, .start = ActivationMaximizationOptions::Start::noise, .seed = 5});
  CHECK(r.final_objective > r.initial_objective);
  for (size_t i = 0; i < r.input.size(); ++i) {
    const int c = static_cast<int>(i % 3);
    const float level = r.input[i] * model.metadata.std[c] + model.metadata.mean[c];
    CHECK((level >= -1e-5f && level <= 1.0f + 1e-5f));  // clamped to the images the model can be shown
    CHECK(std::abs(r.image.data()[i] - std::clamp(level, 0.0f, 1.0f) * 255.0f) <= 0.5f + 1e-3f);
  }
  // The same seed gives the same image; another seed another one.
  const ActivationMaximizationResult again = maximize_activation(
      model, {.layer = "conv", .index = 1, .steps = 16, .start = ActivationMaximizationOptions::Start::noise, .seed = 5});
  CHECK(std::equal(again.input.values().begin(), again.input.values().end(), r.input.values().begin()));
  const ActivationMaximizationResult other = maximize_activation(
      model, {.layer = "conv", .index = 1, .steps = 16, .start = ActivationMaximizationOptions::Start::noise, .seed = 6});
  CHECK(!std::equal(other.input.values().begin(), other.input.values().end(), r.input.values().begin()));
}

TEST_CASE("activation maximisation reports every step and can be cancelled") {
  Model model = patch_model();
  std::vector<double> fractions;
  ActivationMaximizationOptions options{.steps = 5};
  options.progress = [&](const Progress& p) {
    fractions.push_back(p.fraction);
    return true;
  };
  const ActivationMaximizationResult r = maximize_activation(model, options);
  CHECK(fractions == std::vector<double>{0.2, 0.4, 0.6, 0.8, 1.0});
  CHECK((r.image.width() == 12 && r.image.height() == 12 && r.image.channels() == 1));

  int calls = 0;
  options.progress = [&](const Progress&) { return ++calls < 3; };
  CHECK_THROWS_WITH_AS(maximize_activation(model, options),
                       doctest::Contains("cancelled by the progress callback after activation maximisation step 3/5"), Cancelled);
  CHECK(calls == 3);
}

TEST_CASE("activation maximisation: errors name the layer, the range and the option") {
  Model model = patch_model();
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.layer = "nope"}), doctest::Contains("no layer named 'nope'"), Error);
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.layer = "input"}), doctest::Contains("'input' is the input"), Error);
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.index = 2}),
                       doctest::Contains("class 2 is out of range: the logits 'logits' have 2 classes (0..1)"), Error);
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.layer = "features", .index = 5}),
                       doctest::Contains("channel 5 is out of range: layer 'features' [6, 6, 2] has 2 channels (0..1)"), Error);
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.steps = 0}), doctest::Contains("steps must be at least 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(maximize_activation(model, {.l2_decay = 1.0f}), doctest::Contains("l2_decay must be in [0, 1)"), Error);
}
