#include "train/loss.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

double mean_loss(const Tensor& logits, const std::vector<int>& labels) {
  Tensor probabilities;
  return softmax_cross_entropy_forward(probabilities, logits, labels);
}

}  // namespace

TEST_CASE("softmax cross-entropy: hand-worked rows") {
  // Row 0: logits [ln 3, 0, 0] -> softmax [3/5, 1/5, 1/5]; label 1 -> -ln(1/5) = ln 5.
  // Row 1: logits [2, 2, 2] -> uniform; label 2 -> ln 3.  Mean: (ln 5 + ln 3) / 2 = ln(15) / 2.
  Tensor logits(Shape{2, 3}, std::vector<float>{std::log(3.0f), 0.0f, 0.0f, 2.0f, 2.0f, 2.0f});
  const std::vector<int> labels{1, 2};
  Tensor probabilities;
  const float loss = softmax_cross_entropy_forward(probabilities, logits, labels);
  CHECK(loss == doctest::Approx(std::log(15.0) / 2.0).epsilon(1e-6));
  CHECK(probabilities.shape() == Shape{2, 3});
  CHECK(probabilities[0] == doctest::Approx(0.6f));
  CHECK(probabilities[1] == doctest::Approx(0.2f));
  CHECK(probabilities[4] == doctest::Approx(1.0f / 3.0f));

  // Gradient of the mean: (p - one_hot) / N, accumulated onto what d_logits held.
  Tensor d_logits(Shape{2, 3}, std::vector<float>{1, 1, 1, 1, 1, 1});
  softmax_cross_entropy_backward(d_logits, probabilities, labels);
  CHECK(d_logits[0] == doctest::Approx(1.0f + 0.6f / 2.0f));
  CHECK(d_logits[1] == doctest::Approx(1.0f + (0.2f - 1.0f) / 2.0f));
  CHECK(d_logits[5] == doctest::Approx(1.0f + (1.0f / 3.0f - 1.0f) / 2.0f));
}

TEST_CASE("softmax cross-entropy: stable for huge logits") {
  Tensor logits(Shape{2, 2}, std::vector<float>{1000.0f, 0.0f, 1000.0f, 0.0f});
  const std::vector<int> labels{0, 1};
  Tensor probabilities;
  // Row 0 is certain and right (loss 0); row 1 certain and wrong (loss 1000): mean 500.
  CHECK(softmax_cross_entropy_forward(probabilities, logits, labels) == doctest::Approx(500.0f));
  for (float p : probabilities.values()) CHECK(std::isfinite(p));
  CHECK(probabilities[0] == 1.0f);
  CHECK(probabilities[3] == 0.0f);
}

TEST_CASE("softmax cross-entropy: gradient matches central differences") {
  Rng rng(7);
  for (int classes : {2, 5, 10}) {
    CAPTURE(classes);
    Tensor logits = rng.tensor(Shape{3, classes}, -3.0f, 3.0f);
    std::vector<int> labels{0, classes - 1, classes / 2};
    Tensor probabilities, d_logits(logits.shape());
    softmax_cross_entropy_forward(probabilities, logits, labels);
    softmax_cross_entropy_backward(d_logits, probabilities, labels);
    // The loss is smooth; with eps 1e-2 on float logits (loss summed in double) the central
    // difference is within ~1e-4 of the truth, so abs 5e-4 + 1% relative leaves margin.
    const float eps = 1e-2f;
    for (size_t i = 0; i < logits.size(); ++i) {
      const float saved = logits[i];
      logits[i] = saved + eps;
      const double plus = mean_loss(logits, labels);
      logits[i] = saved - eps;
      const double minus = mean_loss(logits, labels);
      logits[i] = saved;
      const double numeric = (plus - minus) / (2.0 * eps);
      CHECK_MESSAGE(std::fabs(d_logits[i] - numeric) <= 5e-4 + 1e-2 * std::fabs(numeric),
                    "d_logits[" << i << "] " << d_logits[i] << " vs " << numeric);
    }
  }
}

TEST_CASE("count_correct: argmax, first maximum on ties") {
  Tensor logits(Shape{3, 3}, std::vector<float>{0, 5, 1, 2, 2, 0, -1, -2, -3});
  CHECK(count_correct(logits, std::vector<int>{1, 0, 0}) == 3);
  CHECK(count_correct(logits, std::vector<int>{1, 1, 2}) == 1);
}

TEST_CASE("softmax cross-entropy: bad labels and shapes are errors") {
  Tensor probabilities;
  Tensor logits(Shape{2, 3});
  CHECK_THROWS_WITH_AS(softmax_cross_entropy_forward(probabilities, logits, std::vector<int>{0}),
                       doctest::Contains("[2, 3] have 2 rows but 1 labels"), Error);
  CHECK_THROWS_WITH_AS(softmax_cross_entropy_forward(probabilities, logits, std::vector<int>{0, 3}),
                       doctest::Contains("label 3 of row 1 is outside [0, 3)"), Error);
  CHECK_THROWS_WITH_AS(count_correct(Tensor(Shape::nhwc(2, 1, 1, 3)), std::vector<int>{0, 1}),
                       doctest::Contains("logits must be [N, classes], got [2, 1, 1, 3]"), Error);
  Tensor wrong_grad(Shape{3, 2});
  softmax_cross_entropy_forward(probabilities, logits, std::vector<int>{0, 1});
  CHECK_THROWS_AS(softmax_cross_entropy_backward(wrong_grad, probabilities, std::vector<int>{0, 1}), Error);
}
