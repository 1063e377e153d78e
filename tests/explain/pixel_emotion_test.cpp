// Integration: the per-pixel methods and activation maximisation on the shipped emotion model
// (models/emotion), with fewer samples / steps / patches than the defaults to stay fast in
// WebAssembly. Integrated Gradients' completeness there: methods/integrated_gradients_emotion_test.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "explain/activation_maximization.h"
#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "io/model.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

void check_finite_map(const Map& map, int height, int width) {
  CHECK(map.height == height);
  CHECK(map.width == width);
  REQUIRE(map.values.size() == static_cast<size_t>(height) * width);
  CHECK(std::all_of(map.values.begin(), map.values.end(), [](float v) { return std::isfinite(v); }));
}

const char* const kDefaultLayer = "StatefulPartitionedCall/model_1/add_2/add";  // the metadata's

}  // namespace

TEST_CASE("emotion model: every per-pixel method gives finite maps at the input's resolution") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_pattern();
  std::vector<std::unique_ptr<Method>> methods;
  methods.push_back(make_method("saliency"));
  methods.push_back(make_method("gradient-x-input"));
  methods.push_back(make_smooth_grad({.samples = 2}));
  methods.push_back(std::make_unique<IntegratedGradients>(IntegratedGradientsOptions{.steps = 2}));
  methods.push_back(make_method("guided-backprop"));
  methods.push_back(make_method("guided-grad-cam"));
  methods.push_back(make_occlusion({.patch = 32}));  // stride 16: 3 x 3 patches
  for (const std::unique_ptr<Method>& method : methods) {
    CAPTURE(std::string(method->name()));
    const Explanation e = explain_target(model, input, *method, Target::top(), {.sizes = {{64, 64}, {140, 140}}});
    CHECK(e.layer == (method->name() == "guided-grad-cam" ? kDefaultLayer : model.input()));
    CHECK(e.target_class == e.prediction.ranking.front());
    check_finite_map(e.raw, 64, 64);
    check_finite_map(e.normalized, 64, 64);
    REQUIRE(e.upsampled.size() == 2);
    check_finite_map(e.upsampled[0], 64, 64);
    check_finite_map(e.upsampled[1], 140, 140);
    CHECK(*std::max_element(e.upsampled[1].values.begin(), e.upsampled[1].values.end()) > 0.99f);  // not a blank map
  }
}

// d logit(sad) / d input at a few pixels (row * 64 + column), from TensorFlow.js (cpu backend, tf.grad
// of model.execute(x, the Mean node) times a one-hot) on the same pattern; pixel 2198 (row 34,
// column 22) has the largest |gradient|. Tolerance: 1e-4 of that largest value, as the WebAssembly
// oracle test allows.
TEST_CASE("emotion model: saliency and gradient x input are TensorFlow.js's gradient of the 'sad' logit") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_pattern();
  const size_t pixels[] = {0, 660, 2080, 2198, 3207, 4095};
  const double gradients[] = {0.004719776, -0.01540300, 0.1273006, 0.6435952, 0.05229481, 0.0};
  const double tolerance = 1e-4 * 0.6435952;
  const Explanation saliency = explain_target(model, input, *make_method("saliency"), Target::top());
  const Explanation times_input = explain_target(model, input, *make_method("gradient-x-input"), Target::top());
  REQUIRE(saliency.target_class == 4);
  REQUIRE(times_input.target_class == 4);
  CHECK(*std::max_element(saliency.raw.values.begin(), saliency.raw.values.end()) ==
        doctest::Approx(gradients[3]).epsilon(1e-4));
  for (size_t i = 0; i < std::size(pixels); ++i) {
    CAPTURE(pixels[i]);
    CHECK(std::fabs(saliency.raw.values[pixels[i]] - std::fabs(gradients[i])) <= tolerance);
    CHECK(std::fabs(times_input.raw.values[pixels[i]] - gradients[i] * input[pixels[i]]) <= tolerance);
  }
}

TEST_CASE("emotion model: activation maximisation raises the 'happy' logit and returns a 64x64 gray image") {
  Model model = load_model_file("models/emotion/model.json");
  const ActivationMaximizationResult r = maximize_activation(model, {.index = 3, .steps = 8});
  CHECK(r.final_objective > r.initial_objective);
  CHECK((r.image.width() == 64 && r.image.height() == 64 && r.image.channels() == 1));
}

// Not a test: a timing loop (run with --no-skip -tc='*per-pixel timing*'). Median wall time per
// explanation over 7 runs after 1 warm-up, each registered per-pixel method with its defaults,
// and activation maximisation with its defaults.
TEST_CASE("emotion model: per-pixel timing" * doctest::skip()) {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_pattern();
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto time = [&](const std::string& name, const auto& run) {
    std::vector<double> ms;
    for (int i = 0; i < 8; ++i) {
      const auto start = std::chrono::steady_clock::now();
      run();
      if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    MESSAGE(name << ": median " << median(ms) << " ms");
  };
  for (const char* name : {"saliency", "gradient-x-input", "smooth-grad", "integrated-gradients", "guided-backprop",
                           "guided-grad-cam", "occlusion"}) {
    std::unique_ptr<Method> method = make_method(name);
    time(name, [&] { explain_target(model, input, *method); });
  }
  time("activation maximisation (128 steps)", [&] { maximize_activation(model, {.index = 3}); });
}
