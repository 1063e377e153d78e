// Score-CAM: masked forward passes in batches, softmax of the target's scores; progress and cancel.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// input 5x5x1 -> "features": 3x3 SAME conv, 3 channels, ReLU -> "gap" -> "logits": Dense 2.
// The layer has the input's size, so the masks need no upsampling (align_corners 5 -> 5 is exact).
Model same_size_model(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{5, 5, 1});
  Window2D same = Window2D::square(3, 1, PaddingMode::same);
  g.add(std::make_unique<Conv2D>("features", rng.tensor(Shape{3, 3, 1, 3}), rng.tensor(Shape{3}, 0.0f, 0.5f),
                                 ConvParams{same, Activation::relu}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{3, 2}, -2.0f, 2.0f), rng.tensor(Shape{2})), {"gap"});
  return make_model(std::move(g), "logits", "");
}

// The weights computed directly: mask_k = (A_k - min) / (max - min + 1e-8), one forward each.
std::vector<double> direct_weights(Model& model, const Tensor& input, int target) {
  model.graph.forward(input);
  const Tensor acts = model.graph.activation("features").clone();
  std::vector<double> scores;
  for (int k = 0; k < 3; ++k) {
    float lo = acts[k], hi = acts[k];
    for (int p = 0; p < 25; ++p) {
      lo = std::min(lo, acts[p * 3 + k]);
      hi = std::max(hi, acts[p * 3 + k]);
    }
    Tensor masked(input.shape());
    for (int p = 0; p < 25; ++p) masked[p] = input[p] * (acts[p * 3 + k] - lo) / (hi - lo + 1e-8f);
    scores.push_back(model.graph.forward(masked)[target]);
  }
  double total = 0.0;
  for (double& s : scores) total += s = std::exp(s);
  for (double& s : scores) s /= total;
  return scores;
}

// input 7x7x1 -> "features": 3x3 stride 2 VALID conv, 2 channels, ReLU [3, 3, 2] -> "gap" -> "logits": Dense 2.
Model smaller_layer_model(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{7, 7, 1});
  Window2D valid = Window2D::square(3, 2, PaddingMode::valid);
  g.add(std::make_unique<Conv2D>("features", rng.tensor(Shape{3, 3, 1, 2}), rng.tensor(Shape{2}, 0.0f, 0.5f),
                                 ConvParams{valid, Activation::relu}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{2, 2}, -3.0f, 3.0f), rng.tensor(Shape{2})), {"gap"});
  return make_model(std::move(g), "logits", "");
}

// Where output sample i of `out` samples reads from `in` samples: PyTorch's UpsamplingBilinear2d
// (align_corners=True) puts both grids' end samples on each other; half-pixel centres
// (align_corners=False, TensorFlow's resize) put the grids' edges on each other instead.
double source_position(int i, int in, int out, bool align_corners) {
  if (align_corners) return out == 1 ? 0.0 : static_cast<double>(i) * (in - 1) / (out - 1);
  return std::max(0.0, (i + 0.5) * in / out - 0.5);
}

// Score-CAM's weights for a 7x7 input and a [3, 3, 2] layer: channel k bilinearly upsampled to 7x7
// with the given convention, min-max scaled, masking the input; softmax of the target's logits.
std::vector<double> weights_with_masks(Model& model, const Tensor& input, int target, bool align_corners) {
  model.graph.forward(input);
  const Tensor acts = model.graph.activation("features").clone();
  std::vector<double> scores;
  for (int k = 0; k < 2; ++k) {
    std::vector<double> mask;
    for (int y = 0; y < 7; ++y) {
      const double sy = source_position(y, 3, 7, align_corners);
      const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, 2);
      for (int x = 0; x < 7; ++x) {
        const double sx = source_position(x, 3, 7, align_corners);
        const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, 2);
        auto a = [&](int row, int col) { return static_cast<double>(acts[(row * 3 + col) * 2 + k]); };
        const double top = a(y0, x0) + (sx - x0) * (a(y0, x1) - a(y0, x0));
        const double bottom = a(y1, x0) + (sx - x0) * (a(y1, x1) - a(y1, x0));
        mask.push_back(top + (sy - y0) * (bottom - top));
      }
    }
    const auto [lo, hi] = std::minmax_element(mask.begin(), mask.end());
    const double low = *lo, range = *hi - *lo + 1e-8;
    Tensor masked(input.shape());
    for (int p = 0; p < 49; ++p) masked[p] = static_cast<float>(input[p] * (mask[p] - low) / range);
    scores.push_back(model.graph.forward(masked)[target]);
  }
  double total = 0.0;
  for (double& s : scores) total += s = std::exp(s);
  for (double& s : scores) s /= total;
  return scores;
}

}  // namespace

TEST_CASE("Score-CAM: weights are the softmax of the target's logits on the masked inputs, whatever the batch") {
  Rng rng(61);
  Model model = same_size_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 5, 5, 1), 0.0f, 1.0f);
  std::unique_ptr<Method> score = make_method("score-cam");
  for (int target = 0; target < 2; ++target) {
    const std::vector<double> expected = direct_weights(model, input, target);
    for (int batch : {1, 2, 16}) {
      CAPTURE(target);
      CAPTURE(batch);
      Explanation e = explain_target(model, input, *score, Target::of_class(target), {.batch_size = batch});
      REQUIRE(e.channel_weights.size() == 3);
      // float32 forward passes vs the same passes one at a time: 1e-6.
      for (int k = 0; k < 3; ++k) CHECK(e.channel_weights[k] == doctest::Approx(expected[k]).epsilon(1e-6));
    }
  }
}

TEST_CASE("Score-CAM: a layer smaller than the input is upsampled as PyTorch's UpsamplingBilinear2d") {
  Rng rng(64);
  Model model = smaller_layer_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 7, 7, 1), 0.0f, 1.0f);
  std::unique_ptr<Method> score = make_method("score-cam");
  for (int target = 0; target < 2; ++target) {
    CAPTURE(target);
    const std::vector<double> expected = weights_with_masks(model, input, target, true);
    const std::vector<double> half_pixel = weights_with_masks(model, input, target, false);
    // The two conventions must disagree here, or this test could not tell them apart.
    REQUIRE(std::fabs(expected[0] - half_pixel[0]) > 1e-3);
    Explanation e = explain_target(model, input, *score, Target::of_class(target));
    REQUIRE(e.channel_weights.size() == 2);
    // float32 masks and forward passes against double masks: 1e-5.
    for (int k = 0; k < 2; ++k) CHECK(e.channel_weights[k] == doctest::Approx(expected[k]).epsilon(1e-5));
  }
}

TEST_CASE("Score-CAM: progress after every batch, cancel stops it with Cancelled") {
  Rng rng(62);
  Model model = residual_model(rng);  // "conv1" has 4 channels at 4x4, the input is 8x8
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> score = make_method("score-cam");
  std::vector<std::string> stages;
  std::vector<double> fractions;
  ExplainOptions options{.layer = "conv1", .batch_size = 3};
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    fractions.push_back(p.fraction);
    return true;
  };
  Explanation e = explain_target(model, input, *score, Target::top(), options);
  CHECK(stages == std::vector<std::string>{"forward", "score-cam masks 3/4", "score-cam masks 4/4", "score-cam"});
  CHECK(fractions == std::vector<double>{0.0, 0.75, 1.0, 1.0});
  CHECK(e.timings.forward_ms > 0.0);  // the masked passes count as forward time

  int calls = 0;
  options.batch_size = 1;
  options.progress = [&](const Progress& p) {
    ++calls;
    return p.stage != "score-cam masks 2/4";
  };
  CHECK_THROWS_WITH_AS(explain_target(model, input, *score, Target::top(), options),
                       doctest::Contains("cancelled by the progress callback after score-cam masks 2/4 (50% done)"),
                       Cancelled);
  CHECK(calls == 3);  // forward, 1/4, 2/4: no pass after the cancel
}

TEST_CASE("Score-CAM with top-K: each target's masked passes; the shared forward is redone for later backward passes") {
  Rng rng(63);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> score = make_method("score-cam");
  std::vector<Explanation> maps = explain_top_k(model, input, *score, 3);
  REQUIRE(maps.size() == 3);
  for (int rank = 0; rank < 3; ++rank) {
    Explanation alone = explain_target(model, input, *score, Target::ranked(rank));
    CHECK(alone.target_class == maps[rank].target_class);
    CHECK(alone.channel_weights == maps[rank].channel_weights);
  }
}
