#pragma once
// Predictions and explanations as JSON, for files a script reads (the CLI's --json). Floats are
// written as the shortest decimal that reads back as the same float (0.4, not 0.40000000596); keys
// keep the order shown.
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "explain/pipeline.h"

namespace camlens::explain {

// {"top": [{"class": 3, "label": "happy", "probability": 0.99, "logit": 7.1}, ...] (the `top` most
//  probable classes, best first), "logits": [...], "probabilities": [...]} (by class index).
// labels: one per class, as ModelMetadata::labels.
nlohmann::ordered_json prediction_json(const Prediction& prediction, std::span<const std::string> labels, int top);

// {"height": H, "width": W, "values": [H * W values, row-major]}
nlohmann::ordered_json map_json(const Map& map);

// {"method", "class", "label", "layer", "raw": map_json(raw), "channel_weights": [...] (empty for
//  methods without), "timings_ms": {"forward", "backward", "map", "postprocess"}}. The prediction is
// left out: every explanation of one image shares it.
nlohmann::ordered_json explanation_json(const Explanation& explanation, std::span<const std::string> labels);

}  // namespace camlens::explain
