#include "evaluate/evaluate.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "evaluate/insertion.h"

namespace camlens::evaluate {

std::string_view metric_name(Metric metric) {
  switch (metric) {
    case Metric::deletion: return "deletion";
    case Metric::insertion: return "insertion";
    case Metric::road: return "road";
    case Metric::confidence: return "confidence";
  }
  return "?";
}

const std::vector<Metric>& all_metrics() {
  static const std::vector<Metric> metrics{Metric::deletion, Metric::insertion, Metric::road, Metric::confidence};
  return metrics;
}

std::vector<Metric> parse_metrics(std::string_view list) {
  std::vector<Metric> metrics;
  size_t begin = 0;
  while (begin <= list.size()) {
    const size_t end = std::min(list.find(',', begin), list.size());
    const std::string_view name = list.substr(begin, end - begin);
    const auto known = std::find_if(all_metrics().begin(), all_metrics().end(), [&](Metric m) { return metric_name(m) == name; });
    if (known == all_metrics().end()) {
      fail("evaluate: no metric named '", name.substr(0, 40), "'; the metrics are deletion, insertion, road, confidence");
    }
    if (std::find(metrics.begin(), metrics.end(), *known) != metrics.end()) fail("evaluate: the metric '", name, "' is named twice");
    metrics.push_back(*known);
    begin = end + 1;
  }
  return metrics;
}

MapEvaluation evaluate_map(Model& model, const Tensor& input, const explain::Map& map, int target_class,
                           const EvaluationOptions& options) {
  if (options.metrics.empty()) fail("evaluate: no metric asked for; pass at least one (all_metrics())");
  const auto start = std::chrono::steady_clock::now();
  const int metrics = static_cast<int>(options.metrics.size());
  int current = 0;
  explain::ProgressCallback progress;
  if (options.progress) {
    progress = [&](const explain::Progress& p) {
      return options.progress(explain::Progress{p.stage, (current + p.fraction) / metrics});
    };
  }
  VariantScorer scorer(model, input, target_class, options.batch_size, progress);
  MapEvaluation result;
  result.target_class = target_class;
  for (; current < metrics; ++current) {
    switch (options.metrics[current]) {
      case Metric::deletion: result.deletion = deletion_curve(scorer, map, options.curve); break;
      case Metric::insertion: result.insertion = insertion_curve(scorer, map, options.curve); break;
      case Metric::road: result.road = road(scorer, map, options.road); break;
      case Metric::confidence: result.confidence = confidence_change(scorer, map); break;
    }
  }
  result.forward_passes = scorer.forward_passes();
  result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace camlens::evaluate
