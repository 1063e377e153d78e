// Confidence change and the baselines, worked by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "evaluate/baselines.h"
#include "evaluate/confidence.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

// Input 1x2x1 -> logits: class 0 = 2 * pixel 0 - pixel 1, class 1 = 0.
Model two_pixel_model() {
  Graph g;
  g.add_input("input", Shape{1, 2, 1});
  g.add(std::make_unique<Flatten>("flat"), {"input"});
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{2, 2}, std::vector<float>{2, 0, -1, 0}), Tensor(Shape{2})), {"flat"});
  return test::make_model(std::move(g), "logits", "");
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("confidence: the input times the map against the input, worked by hand") {
  Model model = two_pixel_model();
  Tensor input(Shape::nhwc(1, 1, 2, 1), std::vector<float>{1.0f, 1.0f});
  explain::Map keep_first(1, 2);
  keep_first.values = {1.0f, 0.0f};  // logit 2 - 1 = 1 becomes 2
  VariantScorer scorer(model, input, 0, 4);
  const ConfidenceChange up = confidence_change(scorer, keep_first);
  CHECK(up.before == doctest::Approx(sigmoid(1)));
  CHECK(up.after == doctest::Approx(sigmoid(2)));
  CHECK(up.change == doctest::Approx(sigmoid(2) - sigmoid(1)));
  CHECK(up.drop == 0.0);
  CHECK(up.increase);

  explain::Map halve_first(1, 2);
  halve_first.values = {0.5f, 1.0f};  // logit 1 - 1 = 0
  const ConfidenceChange down = confidence_change(scorer, halve_first);
  CHECK(down.after == doctest::Approx(0.5));
  CHECK(down.drop == doctest::Approx((sigmoid(1) - 0.5) / sigmoid(1)));
  CHECK_FALSE(down.increase);
}

TEST_CASE("baselines: the random map is seeded and uniform on [0, 1)") {
  const explain::Map a = random_map(8, 9, 4), b = random_map(8, 9, 4), c = random_map(8, 9, 5);
  CHECK(a.values == b.values);
  CHECK(a.values != c.values);
  for (float v : a.values) CHECK((v >= 0.0f && v < 1.0f));
}

TEST_CASE("baselines: the Sobel map lights a step edge and nothing flat") {
  Tensor input(Shape::nhwc(1, 5, 6, 2));
  for (int y = 0; y < 5; ++y)
    for (int x = 3; x < 6; ++x) input.at(0, y, x, 0) = 1.0f;  // a vertical edge between columns 2 and 3, channel 0
  const explain::Map edges = sobel_map(input);
  for (int y = 0; y < 5; ++y) {
    CHECK(edges.at(y, 0) == 0.0f);
    CHECK(edges.at(y, 5) == 0.0f);
    // gx = 4 on both sides of the edge, the largest value: min-max makes it 1 - 1e-7 relative.
    CHECK(edges.at(y, 2) == doctest::Approx(1.0).epsilon(1e-5));
    CHECK(edges.at(y, 3) == doctest::Approx(1.0).epsilon(1e-5));
  }
}
