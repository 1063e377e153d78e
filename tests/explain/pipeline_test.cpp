#include "explain/pipeline.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"
#include "explain/registry.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("pipeline: prediction, default layer, target, shapes and timings (Grad-CAM on the patch model)") {
  Model model = patch_model();
  const Tensor image = patch_image();
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  const auto start = std::chrono::steady_clock::now();
  Explanation e = explain_target(model, image, *grad_cam, Target::top(), {.sizes = {{12, 12}, {30, 20}}});
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  CHECK(e.method == "grad-cam");
  CHECK(e.layer == "features");  // the last spatial node before the head
  REQUIRE(e.prediction.probabilities.size() == 2);
  CHECK(e.prediction.probabilities[0] + e.prediction.probabilities[1] == doctest::Approx(1.0f));
  CHECK(e.prediction.ranking.front() == e.target_class);
  CHECK(e.prediction.probabilities[0] > e.prediction.probabilities[1]);  // the bright patch wins
  CHECK(e.target_class == 0);
  CHECK(e.raw.height == 6);
  CHECK(e.raw.width == 6);
  CHECK(e.channel_weights.size() == 2);
  CHECK(e.normalized.height == 6);
  REQUIRE(e.upsampled.size() == 2);
  CHECK((e.upsampled[0].height == 12 && e.upsampled[0].width == 12));
  CHECK((e.upsampled[1].height == 30 && e.upsampled[1].width == 20));
  // Every step does some work, and the steps happen inside the call, in milliseconds.
  CHECK(e.timings.forward_ms > 0.0);
  CHECK(e.timings.backward_ms > 0.0);
  CHECK(e.timings.map_ms > 0.0);
  CHECK(e.timings.postprocess_ms > 0.0);
  CHECK(e.timings.forward_ms + e.timings.backward_ms + e.timings.map_ms + e.timings.postprocess_ms <= wall_ms);

  // Default sizes: one map at the model input's size.
  Explanation plain = explain_target(model, image, *grad_cam);
  REQUIRE(plain.upsampled.size() == 1);
  CHECK((plain.upsampled[0].height == 12 && plain.upsampled[0].width == 12));
}

TEST_CASE("pipeline: top-K explains the K best classes from one forward pass, best first") {
  Model model = patch_model();
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  std::vector<Explanation> maps = explain_top_k(model, patch_image(), *grad_cam, 2);
  REQUIRE(maps.size() == 2);
  CHECK(maps[0].target_class == 0);
  CHECK(maps[1].target_class == 1);
  CHECK(maps[0].timings.forward_ms == maps[1].timings.forward_ms);  // one shared forward pass, counted in both
  // Class 1's Dense column is class 0's negated: so are its Grad-CAM weights and raw map.
  for (int k = 0; k < 2; ++k) CHECK(maps[1].channel_weights[k] == doctest::Approx(-maps[0].channel_weights[k]));
  for (size_t i = 0; i < maps[0].raw.values.size(); ++i) {
    CHECK(maps[1].raw.values[i] == doctest::Approx(-maps[0].raw.values[i]));
  }
  // Equal to explaining each class on its own.
  Explanation second = explain_target(model, patch_image(), *grad_cam, Target::of_class(1));
  CHECK(second.raw.values == maps[1].raw.values);
}

TEST_CASE("pipeline: the progress callback sees each step and can cancel") {
  Model model = patch_model();
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  std::vector<std::string> stages;
  std::vector<double> fractions;
  ExplainOptions options;
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    fractions.push_back(p.fraction);
    return true;
  };
  explain_top_k(model, patch_image(), *grad_cam, 2, options);
  CHECK(stages == std::vector<std::string>{"forward", "grad-cam", "grad-cam"});
  CHECK(fractions == std::vector<double>{0.0, 0.5, 1.0});

  options.progress = [](const Progress& p) { return p.stage != "forward"; };
  CHECK_THROWS_WITH_AS(explain_target(model, patch_image(), *grad_cam, Target::top(), options),
                       doctest::Contains("cancelled by the progress callback after forward"), Cancelled);
}

TEST_CASE("pipeline: errors name the layer, the class range and what to do") {
  Model model = patch_model();
  const Tensor image = patch_image();
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  CHECK_THROWS_WITH_AS(explain_target(model, image, *grad_cam, Target::top(), {.layer = "nope"}),
                       doctest::Contains("no layer named 'nope'; spatial layers feeding the logits: 'features'"), Error);
  CHECK_THROWS_WITH_AS(explain_target(model, image, *grad_cam, Target::top(), {.layer = "gap"}),
                       doctest::Contains("layer 'gap' (GlobalAveragePool) gives [2] per image, not a spatial"), Error);
  CHECK_THROWS_WITH_AS(explain_target(model, image, *grad_cam, Target::of_class(2)),
                       doctest::Contains("target class 2 is out of range: the model has 2 classes (0..1: class 0, class 1)"),
                       Error);
  CHECK_THROWS_WITH_AS(explain_target(model, image, *grad_cam, Target::of_class(-1)),
                       doctest::Contains("target class -1 is out of range"), Error);
  CHECK_THROWS_WITH_AS(explain_top_k(model, image, *grad_cam, 3),
                       doctest::Contains("target rank 2 is out of range: the model ranks 2 classes"), Error);
  CHECK_THROWS_WITH_AS(explain_top_k(model, image, *grad_cam, 0), doctest::Contains("top-K needs K >= 1, got 0"), Error);
  Tensor batch2(Shape::nhwc(2, 12, 12, 1));
  CHECK_THROWS_WITH_AS(explain_target(model, batch2, *grad_cam), doctest::Contains("input must have batch 1, got [2, 12, 12, 1]"),
                       Error);
  CHECK_THROWS_WITH_AS(explain_target(model, image, *grad_cam, Target::top(), {.sizes = {{0, 4}}}),
                       doctest::Contains("sizes holds 0 x 4"), Error);
  CHECK_THROWS_WITH_AS(make_method("grad-kam"), doctest::Contains("no method named 'grad-kam'; known methods: cam, grad-cam, grad-cam++"),
                       Error);
}

TEST_CASE("pipeline: a spatial layer that does not feed the logits is refused") {
  Rng rng(3);
  Graph g;
  g.add_input("input", Shape{4, 4, 1});
  Window2D same = Window2D::square(3, 1, PaddingMode::same);
  g.add(std::make_unique<Conv2D>("conv", rng.tensor(Shape{3, 3, 1, 2}), Tensor(), ConvParams{same}), {"input"});
  g.add(std::make_unique<Conv2D>("side", rng.tensor(Shape{3, 3, 1, 2}), Tensor(), ConvParams{same}), {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"conv"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{2, 2}), Tensor()), {"gap"});
  Model model = make_model(std::move(g), "logits", "");
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  CHECK_THROWS_WITH_AS(explain_target(model, rng.tensor(Shape::nhwc(1, 4, 4, 1)), *grad_cam, Target::top(), {.layer = "side"}),
                       doctest::Contains("layer 'side' does not feed the logits 'logits'; pick one of: 'conv'"), Error);
  // Without a Softmax in the graph the pipeline computes the probabilities itself.
  Explanation e = explain_target(model, rng.tensor(Shape::nhwc(1, 4, 4, 1)), *grad_cam);
  CHECK(e.layer == "conv");
  CHECK(e.prediction.probabilities[0] + e.prediction.probabilities[1] == doctest::Approx(1.0f));
}

TEST_CASE("pipeline: explain_all gives each method and target the map a call of its own gives") {
  Rng rng(45);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  // Occlusion runs extra forward passes between the others: the shared activations must survive.
  std::vector<std::unique_ptr<Method>> owned;
  for (const char* name : {"cam", "grad-cam", "occlusion", "grad-cam++", "saliency", "layer-cam"}) {
    owned.push_back(make_method(name));
  }
  std::vector<Method*> methods;
  for (const std::unique_ptr<Method>& method : owned) methods.push_back(method.get());
  const std::vector<Target> targets = {Target::top(), Target::of_class(2)};
  const std::vector<Explanation> together = explain_all(model, input, methods, targets);
  REQUIRE(together.size() == methods.size() * targets.size());
  for (size_t m = 0; m < methods.size(); ++m) {
    for (size_t t = 0; t < targets.size(); ++t) {
      const Explanation alone = explain_target(model, input, *methods[m], targets[t]);
      const Explanation& shared = together[m * targets.size() + t];
      CAPTURE(alone.method);
      CAPTURE(t);
      CHECK(shared.method == alone.method);
      CHECK(shared.layer == alone.layer);
      CHECK(shared.target_class == alone.target_class);
      CHECK(shared.raw.values == alone.raw.values);  // the same arithmetic, bit for bit
      CHECK(shared.channel_weights == alone.channel_weights);
    }
  }
  CHECK_THROWS_WITH_AS(explain_all(model, input, {}, targets), doctest::Contains("no method given"), Error);
}
