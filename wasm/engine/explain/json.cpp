#include "explain/json.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "io/json_fields.h"

namespace camlens::explain {

namespace {

using json = nlohmann::ordered_json;

json float_array(std::span<const float> values, ArrayEncoding arrays) {
  if (arrays == ArrayEncoding::binary) {
    std::vector<std::uint8_t> bytes(values.size_bytes());
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return json::binary(std::move(bytes), kFloat32Subtype);
  }
  json out = json::array();
  for (float v : values) out.push_back(json_fields::shortest_decimal(v));
  return out;
}

// An RGBA picture: binary only (JSON numbers would spell out every byte).
json picture_json(const Image& rgba) {
  std::vector<std::uint8_t> bytes(rgba.data(), rgba.data() + rgba.size());
  return {{"width", rgba.width()}, {"height", rgba.height()}, {"rgba", json::binary(std::move(bytes), kRgbaSubtype)}};
}

json maps_json(const std::vector<ViewMap>& maps, const ResultEncoding& encoding) {
  json out = json::array();
  for (const ViewMap& map : maps) out.push_back(view_map_json(map, encoding));
  return out;
}

json shape_json(const Shape& shape) {
  json out = json::array();
  for (int i = 0; i < shape.rank(); ++i) out.push_back(shape[i]);
  return out;
}

}  // namespace

json result_header(const std::string& kind) { return {{"version", kResultSchemaVersion}, {"kind", kind}}; }

json box_json(const CropBox& box) {
  return {{"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height}};
}

json prediction_json(const Prediction& prediction, std::span<const std::string> labels, int top) {
  if (labels.size() != prediction.logits.size()) {
    fail("explain: prediction_json needs one label per class: ", prediction.logits.size(), " classes, ", labels.size(),
         " labels");
  }
  json classes = json::array();
  const int count = std::clamp(top, 0, static_cast<int>(prediction.ranking.size()));
  for (int rank = 0; rank < count; ++rank) {
    const int c = prediction.ranking[rank];
    classes.push_back({{"class", c},
                       {"label", labels[c]},
                       {"probability", json_fields::shortest_decimal(prediction.probabilities[c])},
                       {"logit", json_fields::shortest_decimal(prediction.logits[c])}});
  }
  return {{"classes", classes}};
}

json map_json(const Map& map, ArrayEncoding arrays) {
  return {{"width", map.width}, {"height", map.height}, {"values", float_array(map.values, arrays)}};
}

json view_map_json(const ViewMap& map, const ResultEncoding& encoding) {
  const Explanation& e = map.explanation;
  const Timings& t = e.timings;
  json out = {{"method", e.method},
              {"class", e.target_class},
              {"label", map.label},
              {"probability", json_fields::shortest_decimal(map.probability)},
              {"layer", e.layer},
              {"raw", map_json(e.raw, encoding.arrays)}};
  if (encoding.heat && !e.upsampled.empty()) out["heat"] = map_json(e.upsampled.front(), encoding.arrays);
  out["channel_weights"] = float_array(e.channel_weights, encoding.arrays);
  if (!map.note.empty()) out["note"] = map.note;
  out["reused"] = map.reused;
  out["timings_ms"] = {
      {"forward", t.forward_ms}, {"backward", t.backward_ms}, {"map", t.map_ms}, {"postprocess", t.postprocess_ms}};
  if (map.pictures) {
    out["pictures"] = {{"heatmap", picture_json(map.pictures->heatmap)}, {"overlay", picture_json(map.pictures->overlay)}};
  }
  return out;
}

json view_json(const ViewResult& result, std::span<const std::string> labels, const ResultEncoding& encoding,
               bool part) {
  json out = result_header("view");
  if (part) out["part"] = true;
  out["image"] = {{"width", result.image_width}, {"height", result.image_height}};
  out["crop"] = box_json(result.crop);
  if (result.prediction) {
    out["prediction"] = prediction_json(*result.prediction, labels, static_cast<int>(labels.size()));
  }
  if (!part || !result.explanations.empty()) out["explanations"] = maps_json(result.explanations, encoding);
  if (!part || !result.top_k.empty()) out["top_k"] = maps_json(result.top_k, encoding);
  if (!part || !result.layer_sweep.empty()) out["layer_sweep"] = maps_json(result.layer_sweep, encoding);
  if (!part || !result.failures.empty()) {
    json failures = json::array();
    for (const MethodFailure& f : result.failures) failures.push_back({{"method", f.method}, {"message", f.message}});
    out["failures"] = failures;
  }
  if (!part) {
    out["passes"] = {{"forward", result.forward_passes}, {"backward", result.backward_passes}};
    out["timings_ms"] = {{"forward", result.forward_ms}, {"total", result.total_ms}};
  }
  return out;
}

json model_json(const ModelDescription& d, const nlohmann::json& metadata) {
  json layers = json::array();
  for (const LayerInfo& layer : d.layers) {
    layers.push_back({{"name", layer.name},
                      {"kind", layer.kind},
                      {"shape", shape_json(layer.shape)},
                      {"spatial", layer.spatial},
                      {"explainable", layer.explainable},
                      {"depth", layer.depth}});
  }
  json methods = json::array();
  for (const MethodDescription& m : d.methods) {
    json entry = {{"name", m.name},       {"title", m.title}, {"summary", m.summary},
                  {"per_pixel", m.per_pixel}, {"slow", m.slow},   {"applies", !m.why_not.has_value()}};
    if (m.why_not) entry["why_not"] = *m.why_not;
    entry["layer"] = m.layer;
    methods.push_back(std::move(entry));
  }
  json out = result_header("model");
  out["labels"] = d.labels;
  const Shape& s = d.input_shape;
  out["input"] = {{"height", s.rank() == 3 ? s[0] : 1},
                  {"width", s.rank() == 3 ? s[1] : 1},
                  {"channels", s.rank() == 3 ? s[2] : s[s.rank() - 1]},
                  {"color", d.color}};
  out["default_layer"] = d.default_layer.empty() ? json(nullptr) : json(d.default_layer);
  out["layers"] = layers;
  out["methods"] = methods;
  out["metadata"] = metadata;
  return out;
}

}  // namespace camlens::explain
