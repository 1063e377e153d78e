// The batched path for many variants of one input: batches cover every variant once, in order,
// with the remainder last; the batch size chosen from the model is bounded; and every method and
// metric that runs variants gives the one-at-a-time result whatever the batch size.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "evaluate/scoring.h"
#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "explain/variants.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/softmax.h"
#include "support/explain_models.h"
#include "support/layer_params.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// input 10x10x3 -> "features" conv 3x3 relu (20 channels: batches of 3 and 16 both leave a
// remainder) -> depthwise 3x3 -> max-pool s2 -> conv 1x1 relu (6) -> gap -> "logits" Dense 4 ->
// softmax: every batched kernel kind, forward and backward.
Model twenty_channel_model() {
  Rng rng(7);
  Graph g;
  g.add_input("input", Shape{10, 10, 3});
  g.add(std::make_unique<Conv2D>("features", rng.tensor(Shape{3, 3, 3, 20}, -0.3f, 0.3f),
                                 rng.tensor(Shape{20}, -0.1f, 0.1f), ConvParams{Window2D::square(3, 1, PaddingMode::same), Activation::relu}),
        {"input"});
  g.add(std::make_unique<DepthwiseConv2D>("dw", rng.tensor(Shape{3, 3, 20, 1}, -0.5f, 0.5f),
                                          rng.tensor(Shape{20}, -0.1f, 0.1f), ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"features"});
  g.add(std::make_unique<MaxPool>("pool", Window2D::square(3, 2, PaddingMode::same)), {"dw"});
  g.add(std::make_unique<Conv2D>("mix", rng.tensor(Shape{1, 1, 20, 6}, -0.5f, 0.5f), rng.tensor(Shape{6}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(1, 1, PaddingMode::same), Activation::relu}),
        {"pool"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"mix"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{6, 4}, -1.0f, 1.0f), rng.tensor(Shape{4})), {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"logits"});
  return make_model(std::move(g), "logits", "probs");
}

Tensor random_image() {
  Rng rng(11);
  return rng.tensor(Shape::nhwc(1, 10, 10, 3), -1.0f, 1.0f);
}

// Explains with batches of 3, 16 and the model's own choice, and checks each raw map against
// batches of 1 (every variant alone).
void check_batching_keeps(Method& method, const std::string& layer = "") {
  Model model = twenty_channel_model();
  const Tensor image = random_image();
  const Explanation one_by_one = explain_target(model, image, method, Target::of_class(1), {.layer = layer, .batch_size = 1});
  REQUIRE(one_by_one.raw.values.size() > 1);
  for (int batch : {3, 16, 0}) {
    CAPTURE(batch);
    const Explanation batched = explain_target(model, image, method, Target::of_class(1), {.layer = layer, .batch_size = batch});
    REQUIRE(batched.raw.values.size() == one_by_one.raw.values.size());
    for (size_t p = 0; p < batched.raw.values.size(); ++p) {
      CAPTURE(p);
      CHECK(batched.raw.values[p] == doctest::Approx(one_by_one.raw.values[p]).epsilon(1e-5));
    }
  }
}

}  // namespace

TEST_CASE("variant batches: every variant once, in order, from the input, the remainder last") {
  Tensor input(Shape::nhwc(1, 2, 2, 1), std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
  std::vector<int> firsts, sizes;
  std::vector<float> seen;
  for_each_variant_batch(
      input, 7, 3,
      [&](int index, std::span<float> item) {
        CHECK(item.size() == 4);
        CHECK(item[3] == 4.0f);  // the input's values on entry
        item[0] = static_cast<float>(index);
      },
      [&](int first, const Tensor& batch) {
        firsts.push_back(first);
        sizes.push_back(batch.shape().n());
        CHECK(batch.shape() == Shape::nhwc(batch.shape().n(), 2, 2, 1));
        for (int item = 0; item < batch.shape().n(); ++item) seen.push_back(batch[item * 4]);
      });
  CHECK(firsts == std::vector<int>{0, 3, 6});
  CHECK(sizes == std::vector<int>{3, 3, 1});
  CHECK(seen == std::vector<float>{0, 1, 2, 3, 4, 5, 6});
  CHECK_THROWS_WITH_AS(for_each_variant_batch(input, 2, 0, {}, {}), doctest::Contains("at least 1"), Error);
}

TEST_CASE("variant batch size: as asked, else as many as keep the largest layer in the cache budget, capped") {
  Model small = twenty_channel_model();
  // "dw" reads and writes 10 x 10 x 20 floats each: 15.6 KiB, far below the budget: the cap decides.
  CHECK(variant_working_set_bytes(small) == doctest::Approx(2 * 10 * 10 * 20 * 4));
  CHECK(variant_batch_size(small, 5) == 5);
  CHECK(variant_batch_size(small, 0) == kMaxVariantBatch);

  Model large;
  large.graph.add_input("input", Shape{1024, 1024, 32});  // 128 MiB a variant: still one at a time
  CHECK(variant_batch_size(large, 0) == 1);
  Model wide;
  wide.graph.add_input("input", Shape{64, 64, 16});  // 256 KiB a variant: 8 fit in 2 MiB
  CHECK(variant_batch_size(wide, 0) == 8);
  CHECK_THROWS_WITH_AS(variant_batch_size(small, -1), doctest::Contains("positive"), Error);
}

TEST_CASE("Score-CAM gives the one-at-a-time weights in batches of 3, 16 and the model's choice") {
  std::unique_ptr<Method> score_cam = make_method("score-cam");
  check_batching_keeps(*score_cam, "features");
}

TEST_CASE("occlusion gives the one-at-a-time map in batches of 3, 16 and the model's choice") {
  // Patch 3, stride 2 on 10 x 10: 5 x 5 = 25 positions.
  std::unique_ptr<Method> occlusion = make_occlusion({.patch = 3, .stride = 2});
  check_batching_keeps(*occlusion);
}

TEST_CASE("SmoothGrad gives the one-at-a-time map in batches of 3, 16 and the model's choice") {
  std::unique_ptr<Method> smooth_grad = make_smooth_grad({.samples = 25, .noise_fraction = 0.15f, .seed = 3});
  check_batching_keeps(*smooth_grad);
}

TEST_CASE("Integrated Gradients gives the one-at-a-time map in batches of 3, 16 and the model's choice") {
  IntegratedGradients integrated({.steps = 20});
  check_batching_keeps(integrated);
}

TEST_CASE("the metrics' scorer gives the one-at-a-time probabilities in batches of 3, 16 and the model's choice") {
  Model model = twenty_channel_model();
  const Tensor image = random_image();
  const auto darken = [](int index, std::span<float> item) {
    for (size_t i = 0; i < item.size(); ++i) item[i] *= 1.0f - 0.05f * static_cast<float>(index);
  };
  evaluate::VariantScorer alone(model, image, 2, 1);
  const std::vector<double> expected = alone.score(20, darken, "darken");
  for (int batch : {3, 16, 0}) {
    CAPTURE(batch);
    evaluate::VariantScorer scorer(model, image, 2, batch);
    const std::vector<double> scores = scorer.score(20, darken, "darken");
    REQUIRE(scores.size() == expected.size());
    for (size_t i = 0; i < scores.size(); ++i) CHECK(scores[i] == doctest::Approx(expected[i]).epsilon(1e-5));
  }
}
