#pragma once
// Results as JSON, in the one result schema (docs/result.schema.json) that the CLI's --json and
// the JavaScript API share. Floats are written as the shortest decimal that reads back as the same
// float (0.4, not 0.40000000596); keys keep the order shown.
//
// Large arrays (maps, channel weights, pictures) are either JSON numbers (files a script reads) or
// binary blobs (the WebAssembly bridge turns each into one typed array instead of thousands of
// numbers): Float32 values with subtype kFloat32Subtype, RGBA bytes with kRgbaSubtype.
#include <cstdint>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "explain/explainer.h"
#include "explain/pipeline.h"
#include "image/image.h"

namespace camlens::explain {

constexpr int kResultSchemaVersion = 1;
constexpr std::uint64_t kFloat32Subtype = 1;
constexpr std::uint64_t kRgbaSubtype = 2;

enum class ArrayEncoding { numbers, binary };

struct ResultEncoding {
  ArrayEncoding arrays = ArrayEncoding::numbers;
  bool heat = false;  // each map's heat at the size drawn (the page reads values under the pointer)
};

// {"classes": [{"class": 3, "label": "happy", "probability": 0.99, "logit": 7.1}, ...]}: the `top`
// most probable classes, best first. labels: one per class, as ModelMetadata::labels.
nlohmann::ordered_json prediction_json(const Prediction& prediction, std::span<const std::string> labels, int top);

// {"width": W, "height": H, "values": [H * W values, row-major]}
nlohmann::ordered_json map_json(const Map& map, ArrayEncoding arrays = ArrayEncoding::numbers);

// One map: {"method", "class", "label", "probability", "layer", "raw": map_json, "heat"?: map_json,
// "channel_weights": [...] (empty for methods without), "note"?, "reused", "timings_ms":
// {"forward", "backward", "map", "postprocess"}, "pictures"?: {"heatmap", "overlay"}}.
nlohmann::ordered_json view_map_json(const ViewMap& map, const ResultEncoding& encoding = {});

// A whole view: {"version", "kind": "view", "image", "crop", "prediction", "explanations", "top_k",
// "layer_sweep", "failures", "passes", "timings_ms"}. A streamed part (`part` true) has only what
// it carries, and "part": true.
nlohmann::ordered_json view_json(const ViewResult& result, std::span<const std::string> labels,
                                 const ResultEncoding& encoding = {}, bool part = false);

// A model as a layer menu and a method menu show it: {"version", "kind": "model", "labels",
// "input", "default_layer", "layers", "methods", "metadata"}.
nlohmann::ordered_json model_json(const ModelDescription& description, const nlohmann::json& metadata);

// {"x", "y", "width", "height"}
nlohmann::ordered_json box_json(const CropBox& box);

// {"version": kResultSchemaVersion, "kind": kind}: how every document of the schema begins.
nlohmann::ordered_json result_header(const std::string& kind);

}  // namespace camlens::explain
