// Integration: every method on the shipped emotion model (models/emotion), batch 1.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "explain/layer_sweep.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "io/model.h"

using namespace camlens;
using namespace camlens::explain;

namespace {

// A smooth 64x64 gray pattern in the model's [-1, 1] input range (no image decoder needed).
Tensor emotion_input() {
  Tensor x(Shape::nhwc(1, 64, 64, 1));
  for (int y = 0; y < 64; ++y) {
    for (int c = 0; c < 64; ++c) x.at(0, y, c, 0) = std::sin(0.11f * y) * std::cos(0.07f * c) - 0.2f;
  }
  return x;
}

void check_finite_map(const Map& map, int height, int width) {
  CHECK(map.height == height);
  CHECK(map.width == width);
  REQUIRE(map.values.size() == static_cast<size_t>(height) * width);
  CHECK(std::all_of(map.values.begin(), map.values.end(), [](float v) { return std::isfinite(v); }));
}

void check_normalized(const Map& map) {
  CHECK(std::all_of(map.values.begin(), map.values.end(), [](float v) { return v >= 0.0f && v <= 1.0f; }));
}

}  // namespace

TEST_CASE("emotion model: every method returns finite maps of the right shape") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_input();
  // The metadata's default, the last feature layer (8 x 8 x 256); CAM's own layer is the head conv
  // the Mean reads (8 x 8 x 7).
  const std::string default_layer = "StatefulPartitionedCall/model_1/add_2/add";
  const std::string head_conv = "StatefulPartitionedCall/model_1/conv2d_5/BiasAdd";
  for (const MethodInfo& info : registered_methods()) {
    CAPTURE(std::string(info.name));
    std::unique_ptr<Method> method = info.make();
    // Maps at the input's resolution (per-pixel methods, guided Grad-CAM): pixel_emotion_test.cpp.
    if (!method->requirements().layer || info.name == "guided-grad-cam") continue;
    // Sizes: the model input (64 x 64) and a face crop of the original photo (140 x 140).
    Explanation e = explain_target(model, input, *method, Target::top(), {.sizes = {{64, 64}, {140, 140}}});
    CHECK(e.layer == (info.name == "cam" ? head_conv : default_layer));
    CHECK(e.prediction.probabilities.size() == 7);
    CHECK(e.target_class == e.prediction.ranking.front());
    check_finite_map(e.raw, 8, 8);
    check_finite_map(e.normalized, 8, 8);
    check_normalized(e.normalized);
    REQUIRE(e.upsampled.size() == 2);
    check_finite_map(e.upsampled[0], 64, 64);
    check_finite_map(e.upsampled[1], 140, 140);
    check_normalized(e.upsampled[1]);
    CHECK(std::all_of(e.channel_weights.begin(), e.channel_weights.end(), [](float w) { return std::isfinite(w); }));
  }
}

TEST_CASE("emotion model: CAM picks the class's channel of the last conv; top-3 and the layer sweep run") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_input();
  std::unique_ptr<Method> cam = make_method("cam"), grad_cam = make_method("grad-cam");
  Explanation e = explain_target(model, input, *cam, Target::of_class(3));  // happy
  std::vector<float> one_hot(7, 0.0f);
  one_hot[3] = 1.0f;
  CHECK(e.channel_weights == one_hot);

  std::vector<Explanation> top = explain_top_k(model, input, *grad_cam, 3);
  REQUIRE(top.size() == 3);
  for (int rank = 0; rank < 3; ++rank) CHECK(top[rank].target_class == top[0].prediction.ranking[rank]);

  std::vector<Explanation> sweep = explain_layer_sweep(model, input, *grad_cam);
  CHECK(sweep.size() == 18);  // every node from the first conv to conv2d_5 is spatial
  for (const Explanation& s : sweep) {
    CAPTURE(s.layer);
    check_finite_map(s.upsampled.at(0), 64, 64);
  }
}

// Not a test: a timing loop (run with --no-skip -tc='*timing*'). Median per explanation over 21
// runs after 2 warm-ups, for CAM, Grad-CAM and Grad-CAM++, wall and CPU time (the process's, so a
// busy machine shows in wall time only), with each step's median wall time.
TEST_CASE("emotion model: explanation timing" * doctest::skip()) {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_input();
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (const char* name : {"cam", "grad-cam", "grad-cam++"}) {
    std::unique_ptr<Method> method = make_method(name);
    std::vector<double> total, cpu, forward, backward, map, post;
    for (int run = 0; run < 23; ++run) {
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      Explanation e = explain_target(model, input, *method);
      const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      REQUIRE(std::isfinite(e.upsampled[0].values[0]));
      if (run < 2) continue;
      total.push_back(ms);
      cpu.push_back(cpu_ms);
      forward.push_back(e.timings.forward_ms);
      backward.push_back(e.timings.backward_ms);
      map.push_back(e.timings.map_ms);
      post.push_back(e.timings.postprocess_ms);
    }
    MESSAGE(std::string(name) << ": median " << median(total) << " ms wall, " << median(cpu) << " ms CPU (forward " << median(forward) << ", backward "
                 << median(backward) << ", map " << median(map) << ", post-process " << median(post) << ")");
  }
}
