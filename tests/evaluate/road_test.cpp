// ROAD's removal against road.py's own rule (np.percentile's threshold) on a map without ties, and
// its score changes on a model worked by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "evaluate/baselines.h"
#include "evaluate/road.h"
#include "evaluate/scoring.h"
#include "support/evaluate_models.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

// np.percentile(values, p) with its default linear interpolation.
double numpy_percentile(std::vector<double> values, int p) {
  std::sort(values.begin(), values.end());
  const double position = p / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(position)), hi = static_cast<size_t>(std::ceil(position));
  return values[lo] + (values[hi] - values[lo]) * (position - static_cast<double>(lo));
}

}  // namespace

TEST_CASE("road: the pixels removed are road.py's, most and least relevant first") {
  const explain::Map map = random_map(9, 7, 21);  // no two values equal
  const std::vector<int> ranking = rank_pixels(map);
  std::vector<double> values(map.values.begin(), map.values.end()), inverted;
  for (double v : values) inverted.push_back(1.0 - v);
  for (int p = 10; p <= 90; p += 10) {
    // RemoveMostRelevantFirst keeps map < threshold; RemoveLeastRelevantFirst does so on 1 - map.
    const double most = numpy_percentile(values, p), least = numpy_percentile(inverted, p);
    const std::vector<std::uint8_t> morf = road_removal(ranking, p, true), lerf = road_removal(ranking, p, false);
    for (size_t i = 0; i < values.size(); ++i) {
      CHECK(static_cast<bool>(morf[i]) == !(values[i] < most));
      CHECK(static_cast<bool>(lerf[i]) == !(inverted[i] < least));
    }
  }
  CHECK(road_removed_count(63, 10) == 63 - 7);  // position 6.2: 7 kept
  CHECK(road_removed_count(63, 50) == 63 - 31);  // position 31 exactly: its pixel goes too
}

TEST_CASE("road: a model blind to the removed pixels scores no change; the combined score is (LeRF - MoRF) / 2") {
  Model model = test::region_model(-6.0f);  // off saturation: removing the corner shows
  const Tensor input = test::corner_image();
  // A map highest far from the top-left corner the model reads: MoRF removes what it ignores, and
  // LeRF removes the corner.
  explain::Map far(16, 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) far.at(y, x) = static_cast<float>(y + x);
  VariantScorer scorer(model, input, 0, 8);
  const RoadResult result = road(scorer, far, {.percentiles = {50, 90}});
  REQUIRE(result.morf.size() == 2);
  // At 90 MoRF removes the 26 pixels farthest from the corner, 50 the 128 farthest: none the model reads.
  CHECK(result.morf[1] == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(result.morf[0] == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(result.lerf[0] < -0.3);  // the corner imputed from its dull neighbourhood
  CHECK(result.combined == doctest::Approx((result.lerf_mean - result.morf_mean) / 2));
  CHECK(result.morf_mean == doctest::Approx((result.morf[0] + result.morf[1]) / 2));
  CHECK(scorer.forward_passes() == 2);  // the input, then 4 variants in one batch
}
