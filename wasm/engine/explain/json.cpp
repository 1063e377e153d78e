#include "explain/json.h"

#include <algorithm>

#include "core/error.h"
#include "io/json_fields.h"

namespace camlens::explain {

namespace {

using json = nlohmann::ordered_json;

json float_array(std::span<const float> values) {
  json out = json::array();
  for (float v : values) out.push_back(json_fields::shortest_decimal(v));
  return out;
}

const std::string& label_of(std::span<const std::string> labels, int class_index) {
  if (class_index < 0 || static_cast<size_t>(class_index) >= labels.size()) {
    fail("explain: class ", class_index, " has no label: ", labels.size(), " labels given");
  }
  return labels[class_index];
}

}  // namespace

json prediction_json(const Prediction& prediction, std::span<const std::string> labels, int top) {
  if (labels.size() != prediction.logits.size()) {
    fail("explain: prediction_json needs one label per class: ", prediction.logits.size(), " classes, ", labels.size(),
         " labels");
  }
  json ranked = json::array();
  const int count = std::clamp(top, 0, static_cast<int>(prediction.ranking.size()));
  for (int rank = 0; rank < count; ++rank) {
    const int c = prediction.ranking[rank];
    ranked.push_back({{"class", c},
                      {"label", labels[c]},
                      {"probability", json_fields::shortest_decimal(prediction.probabilities[c])},
                      {"logit", json_fields::shortest_decimal(prediction.logits[c])}});
  }
  return {{"top", ranked}, {"logits", float_array(prediction.logits)},
          {"probabilities", float_array(prediction.probabilities)}};
}

json map_json(const Map& map) {
  return {{"height", map.height}, {"width", map.width}, {"values", float_array(map.values)}};
}

json explanation_json(const Explanation& e, std::span<const std::string> labels) {
  const Timings& t = e.timings;
  return {{"method", e.method},
          {"class", e.target_class},
          {"label", label_of(labels, e.target_class)},
          {"layer", e.layer},
          {"raw", map_json(e.raw)},
          {"channel_weights", float_array(e.channel_weights)},
          {"timings_ms",
           {{"forward", t.forward_ms},
            {"backward", t.backward_ms},
            {"map", t.map_ms},
            {"postprocess", t.postprocess_ms}}}};
}

}  // namespace camlens::explain
