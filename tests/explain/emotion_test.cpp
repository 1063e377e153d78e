// Integration: every method on the shipped emotion model (models/emotion), batch 1.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "explain/layer_sweep.h"
#include "image/decode.h"
#include "image/preprocess.h"
#include "io/model_input.h"
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

// Values within `tolerance` of TensorFlow.js's, element by element.
void check_close(std::span<const float> ours, const std::vector<double>& theirs, double tolerance) {
  REQUIRE(ours.size() == theirs.size());
  for (size_t i = 0; i < theirs.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(ours[i] - theirs[i]) <= tolerance);
  }
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

// The reference values below are TensorFlow.js's (cpu backend, tf.loadGraphModel on the same
// model.json and emotion.bin, the input built with the same float operations): logits with
// model.execute(x, the Mean node), the head conv's activations with model.execute(x, conv2d_5/BiasAdd).
// Tolerance 1e-4 on values up to about 18: float32 in both, summed in different orders.
TEST_CASE("emotion model: on the smooth pattern, logits and CAM's map are TensorFlow.js's") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_input();
  const std::vector<double> logits{-2.312589, -4.139900, -0.8652919, 0.8092067, 1.453428, -0.1911824, -0.5195033};
  const Tensor& probabilities = model.graph.forward(input);
  check_close(model.graph.activation(model.logits).values(), logits, 1e-4);
  // softmax of those logits: sad (4) with 0.5044, then happy (3) with 0.2649.
  check_close(probabilities.values(), {0.01167433, 0.001877764, 0.04963468, 0.2648565, 0.5044203, 0.09739738, 0.07013895},
              1e-5);

  // CAM of the top class is the head conv's "sad" channel, 8x8, before any normalisation.
  const std::vector<double> sad_channel{
      -0.3761209, -1.553010, 0.3081033,  1.490814,   1.834649,   1.702208,   1.479625,   0.7423521,
      -2.294314,  -3.437075, -1.619323,  0.1611212,  2.925995,   2.970781,   2.067193,   1.119973,
      -1.714283,  -1.697861, 2.637398,   6.079413,   9.120731,   9.256639,   7.219474,   4.392072,
      1.137557,   2.193091,  4.474449,   3.959236,   2.988118,   2.232074,   0.4481844,  -0.2606254,
      0.7137099,  1.721434,  3.500600,   2.799875,   1.667524,   -0.1019426, -1.359853,  0.01954145,
      4.989486,   6.540080,  3.180300,   -0.2868115, -2.709589,  -3.027521,  -2.767866,  -0.2430832,
      2.899411,   2.103543,  1.164172,   1.263888,   -0.1819170, -0.5128887, -0.9174164, -0.2814939,
      2.542893,   1.461527,  1.183151,   1.284868,   1.128416,   1.879902,   2.082110,   1.294723};
  std::unique_ptr<Method> cam = make_method("cam");
  const Explanation e = explain_target(model, input, *cam, Target::top());
  CHECK(e.target_class == 4);
  check_close(e.raw.values, sad_channel, 1e-4);
}

TEST_CASE("emotion model: the astronaut face fixture is happy with TensorFlow.js's logits") {
  // TensorFlow.js's side: the RGB bytes resized to 64x64 by tf.image.resizeBilinear with half-pixel
  // centres, /255, gray = 0.2989 R + 0.587 G + 0.114 B, (gray - 0.5) * 2: the metadata's recipe.
  Model model = load_model_file("models/emotion/model.json");
  const Image face = decode_image_file("tests/fixtures/images/astronaut_face.png");
  REQUIRE((face.width() == 140 && face.height() == 140));
  const CropBox box = default_crop_box(model.metadata.crop, face.width(), face.height());
  const Tensor input = preprocess_image(face, preprocess_spec(model.metadata, box));
  const Tensor& probabilities = model.graph.forward(input);
  check_close(model.graph.activation(model.logits).values(),
              {-2.220794, -17.92118, -1.711498, 12.73579, -3.005804, -0.8107466, 1.945001}, 1e-4);
  CHECK(probabilities[3] == doctest::Approx(0.9999771).epsilon(1e-5));  // happy
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
