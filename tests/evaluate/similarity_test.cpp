// Spearman's rank correlation and SSIM, worked by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "evaluate/similarity.h"

using namespace camlens::evaluate;
using camlens::explain::Map;

TEST_CASE("similarity: Spearman's correlation, with ties sharing their average rank") {
  // One swap in four: 1 - 6 * (1 + 1) / (4 * 15) = 0.8.
  CHECK(spearman(std::vector<float>{1, 2, 3, 4}, std::vector<float>{10, 30, 20, 40}) == doctest::Approx(0.8));
  CHECK(spearman(std::vector<float>{1, 2, 3}, std::vector<float>{3, 2, 1}) == doctest::Approx(-1.0));
  // Ranks 1.5, 1.5, 3 against 1, 2, 3: covariance 1.5, variances 1.5 and 2.
  CHECK(spearman(std::vector<float>{5, 5, 7}, std::vector<float>{1, 2, 3}) == doctest::Approx(1.5 / std::sqrt(3.0)));
  CHECK(std::isnan(spearman(std::vector<float>{2, 2, 2}, std::vector<float>{1, 2, 3})));
}

TEST_CASE("similarity: SSIM of one 7x7 window, worked by hand") {
  Map a(7, 7), b(7, 7);
  for (int i = 0; i < 49; ++i) a.values[i] = static_cast<float>(i % 5) / 4.0f;
  CHECK(ssim(a, a) == doctest::Approx(1.0));
  // b = a + 0.25: the same structure, only the brightness moves, so SSIM is the luminance term.
  double mean = 0.0;
  for (int i = 0; i < 49; ++i) {
    b.values[i] = a.values[i] + 0.25f;
    mean += a.values[i] / 49.0;
  }
  const double c1 = 0.01 * 0.01;
  CHECK(ssim(a, b) == doctest::Approx((2 * mean * (mean + 0.25) + c1) / (mean * mean + (mean + 0.25) * (mean + 0.25) + c1)));
  // a / 2: the contrast halved; variances are sample variances (49 / 48 of the population's).
  Map half(7, 7);
  double population = 0.0;
  for (int i = 0; i < 49; ++i) {
    half.values[i] = a.values[i] / 2;
    population += (a.values[i] - mean) * (a.values[i] - mean) / 49.0;
  }
  const double c2 = 0.03 * 0.03, var = population * 49.0 / 48.0;
  const double luminance = (2 * mean * mean / 2 + c1) / (mean * mean + mean * mean / 4 + c1);
  CHECK(ssim(a, half) == doctest::Approx(luminance * (2 * var / 2 + c2) / (var + var / 4 + c2)).epsilon(1e-9));
  // 1 - a: the structure reversed, the covariance negative.
  Map inverted(7, 7);
  for (int i = 0; i < 49; ++i) inverted.values[i] = 1.0f - a.values[i];
  CHECK(ssim(a, inverted) < -0.5);
  CHECK_THROWS_WITH(ssim(Map(6, 7), Map(6, 7)), doctest::Contains("at least 7 x 7"));
}
