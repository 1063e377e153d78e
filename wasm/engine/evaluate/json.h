#pragma once
// Evaluations as JSON, in the result schema (docs/result.schema.json, kind "evaluation").
#include <nlohmann/json.hpp>

#include <span>

#include "evaluate/evaluate.h"
#include "evaluate/sanity.h"
#include "evaluate/summary.h"

namespace camlens::evaluate {

// {"deletion"?: curve, "insertion"?: curve, "road"?: {...}, "confidence"?: {...}, "forward_passes", "ms"};
// a curve is {"step", "auc", "changed": [...], "scores": [...]}.
nlohmann::ordered_json map_evaluation_json(const MapEvaluation& evaluation);

// {"method", "baseline", "images", "deletion_auc"?, "insertion_auc"?, "road_morf"?, "road_lerf"?,
// "road_combined"?, "average_drop"?, "increase"?}, each estimate {"mean", "low", "high"}.
nlohmann::ordered_json summary_json(const MethodSummary& summary, bool baseline);

// [{"layer", "spearman", "spearman_abs", "ssim"}, ...], null where a value is NaN (a constant map).
nlohmann::ordered_json sanity_json(std::span<const SanityStep> steps);

}  // namespace camlens::evaluate
