#include "layers/binary_score.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "layers/softmax.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// The plain loop as the specification: half the log-odds of the clamped score, negated for class 0.
std::vector<float> reference(const std::vector<float>& scores) {
  std::vector<float> out;
  for (float s : scores) {
    const double p = std::min(std::max(static_cast<double>(s), 1e-6), 1.0 - 1e-6);
    const double half = 0.5 * std::log(p / (1.0 - p));
    out.push_back(static_cast<float>(-half));
    out.push_back(static_cast<float>(half));
  }
  return out;
}

}  // namespace

TEST_CASE("BinaryScore: the softmax of its two logits gives back [1 - s, s]") {
  const std::vector<float> scores{0.5f, 0.9f, 0.01f, 0.999f};
  Tensor x(Shape{4, 1}, scores);
  BinaryScore layer("binary");
  Tensor y = run_forward(layer, {&x});
  REQUIRE(y.shape() == Shape{4, 2});
  const std::vector<float> expected = reference(scores);
  for (size_t i = 0; i < expected.size(); ++i) CHECK(y[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  Tensor probabilities(y.shape());
  softmax_forward(probabilities, y);
  for (size_t n = 0; n < scores.size(); ++n) {
    CHECK(probabilities[2 * n + 1] == doctest::Approx(scores[n]).epsilon(1e-5));
    CHECK(probabilities[2 * n] == doctest::Approx(1.0f - scores[n]).epsilon(1e-5));
  }
}

TEST_CASE("BinaryScore: scores outside 0..1 (a regression head's) are clamped, never infinite") {
  Tensor x(Shape{3, 1}, std::vector<float>{-0.2f, 1.0f, 1.3f});
  BinaryScore layer("binary");
  Tensor y = run_forward(layer, {&x});
  for (float v : y.values()) CHECK(std::isfinite(v));
  CHECK(y[0] > 6.0f);   // -l/2 for the floor: about 6.9
  CHECK(y[3] > 6.0f);   // l/2 for the ceiling
  CHECK(y[3] == y[5]);  // 1.0 and 1.3 both sit at the ceiling
}

TEST_CASE("BinaryScore backward matches finite differences inside 0..1") {
  Rng rng(93);
  Tensor x = rng.tensor(Shape{6, 1}, 0.15f, 0.85f);
  BinaryScore layer("binary");
  check_input_gradient(layer, {&x}, 0, Tolerance{1e-3f, 1e-3, 1e-2});
}

TEST_CASE("BinaryScore backward: each class follows +-ds, and a saturated score still passes its gradient") {
  Tensor x(Shape{2, 1}, std::vector<float>{0.8f, 1.0f});
  BinaryScore layer("binary");
  Tensor y = run_forward(layer, {&x});
  const Tensor* in[] = {&x};
  // Class 1 of item 0, class 0 of item 1.
  Tensor g(y.shape(), std::vector<float>{0, 1, 1, 0});
  Tensor d(x.shape());
  Tensor* d_in[] = {&d};
  layer.backward(d_in, g, in, y, {});
  CHECK(d[0] == doctest::Approx(1.0 / (2 * 0.8 * 0.2)));
  CHECK(d[1] < 0.0f);  // the first class's gradient is the score's, negated, even at the ceiling
  CHECK(std::isfinite(d[1]));
}

TEST_CASE("BinaryScore refuses anything but one score per item") {
  const Shape two[] = {Shape{1, 2}};
  CHECK_THROWS_WITH_AS(BinaryScore("b").output_shape(two),
                       doctest::Contains("BinaryScore 'b': needs one score per item ([N, 1]), got [1, 2]"), Error);
}
