#pragma once
// ROAD, RemOve And Debias (Rong et al. 2022), as pytorch-grad-cam's metrics/road.py computes it:
// for each percentile p, the pixels from the p-th percentile of the map up (most relevant first,
// MoRF) or, with the map inverted, the least relevant ones (LeRF) are removed and imputed by noisy
// linear imputation (imputation.h); the score is the class's probability after imputation minus
// before. Averaged over the percentiles: a faithful map makes MoRF fall far and LeRF little, so
// combined = (LeRF - MoRF) / 2 is higher for a better map.
//
// Removal goes by rank (rank_pixels: ties by index), the same count of pixels road.py removes:
// n - ceil(p / 100 * (n - 1)). On a map without ties this is exactly road.py's set; on a map with a
// flat part (ReLU's zeros) road.py's threshold can take every pixel and leave nothing to impute
// from, where the ranking still removes that share.
#include <cstdint>
#include <vector>

#include "evaluate/scoring.h"

namespace camlens::evaluate {

struct RoadOptions {
  std::vector<int> percentiles = {10, 20, 30, 40, 50, 60, 70, 80, 90};
  double noise = 0.01;     // the imputation's noise, in the model's input values
  std::uint32_t seed = 0;  // of the noise: a seed gives the same numbers natively and in WebAssembly
};

struct RoadResult {
  std::vector<int> percentiles;
  std::vector<double> morf, lerf;  // the probability's change at each percentile
  double morf_mean = 0.0, lerf_mean = 0.0;
  double combined = 0.0;  // (lerf_mean - morf_mean) / 2
};

// How many of `pixels` pixels ROAD removes at percentile p (0..100).
int road_removed_count(int pixels, int percentile);

// The removal flags (H * W) for percentile p: the road_removed_count first pixels of `ranking`
// (most relevant first), or its last ones (least relevant first).
std::vector<std::uint8_t> road_removal(std::span<const int> ranking, int percentile, bool most_relevant_first);

// `map` at the input's size.
RoadResult road(VariantScorer& scorer, const explain::Map& map, const RoadOptions& options = {});

}  // namespace camlens::evaluate
