// RISE's insertion substrate worked by hand: gkern(11, 5) (SciPy's gaussian_filter of an impulse,
// reflected edges) and its zero-padded blur; and the curve's ends.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "evaluate/insertion.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

// exp(-t^2 / (2 * 5^2)) normalised over SciPy's taps -20..20.
double tap(int t) {
  double total = 0.0;
  for (int s = -20; s <= 20; ++s) total += std::exp(-s * s / 50.0);
  return std::exp(-t * t / 50.0) / total;
}

}  // namespace

TEST_CASE("insertion: RISE's kernel, its reflected taps worked by hand") {
  const std::vector<double> k = rise_kernel();
  REQUIRE(k.size() == 11);
  // The centre gathers taps 0 and +-11 (reflected back onto it); the edge sample 0 gathers
  // 5, -6, 16 and -17 (reflect: -1 -> 0, 11 -> 10, 22 -> 0 ...).
  CHECK(k[5] == doctest::Approx(tap(0) + 2 * tap(11)).epsilon(1e-12));
  CHECK(k[0] == doctest::Approx(tap(5) + tap(6) + tap(16) + tap(17)).epsilon(1e-12));
  CHECK(std::accumulate(k.begin(), k.end(), 0.0) == doctest::Approx(1.0).epsilon(1e-12));
  for (int i = 0; i < 5; ++i) CHECK(k[i] == doctest::Approx(k[10 - i]).epsilon(1e-12));
  CHECK(k[0] < k[5]);  // still a bump, if a flat one

  // gkern(3, 1): taps -4..4; the centre gathers taps 0 and +-3, the edge sample 0 taps 1, -2 and 4.
  const std::vector<double> small = rise_kernel(3, 1.0);
  double total = 0.0;
  for (int t = -4; t <= 4; ++t) total += std::exp(-t * t / 2.0);
  CHECK(small[1] == doctest::Approx((1.0 + 2 * std::exp(-4.5)) / total).epsilon(1e-12));
  CHECK(small[0] == doctest::Approx((std::exp(-0.5) + std::exp(-2.0) + std::exp(-8.0)) / total).epsilon(1e-12));
  CHECK_THROWS_WITH(rise_kernel(4, 1.0), doctest::Contains("odd number of taps"));
}

TEST_CASE("insertion: the blur keeps a constant inside and pads with zeros at the edges") {
  Tensor image(Shape::nhwc(1, 13, 12, 2));
  image.fill(2.0f);
  const Tensor blurred = rise_blur(image);
  const std::vector<double> k = rise_kernel();
  const double half = k[5] + k[6] + k[7] + k[8] + k[9] + k[10];  // the taps inside at the edge
  CHECK(blurred.at(0, 6, 6, 1) == doctest::Approx(2.0).epsilon(1e-6));
  CHECK(blurred.at(0, 0, 0, 0) == doctest::Approx(2.0 * half * half).epsilon(1e-6));
  CHECK(blurred.at(0, 6, 0, 1) == doctest::Approx(2.0 * half).epsilon(1e-6));
}

TEST_CASE("insertion: the curve starts on the blurred input and ends on the input") {
  test::PortableRng rng(5);
  Model model = test::smooth_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 7, 5, 3));
  explain::Map map(7, 5);
  for (size_t i = 0; i < map.values.size(); ++i) map.values[i] = static_cast<float>((i * 7) % 11);
  VariantScorer scorer(model, input, 1, 4);
  const PixelCurve curve = insertion_curve(scorer, map);
  REQUIRE(curve.changed == std::vector<int>{0, 5, 10, 15, 20, 25, 30, 35});
  CHECK(curve.scores.front() == doctest::Approx(class_probabilities(model, rise_blur(input), 1).front()));
  CHECK(curve.scores.back() == doctest::Approx(class_probabilities(model, input, 1).front()));
  CHECK(curve.scores.front() != doctest::Approx(curve.scores.back()));
}
