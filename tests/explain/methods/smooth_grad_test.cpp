// SmoothGrad: with no noise it is saliency exactly; with noise it is the mean of the saliency maps
// of the noisy inputs its seed draws, the same for the same seed whatever the batch size.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "explain/input_space.h"
#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/explain_models.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("smooth-grad with sigma 0 equals saliency exactly (batched passes of 16 and 9)") {
  PortableRng rng(8);
  Model smooth = smooth_model(rng), patch = patch_model();
  const Tensor smooth_input = rng.tensor(Shape::nhwc(1, 7, 5, 3));
  const Tensor patch_input = patch_image();
  std::unique_ptr<Method> saliency = make_method("saliency");
  std::unique_ptr<Method> noiseless = make_smooth_grad({.samples = 25, .noise_fraction = 0.0f});
  for (auto [model, input] : {std::pair{&smooth, &smooth_input}, std::pair{&patch, &patch_input}}) {
    for (int target = 0; target < 2; ++target) {
      const Explanation expected = explain_target(*model, *input, *saliency, Target::of_class(target));
      const Explanation e = explain_target(*model, *input, *noiseless, Target::of_class(target));
      CHECK(e.method == "smooth-grad");
      CHECK(e.layer == model->input());
      CHECK(e.raw.values == expected.raw.values);
    }
  }
}

TEST_CASE("smooth-grad is the mean saliency of x + sigma * noise(seed), sigma = 15% of the input's range") {
  PortableRng rng(9);
  Model model = smooth_model(rng);
  const Tensor x = rng.tensor(Shape::nhwc(1, 7, 5, 3), -0.5f, 1.5f);  // range about 2: sigma about 0.3
  std::unique_ptr<Method> saliency = make_method("saliency");
  const SmoothGradOptions options{.samples = 5, .noise_fraction = 0.15f, .seed = 42};
  std::unique_ptr<Method> smooth_grad = make_smooth_grad(options);
  const Explanation e = explain_target(model, x, *smooth_grad, Target::of_class(2), {.batch_size = 2});

  // The same noise, drawn sample after sample, element after element; each noisy input explained alone.
  NormalNoise noise(42);
  const float sigma = 0.15f * value_range(x);
  std::vector<double> sums(35, 0.0);
  for (int sample = 0; sample < options.samples; ++sample) {
    Tensor noisy = x.clone();
    for (size_t i = 0; i < noisy.size(); ++i) noisy[i] += sigma * noise.next();
    const Explanation one = explain_target(model, noisy, *saliency, Target::of_class(2));
    for (int p = 0; p < 35; ++p) sums[p] += one.raw.values[p];
  }
  for (int p = 0; p < 35; ++p) CHECK(e.raw.values[p] == doctest::Approx(sums[p] / options.samples).epsilon(1e-5));

  SUBCASE("deterministic for a seed, whatever the batch size; another seed gives another map") {
    const Explanation again = explain_target(model, x, *smooth_grad, Target::of_class(2), {.batch_size = 2});
    CHECK(again.raw.values == e.raw.values);
    const Explanation batched = explain_target(model, x, *smooth_grad, Target::of_class(2), {.batch_size = 16});
    for (int p = 0; p < 35; ++p) CHECK(batched.raw.values[p] == doctest::Approx(e.raw.values[p]).epsilon(1e-6));
    std::unique_ptr<Method> other_seed = make_smooth_grad({.samples = 5, .noise_fraction = 0.15f, .seed = 43});
    CHECK(explain_target(model, x, *other_seed, Target::of_class(2)).raw.values != e.raw.values);
    const Explanation plain = explain_target(model, x, *saliency, Target::of_class(2));
    CHECK(plain.raw.values != e.raw.values);
  }
}

TEST_CASE("smooth-grad reports progress per batch and can be cancelled; bad options are refused") {
  Model model = patch_model();
  std::unique_ptr<Method> smooth_grad = make_method("smooth-grad");  // 25 samples
  std::vector<std::string> stages;
  ExplainOptions options{.batch_size = 10};
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    return true;
  };
  explain_target(model, patch_image(), *smooth_grad, Target::top(), options);
  CHECK(stages == std::vector<std::string>{"forward", "smooth-grad samples 10/25", "smooth-grad samples 20/25",
                                           "smooth-grad samples 25/25", "smooth-grad"});

  options.progress = [](const Progress& p) { return p.stage != "smooth-grad samples 10/25"; };
  CHECK_THROWS_WITH_AS(explain_target(model, patch_image(), *smooth_grad, Target::top(), options),
                       doctest::Contains("cancelled by the progress callback after smooth-grad samples 10/25"), Cancelled);

  CHECK_THROWS_WITH_AS(make_smooth_grad({.samples = 0}), doctest::Contains("samples must be at least 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(make_smooth_grad({.noise_fraction = -0.1f}), doctest::Contains("noise_fraction must be >= 0"), Error);
}
