#pragma once
// Requests as JSON objects, as the JavaScript API takes them (the bridge turns a JS object into
// nlohmann JSON without a string in between). Unknown fields are errors, so a typo is reported
// instead of quietly ignored. Absent fields keep ViewRequest's defaults.
//
// A view request:
//   {"crop": {"x", "y", "width", "height"} | null,      pixels; null or absent: the current box
//    "class": K | null,  or  "classes": [K, ...],       null or absent: the top class
//    "layer": "node" | null,
//    "methods": ["grad-cam", {"name": "smooth-grad", "params": {"samples": 8}}, ...],
//    "top_k": K, "layer_sweep": true | false, "strip_method": "grad-cam",
//    "colormap": "jet", "alpha": 0.4, "smooth": true, "max_side": 512, "thumbnail_side": 128,
//    "pictures": true}
// A visualisation: {"class": K} or {"layer": "node", "channel": C}, and "steps", "start"
// ("gray" | "noise"), "seed".
#include <nlohmann/json_fwd.hpp>

#include "explain/activation_maximization.h"
#include "explain/explainer.h"

namespace camlens::explain {

ViewRequest view_request_from_json(const nlohmann::json& request);
ActivationMaximizationOptions visualization_from_json(const nlohmann::json& options);

}  // namespace camlens::explain
