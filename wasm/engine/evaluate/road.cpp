#include "evaluate/road.h"

#include <numeric>

#include "core/error.h"
#include "evaluate/imputation.h"

namespace camlens::evaluate {

int road_removed_count(int pixels, int percentile) {
  if (percentile < 0 || percentile > 100) fail("evaluate: a ROAD percentile must lie in 0..100, got ", percentile);
  // road.py keeps the pixels below np.percentile's linear interpolation at position p / 100 * (n - 1).
  const long long position = static_cast<long long>(percentile) * (pixels - 1);
  return pixels - static_cast<int>((position + 99) / 100);
}

std::vector<std::uint8_t> road_removal(std::span<const int> ranking, int percentile, bool most_relevant_first) {
  const int pixels = static_cast<int>(ranking.size());
  const int count = road_removed_count(pixels, percentile);
  std::vector<std::uint8_t> removed(ranking.size(), 0);
  for (int r = 0; r < count; ++r) removed[ranking[most_relevant_first ? r : pixels - 1 - r]] = 1;
  return removed;
}

RoadResult road(VariantScorer& scorer, const explain::Map& map, const RoadOptions& options) {
  const Tensor& input = scorer.input();
  check_map_fits(map, input, "ROAD");
  if (options.percentiles.empty()) fail("evaluate: ROAD needs at least one percentile");
  const std::vector<int> ranking = rank_pixels(map);
  const int percentiles = static_cast<int>(options.percentiles.size());
  // Variant 2 i is MoRF at percentile i, variant 2 i + 1 LeRF; each its own seeded noise.
  std::vector<Tensor> imputed;
  for (int i = 0; i < 2 * percentiles; ++i) {
    const bool morf = i % 2 == 0;
    explain::NormalNoise normal(options.seed * 1000003u + static_cast<std::uint32_t>(i));
    imputed.push_back(noisy_linear_imputation(input, road_removal(ranking, options.percentiles[i / 2], morf),
                                              options.noise, normal));
  }
  const double before = scorer.input_score();
  const std::vector<double> after = scorer.score(
      2 * percentiles,
      [&](int i, std::span<float> item) { std::copy(imputed[i].values().begin(), imputed[i].values().end(), item.begin()); },
      "road");
  RoadResult result;
  result.percentiles = options.percentiles;
  for (int i = 0; i < percentiles; ++i) {
    result.morf.push_back(after[2 * i] - before);
    result.lerf.push_back(after[2 * i + 1] - before);
  }
  result.morf_mean = std::accumulate(result.morf.begin(), result.morf.end(), 0.0) / percentiles;
  result.lerf_mean = std::accumulate(result.lerf.begin(), result.lerf.end(), 0.0) / percentiles;
  result.combined = (result.lerf_mean - result.morf_mean) / 2;
  return result;
}

}  // namespace camlens::evaluate
