// The path every faithfulness metric shares, on cases worked by hand: the ranking of a map's
// pixels, the step schedule, the area under a curve, and a deletion curve through a linear model.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "evaluate/deletion.h"
#include "evaluate/scoring.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

// Input 2x3x1 -> flatten -> logits: class 0 = sum of weight * pixel, class 1 = 0; so
// p(class 0) = sigmoid(class 0's logit).
Model linear_model(const std::vector<float>& weights) {
  Graph g;
  g.add_input("input", Shape{2, 3, 1});
  g.add(std::make_unique<Flatten>("flat"), {"input"});
  Tensor kernel(Shape{6, 2});
  for (int i = 0; i < 6; ++i) kernel[i * 2] = weights[i];
  g.add(std::make_unique<Dense>("logits", std::move(kernel), Tensor(Shape{2})), {"flat"});
  return test::make_model(std::move(g), "logits", "");
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

explain::Map map_of(int height, int width, std::vector<float> values) {
  explain::Map map(height, width);
  map.values = std::move(values);
  return map;
}

}  // namespace

TEST_CASE("evaluate: the area under a curve is the trapezoidal rule over [0, 1]") {
  // Two intervals of width 1/2: (1 + 0.2) / 2 / 2 + (0.2 + 0.1) / 2 / 2 = 0.375.
  const std::vector<double> curve{1.0, 0.2, 0.1};
  CHECK(curve_auc(curve) == doctest::Approx(0.375));
  const std::vector<double> flat{0.7, 0.7, 0.7, 0.7};
  CHECK(curve_auc(flat) == doctest::Approx(0.7));
  const std::vector<double> one{0.5};
  CHECK_THROWS_WITH(curve_auc(one), doctest::Contains("at least 2 points"));
}

TEST_CASE("evaluate: the step schedule changes `step` pixels at a time, the last step what is left") {
  CHECK(step_schedule(10, 4) == std::vector<int>{0, 4, 8, 10});
  CHECK(step_schedule(9, 3) == std::vector<int>{0, 3, 6, 9});
  CHECK(step_schedule(3, 5) == std::vector<int>{0, 3});
  CHECK_THROWS_WITH(step_schedule(4, 0), doctest::Contains("one pixel per step"));
}

TEST_CASE("evaluate: pixels rank highest value first, equal values by index") {
  CHECK(rank_pixels(map_of(1, 5, {0.5f, 0.9f, 0.5f, 0.1f, 0.9f})) == std::vector<int>{1, 4, 0, 2, 3});
}

TEST_CASE("evaluate: a deletion curve through a linear model, worked by hand (step 2, batches of 3)") {
  const std::vector<float> weights{3, 0, 1, 0, 2, 0};
  Model model = linear_model(weights);
  Tensor input(Shape::nhwc(1, 2, 3, 1));
  input.fill(1.0f);
  // The map ranks pixels 0 (3), 4 (2), 2 (1), then the zeros 1, 3, 5 by index; removing two a
  // step, the logit goes 6 -> 6 - 3 - 2 = 1 -> 1 - 1 - 0 = 0 -> 0.
  const explain::Map map = map_of(2, 3, weights);
  VariantScorer scorer(model, input, 0, 3);
  const PixelCurve curve = deletion_curve(scorer, map, {.step = 2});
  CHECK(curve.changed == std::vector<int>{0, 2, 4, 6});
  REQUIRE(curve.scores.size() == 4);
  CHECK(curve.scores[0] == doctest::Approx(sigmoid(6)));
  CHECK(curve.scores[1] == doctest::Approx(sigmoid(1)));
  CHECK(curve.scores[2] == doctest::Approx(0.5));
  CHECK(curve.scores[3] == doctest::Approx(0.5));
  CHECK(curve.auc == doctest::Approx((sigmoid(6) / 2 + sigmoid(1) + 0.5 + 0.25) / 3));
  CHECK(scorer.forward_passes() == 2);  // 4 variants in batches of 3

  // The default step is the input's width: 3 pixels, so points at 0, 3, 6.
  VariantScorer by_width(model, input, 0, 16);
  CHECK(deletion_curve(by_width, map).changed == std::vector<int>{0, 3, 6});
  // Deleting to 1.0, the value every pixel has already, changes nothing.
  const PixelCurve unchanged = deletion_curve(by_width, map, {.deletion_value = 1.0});
  for (double score : unchanged.scores) CHECK(score == doctest::Approx(sigmoid(6)));
}

TEST_CASE("evaluate: a map of the wrong size is refused with the size it needs") {
  Model model = linear_model({1, 0, 0, 0, 0, 0});
  Tensor input(Shape::nhwc(1, 2, 3, 1));
  VariantScorer scorer(model, input, 0, 4);
  CHECK_THROWS_WITH(deletion_curve(scorer, explain::Map(3, 2)), doctest::Contains("at the input's size 2 x 3"));
}
