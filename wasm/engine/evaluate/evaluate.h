#pragma once
// Is the map telling the truth? The faithfulness metrics of one map of one input, each in its own
// file over one shared path (scoring.h): deletion, insertion, ROAD and confidence change, with the
// baselines (baselines.h) every table sets a method against. Pixel deletion alone misleads (holes
// push an input off the data the model knows), so results are read together, never one alone.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evaluate/confidence.h"
#include "evaluate/deletion.h"
#include "evaluate/road.h"
#include "evaluate/scoring.h"

namespace camlens::evaluate {

enum class Metric { deletion, insertion, road, confidence };

std::string_view metric_name(Metric metric);
// "deletion,insertion,road,confidence" (any subset, any order, no repeats); an Error names a bad one.
std::vector<Metric> parse_metrics(std::string_view list);
const std::vector<Metric>& all_metrics();

struct EvaluationOptions {
  std::vector<Metric> metrics = all_metrics();
  CurveOptions curve;  // deletion and insertion
  RoadOptions road;
  int batch_size = 0;  // variants per forward pass; 0: chosen from the model (explain::variant_batch_size)
  explain::ProgressCallback progress;  // fraction over the whole evaluation; false cancels
};

struct MapEvaluation {
  int target_class = 0;
  std::optional<PixelCurve> deletion, insertion;
  std::optional<RoadResult> road;
  std::optional<ConfidenceChange> confidence;
  int forward_passes = 0;
  double ms = 0.0;
};

// Every metric of options.metrics for `map` (at the input's size, values in 0..1) as an explanation
// of class `target_class` of `input` ([1, H, W, C], preprocessed).
MapEvaluation evaluate_map(Model& model, const Tensor& input, const explain::Map& map, int target_class,
                           const EvaluationOptions& options = {});

}  // namespace camlens::evaluate
