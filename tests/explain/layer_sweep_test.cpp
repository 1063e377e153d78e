#include "explain/layer_sweep.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "explain/registry.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("layer sweep: Grad-CAM at every spatial layer from one backward pass equals each layer on its own") {
  Rng rng(71);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  std::vector<std::string> stages;
  ExplainOptions options;
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    return true;
  };
  std::vector<Explanation> sweep = explain_layer_sweep(model, input, *grad_cam, Target::of_class(1), options);
  REQUIRE(sweep.size() == 6);
  const std::vector<std::string> layers = {"conv1", "dw", "pool", "shortcut", "add", "conv2"};
  CHECK(stages.size() == 7);  // forward, then one map per layer
  for (size_t i = 0; i < sweep.size(); ++i) {
    CAPTURE(layers[i]);
    CHECK(sweep[i].layer == layers[i]);
    CHECK(sweep[i].target_class == 1);
    // One shared forward and backward: every layer reports the same pass times.
    CHECK(sweep[i].timings.forward_ms == sweep[0].timings.forward_ms);
    CHECK(sweep[i].timings.backward_ms == sweep[0].timings.backward_ms);
    Explanation alone = explain_target(model, input, *grad_cam, Target::of_class(1), {.layer = layers[i]});
    REQUIRE(alone.raw.values.size() == sweep[i].raw.values.size());
    // The same gradients by a longer or shorter backward path: 1e-5 relative (1e-8 near zero).
    for (size_t p = 0; p < alone.raw.values.size(); ++p) {
      CHECK(sweep[i].raw.values[p] == doctest::Approx(alone.raw.values[p]).epsilon(1e-5).scale(1e-3));
    }
  }
}

TEST_CASE("layer sweep: gradient-free methods sweep too; CAM stops at the first layer it does not apply to") {
  Rng rng(72);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> eigen = make_method("eigen-cam");
  std::vector<Explanation> sweep = explain_layer_sweep(model, input, *eigen);
  CHECK(sweep.size() == 6);
  CHECK(sweep[0].timings.backward_ms == 0.0);
  std::unique_ptr<Method> cam = make_method("cam");
  CHECK_THROWS_WITH_AS(explain_layer_sweep(model, input, *cam), doctest::Contains("CAM does not apply to layer 'conv1'"),
                       Error);
}
