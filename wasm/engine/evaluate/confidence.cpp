#include "evaluate/confidence.h"

#include <algorithm>

namespace camlens::evaluate {

ConfidenceChange confidence_change(VariantScorer& scorer, const explain::Map& map) {
  check_map_fits(map, scorer.input(), "confidence change");
  const int channels = scorer.input().shape().c();
  ConfidenceChange result;
  result.before = scorer.input_score();
  result.after = scorer
                     .score(
                         1,
                         [&](int, std::span<float> item) {
                           for (size_t i = 0; i < item.size(); ++i) item[i] *= map.values[i / channels];
                         },
                         "confidence")
                     .front();
  result.change = result.after - result.before;
  result.drop = result.before > 0.0 ? std::max(0.0, result.before - result.after) / result.before : 0.0;
  result.increase = result.after > result.before;
  return result;
}

}  // namespace camlens::evaluate
