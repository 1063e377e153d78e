// Sanity checks on a hand-built model: randomising from the output down changes Grad-CAM's map,
// leaves a map that ignores the model (the Sobel edges) as it was, and gives the model its own
// parameters back.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "evaluate/baselines.h"
#include "evaluate/sanity.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::evaluate;

TEST_CASE("sanity: the cascade changes Grad-CAM's map and leaves the Sobel map unchanged") {
  test::PortableRng rng(17);
  Model model = test::relu_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3), 0.0f, 1.0f);
  const explain::Prediction before = explain::predict(model, input);
  CHECK(layers_with_parameters(model) == std::vector<std::string>{"logits", "conv2", "conv1"});

  const std::unique_ptr<explain::Method> grad_cam = explain::make_method("grad-cam");
  const std::vector<SanityStep> cam = sanity_check(model, method_map_maker(*grad_cam, input, before.ranking.front()));
  REQUIRE(cam.size() == 3);
  for (const SanityStep& step : cam) MESSAGE(step.layer, ": spearman ", step.spearman, ", |spearman| ", step.spearman_abs, ", ssim ", step.ssim);
  CHECK(cam.back().spearman < 0.5);
  CHECK(cam.back().ssim < 0.5);

  const MapMaker edges = [&](Model&) {
    const explain::Map map = sobel_map(input);
    return SanityMap{map, map};
  };
  for (const SanityStep& step : sanity_check(model, edges)) {
    CHECK(step.spearman == doctest::Approx(1.0));
    CHECK(step.spearman_abs == doctest::Approx(1.0));
    CHECK(step.ssim == doctest::Approx(1.0));
  }
  CHECK(explain::predict(model, input).logits == before.logits);  // the parameters came back
}

TEST_CASE("sanity: one layer at a time, each randomised alone and seeded") {
  test::PortableRng rng(4);
  Model model = test::relu_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3), 0.0f, 1.0f);
  const explain::Prediction before = explain::predict(model, input);
  const std::unique_ptr<explain::Method> grad_cam = explain::make_method("grad-cam");
  const MapMaker maker = method_map_maker(*grad_cam, input, before.ranking.front());
  const std::vector<SanityStep> a = sanity_check(model, maker, {.mode = Randomisation::independent, .seed = 3});
  const std::vector<SanityStep> b = sanity_check(model, maker, {.mode = Randomisation::independent, .seed = 3});
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].spearman == b[i].spearman);
  // Only conv1 randomised differs from the cascade's last step, where all three are.
  const std::vector<SanityStep> cascade = sanity_check(model, maker, {.seed = 3});
  CHECK(a.back().ssim != cascade.back().ssim);
  CHECK(explain::predict(model, input).logits == before.logits);
}
