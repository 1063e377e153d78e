#include "io/metadata.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_fields.h"

namespace camlens {

namespace jf = json_fields;
using nlohmann::json;

namespace {

// A top-level metadata field from the first source that has it, with the source's name for errors.
struct Field {
  const json* value = nullptr;
  std::string where;
};

class Sources {
 public:
  Sources(const json* primary, const json* secondary) {
    if (primary != nullptr) add(*primary, "userDefinedMetadata");
    if (secondary != nullptr) add(*secondary, "metadata.json");
  }
  Field get(std::string_view key) const {
    for (const auto& [object, name] : sources_) {
      const json* value = jf::find(*object, key);
      if (value != nullptr && !value->is_null()) return {value, name + "." + std::string(key)};
    }
    return {};
  }

 private:
  void add(const json& object, std::string name) {
    jf::as_object(object, name);
    sources_.emplace_back(&object, std::move(name));
  }
  std::vector<std::pair<const json*, std::string>> sources_;
};

float finite_float(const json& value, const std::string& where) {
  const double number = jf::as_number(value, where);
  if (!std::isfinite(static_cast<float>(number))) fail("metadata: ", where, " must be a finite number");
  return static_cast<float>(number);
}

// Preprocessing maps 0..1 pixel values with these; real models use at most a few hundred (mean 123.68,
// scale 255), and within these bounds every preprocessed value stays below 1e12, far from float's
// overflow, so a model is never fed an infinity made by its own metadata.
constexpr double kMaxPreprocessMagnitude = 1e6;
constexpr double kMinStdMagnitude = 1e-6;

float preprocess_float(const json& value, const std::string& where) {
  const float v = finite_float(value, where);
  if (std::fabs(v) > kMaxPreprocessMagnitude) {
    fail("metadata: ", where, " is ", jf::excerpt(value), "; preprocessing values must lie within +-",
         kMaxPreprocessMagnitude, " (pixels are 0..1)");
  }
  return v;
}

// One value (repeated for every channel) or three, one per R, G, B.
std::array<float, 3> three_floats(const json& value, const std::string& where) {
  if (value.is_number()) {
    const float v = preprocess_float(value, where);
    return {v, v, v};
  }
  if (!value.is_array() || (value.size() != 1 && value.size() != 3)) {
    fail("metadata: ", where, " must be a number or a list of 1 or 3 numbers, got ", jf::excerpt(value));
  }
  std::array<float, 3> values{};
  for (size_t i = 0; i < 3; ++i) values[i] = preprocess_float(value[value.size() == 1 ? 0 : i], where);
  return values;
}

const NodeInfo* find_node(const std::vector<NodeInfo>& nodes, const std::string& name) {
  for (const NodeInfo& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

void read_input(ModelMetadata& m, const Field& field, const Shape& input_shape, const std::string& input_name) {
  const int channels = input_shape[2];
  m.input_height = input_shape[0];
  m.input_width = input_shape[1];
  if (channels == 1) m.color = InputColor::gray;
  if (channels != 1 && channels != 3 && field.value == nullptr) {
    fail("metadata: the input '", input_name, "' ", input_shape.str(),
         " has neither 1 (gray) nor 3 (RGB) channels; camlens feeds models images");
  }
  if (field.value == nullptr) return;
  const json& input = jf::as_object(*field.value, field.where);
  m.input_height = jf::as_int(jf::require(input, "height", field.where), field.where + ".height");
  m.input_width = jf::as_int(jf::require(input, "width", field.where), field.where + ".width");
  if (m.input_height != input_shape[0] || m.input_width != input_shape[1]) {
    fail("metadata: ", field.where, " says ", m.input_height, "x", m.input_width, " (height x width), but the input '",
         input_name, "' is ", input_shape.str(), " [H, W, C]; make them agree");
  }
  const std::string color = jf::string_or(input, "color", field.where, channels == 1 ? "gray" : "rgb");
  if (color != "gray" && color != "rgb" && color != "bgr") {
    fail("metadata: ", field.where, ".color must be \"gray\", \"rgb\" or \"bgr\", got ", jf::excerpt(json(color)));
  }
  m.color = color == "gray" ? InputColor::gray : color == "rgb" ? InputColor::rgb : InputColor::bgr;
  if ((m.color == InputColor::gray ? 1 : 3) != channels) {
    fail("metadata: ", field.where, ".color is \"", color, "\", but the input '", input_name, "' ", input_shape.str(),
         " has ", channels, " channel(s); gray needs 1, rgb and bgr need 3");
  }
  if (const json* weights = jf::find(input, "gray_weights")) {
    m.gray_weights = three_floats(*weights, field.where + ".gray_weights");
  }
}

void read_scaling(ModelMetadata& m, const Field& field) {
  if (field.value == nullptr) return;
  const json& scaling = jf::as_object(*field.value, field.where);
  const bool affine = jf::find(scaling, "scale") != nullptr || jf::find(scaling, "offset") != nullptr;
  const bool standard = jf::find(scaling, "mean") != nullptr || jf::find(scaling, "std") != nullptr;
  if (affine == standard) {
    fail("metadata: ", field.where, " needs either \"scale\"/\"offset\" or \"mean\"/\"std\", got ", jf::excerpt(scaling));
  }
  if (affine) {
    m.scaling = InputScaling::scale_offset;
    if (const json* scale = jf::find(scaling, "scale")) m.scale = preprocess_float(*scale, field.where + ".scale");
    if (const json* offset = jf::find(scaling, "offset")) m.offset = preprocess_float(*offset, field.where + ".offset");
    return;
  }
  m.scaling = InputScaling::mean_std;
  if (const json* mean = jf::find(scaling, "mean")) m.mean = three_floats(*mean, field.where + ".mean");
  if (const json* std = jf::find(scaling, "std")) m.std = three_floats(*std, field.where + ".std");
  for (float s : m.std) {
    if (s == 0.0f) fail("metadata: ", field.where, ".std must not be 0");
    if (std::fabs(s) < kMinStdMagnitude) {
      fail("metadata: ", field.where, ".std holds ", s, "; it divides the pixels, so it must be at least ", kMinStdMagnitude,
           " in magnitude");
    }
  }
}

// A face crop narrower than the face cuts it; one far wider is mostly background.
constexpr float kLeastFaceScale = 1.0f, kMostFaceScale = 4.0f;

void read_crop(ModelMetadata& m, const Field& field) {
  if (field.value == nullptr) return;
  if (field.value->is_string()) {
    const std::string mode = field.value->get<std::string>();
    if (mode != "full" && mode != "center" && mode != "face") {
      fail("metadata: ", field.where, " must be \"full\", \"center\", \"face\", {\"center\": f}, {\"face\": f} or a box {x, y, width, height}, got \"",
           mode, "\"");
    }
    m.crop.mode = mode == "full" ? CropMode::full : mode == "face" ? CropMode::face : CropMode::center;
    return;
  }
  const json& box = jf::as_object(*field.value, field.where);
  if (const json* face = jf::find(box, "face")) {
    m.crop.mode = CropMode::face;
    m.crop.face_scale = finite_float(*face, field.where + ".face");
    if (box.size() != 1 || !(m.crop.face_scale >= kLeastFaceScale && m.crop.face_scale <= kMostFaceScale)) {
      fail("metadata: ", field.where, " must be {\"face\": f} with ", kLeastFaceScale, " <= f <= ", kMostFaceScale,
           " (the square's side over the detected face box's, e.g. 1.8 for a box widened by 40% on each side), got ",
           jf::excerpt(*field.value));
    }
    return;
  }
  if (const json* center = jf::find(box, "center")) {
    m.crop.mode = CropMode::center;
    m.crop.center_fraction = finite_float(*center, field.where + ".center");
    if (box.size() != 1 || !(m.crop.center_fraction > 0.0f && m.crop.center_fraction <= 1.0f)) {
      fail("metadata: ", field.where, " must be {\"center\": f} with 0 < f <= 1 (the square's side over the image's "
           "shorter side, e.g. 0.875 for torchvision's 256 -> 224), got ", jf::excerpt(*field.value));
    }
    return;
  }
  m.crop.mode = CropMode::box;
  m.crop.x = finite_float(jf::require(box, "x", field.where), field.where + ".x");
  m.crop.y = finite_float(jf::require(box, "y", field.where), field.where + ".y");
  m.crop.width = finite_float(jf::require(box, "width", field.where), field.where + ".width");
  m.crop.height = finite_float(jf::require(box, "height", field.where), field.where + ".height");
  if (m.crop.x < 0 || m.crop.y < 0 || m.crop.width <= 0 || m.crop.height <= 0 || m.crop.x + m.crop.width > 1.0f ||
      m.crop.y + m.crop.height > 1.0f) {
    fail("metadata: ", field.where, " must be a non-empty box inside the image, in fractions of its width and height (0..1), got ",
         jf::excerpt(*field.value));
  }
}

void read_labels(ModelMetadata& m, const Field& field, const NodeInfo& logits) {
  if (logits.item_shape.rank() != 1) {
    fail("metadata: the logits node '", logits.name, "' is ", logits.item_shape.str(),
         " per item; camlens needs one logit per class ([classes])");
  }
  const int classes = logits.item_shape[0];
  if (field.value == nullptr) {
    for (int i = 0; i < classes; ++i) m.labels.push_back("class " + std::to_string(i));
    return;
  }
  const json& labels = jf::as_array(*field.value, field.where);
  for (size_t i = 0; i < labels.size(); ++i) {
    m.labels.push_back(jf::as_string(labels[i], field.where + "[" + std::to_string(i) + "]"));
  }
  if (m.labels.size() != static_cast<size_t>(classes)) {
    fail("metadata: ", field.where, " has ", m.labels.size(), " labels, but the logits node '", logits.name, "' gives ",
         classes, " values; give one label per class");
  }
}

void read_explain_layer(ModelMetadata& m, const Field& field, const std::vector<NodeInfo>& nodes) {
  if (field.value == nullptr) {
    // The last feature map before the head: where CAM-style explanations look by default.
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      if (it->spatial()) {
        m.explain_layer = it->name;
        return;
      }
    }
    fail("metadata: the model has no spatial ([H, W, C]) node to explain");
  }
  m.explain_layer = jf::as_string(*field.value, field.where);
  const NodeInfo* node = find_node(nodes, m.explain_layer);
  if (node == nullptr) fail("metadata: ", field.where, " names '", m.explain_layer, "', which is not a node of the model");
  if (!node->spatial()) {
    fail("metadata: ", field.where, " names '", m.explain_layer, "', which is ", node->item_shape.str(),
         " per item; explanations need a spatial [H, W, C] layer");
  }
}

OutputKind output_kind_of(const Field& field) {
  if (field.value == nullptr) return OutputKind::classes;
  const std::string kind = jf::as_string(*field.value, field.where);
  if (kind == "classes") return OutputKind::classes;
  if (kind == "score") return OutputKind::score;
  fail("metadata: ", field.where, " must be \"classes\" (one logit per label) or \"score\" (one value in 0..1, the "
       "second label's probability), got ", jf::excerpt(*field.value));
}

double shortest(float value) { return jf::shortest_decimal(value); }

std::array<double, 3> shortest(const std::array<float, 3>& values) {
  return {shortest(values[0]), shortest(values[1]), shortest(values[2])};
}

}  // namespace

const char* color_name(InputColor color) {
  switch (color) {
    case InputColor::gray: return "gray";
    case InputColor::rgb: return "rgb";
    case InputColor::bgr: return "bgr";
  }
  return "rgb";
}

OutputKind read_output_kind(const json* primary, const json* secondary) {
  return output_kind_of(Sources(primary, secondary).get("output"));
}

ModelMetadata resolve_metadata(const json* primary, const json* secondary, const Graph& graph,
                               const std::string& logits) {
  const Sources sources(primary, secondary);
  const std::vector<NodeInfo> nodes = graph.nodes();
  const NodeInfo& input = nodes.front();
  if (input.item_shape.rank() != 3) {
    fail("metadata: the input '", input.name, "' is ", input.item_shape.str(),
         " per item; camlens feeds models images ([H, W, 1] or [H, W, 3])");
  }
  const NodeInfo* logits_node = find_node(nodes, logits);
  if (logits_node == nullptr) fail("metadata: the logits node '", logits, "' is not a node of the model");

  ModelMetadata m;
  m.output = output_kind_of(sources.get("output"));
  read_labels(m, sources.get("labels"), *logits_node);
  read_input(m, sources.get("input"), input.item_shape, input.name);
  read_scaling(m, sources.get("scaling"));
  read_crop(m, sources.get("crop"));
  read_explain_layer(m, sources.get("explain_layer"), nodes);
  return m;
}

json metadata_to_json(const ModelMetadata& m) {
  json out;
  out["labels"] = m.labels;
  out["input"] = {{"height", m.input_height},
                  {"width", m.input_width},
                  {"color", color_name(m.color)},
                  {"gray_weights", shortest(m.gray_weights)}};
  if (m.scaling == InputScaling::scale_offset) {
    out["scaling"] = {{"scale", shortest(m.scale)}, {"offset", shortest(m.offset)}};
  } else {
    out["scaling"] = {{"mean", shortest(m.mean)}, {"std", shortest(m.std)}};
  }
  switch (m.crop.mode) {
    case CropMode::full: out["crop"] = "full"; break;
    case CropMode::center:
      out["crop"] = m.crop.center_fraction == 1.0f ? json("center") : json({{"center", shortest(m.crop.center_fraction)}});
      break;
    case CropMode::face:
      out["crop"] = m.crop.face_scale == kFaceCropScale ? json("face") : json({{"face", shortest(m.crop.face_scale)}});
      break;
    case CropMode::box:
      out["crop"] = {{"x", shortest(m.crop.x)},
                     {"y", shortest(m.crop.y)},
                     {"width", shortest(m.crop.width)},
                     {"height", shortest(m.crop.height)}};
      break;
  }
  out["explain_layer"] = m.explain_layer;
  out["output"] = m.output == OutputKind::score ? "score" : "classes";
  return out;
}

}  // namespace camlens
