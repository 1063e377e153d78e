// A model that reads only one region: a map on that region deletes what the model uses first, so its
// deletion curve drops to the floor at once and beats the random baseline by far; insertion and
// ROAD rank it above the baseline too.
#include <doctest/doctest.h>

#include <cmath>

#include "evaluate/baselines.h"
#include "evaluate/deletion.h"
#include "evaluate/insertion.h"
#include "evaluate/road.h"
#include "support/evaluate_models.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

// Class 0's logit on corner_image is the sum of the corner's features, about 8, minus 6: its
// probability starts near 0.9, far from both 1 and the floor.
constexpr float kBias = -6.0f;

// 1 on the top-left 5x5 of the 16x16 input (all the logits can see), 0 elsewhere.
explain::Map region_map() {
  explain::Map map(16, 16);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) map.at(y, x) = 1.0f;
  return map;
}

double mean_random_auc(Model& model, const Tensor& input, bool deletion) {
  double total = 0.0;
  for (int seed = 1; seed <= 5; ++seed) {
    VariantScorer scorer(model, input, 0, 16);
    const explain::Map random = random_map(16, 16, seed);
    total += deletion ? deletion_curve(scorer, random).auc : insertion_curve(scorer, random).auc;
  }
  return total / 5;
}

}  // namespace

TEST_CASE("deletion: a map on the only region the model reads gets an AUC near the floor") {
  Model model = test::region_model(kBias);
  const Tensor input = test::corner_image();
  // The floor: class 0's probability with the whole region deleted (its features all off).
  Tensor emptied = input.clone();
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) emptied.at(0, y, x, 0) = 0.0f;
  const double floor = class_probabilities(model, emptied, 0).front();
  CHECK(floor == doctest::Approx(1.0 / (1.0 + std::exp(-kBias))));

  VariantScorer scorer(model, input, 0, 16);
  const PixelCurve region = deletion_curve(scorer, region_map());
  CHECK(region.scores.front() > 0.8);
  CHECK(region.scores[2] == doctest::Approx(floor));  // 32 pixels deleted: the 25 of the region among them
  CHECK(region.auc < floor + 0.05);
  const double random = mean_random_auc(model, input, true);
  MESSAGE("deletion AUC: region ", region.auc, ", random ", random, ", floor ", floor);
  CHECK(random > region.auc + 0.15);
  CHECK(random > 4 * region.auc);
}

TEST_CASE("deletion: insertion and ROAD rank the region's map above the random one too") {
  Model model = test::region_model(kBias);
  const Tensor input = test::corner_image();
  VariantScorer scorer(model, input, 0, 16);
  const double region_insertion = insertion_curve(scorer, region_map()).auc;
  const double random_insertion = mean_random_auc(model, input, false);
  MESSAGE("insertion AUC: region ", region_insertion, ", random ", random_insertion);
  CHECK(region_insertion > random_insertion + 0.1);

  const RoadResult region_road = road(scorer, region_map());
  const RoadResult random_road = road(scorer, random_map(16, 16, 3));
  MESSAGE("ROAD combined: region ", region_road.combined, ", random ", random_road.combined);
  CHECK(region_road.morf_mean < random_road.morf_mean);
  CHECK(region_road.combined > random_road.combined + 0.05);
}
