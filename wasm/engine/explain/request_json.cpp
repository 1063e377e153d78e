#include "explain/request_json.h"

#include <cmath>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_fields.h"

namespace camlens::explain {

namespace {

using json = nlohmann::json;

// A bad value, quoted short: a hostile request may be huge.
std::string excerpt(const json& value) { return json_fields::excerpt(value, 40); }

// Reads the fields of one request object, checking names, types and ranges.
class Fields {
 public:
  Fields(const char* what, const json& object, std::initializer_list<const char*> known) : what_(what), object_(object) {
    if (object_.is_null()) return;
    if (!object_.is_object()) fail(what_, " must be an object, got ", excerpt(object_));
    for (const auto& [key, value] : object_.items()) {
      bool found = false;
      std::string listed;
      for (const char* name : known) {
        found = found || key == name;
        listed += (listed.empty() ? "" : ", ") + std::string(name);
      }
      if (!found) fail(what_, ": unknown field '", key.substr(0, 40), "'; the fields are ", listed);
    }
  }

  // Present and not null.
  bool has(const char* key) const { return object_.is_object() && object_.contains(key) && !object_.at(key).is_null(); }
  const json& at(const char* key) const { return object_.at(key); }

  int whole(const char* key, int min, int max) const { return whole_value(object_.at(key), key, min, max); }
  int whole_value(const json& value, const std::string& name, int min, int max) const {
    const double number = value.is_number() ? value.get<double>() : NAN;
    if (!(number >= min && number <= max) || number != std::floor(number)) {
      fail(what_, ".", name, " must be a whole number from ", min, " to ", max, ", got ", excerpt(value));
    }
    return static_cast<int>(number);
  }
  double number(const char* key, double min, double max) const {
    const json& value = object_.at(key);
    if (!value.is_number() || !(value.get<double>() >= min && value.get<double>() <= max)) {
      fail(what_, ".", key, " must be a number from ", min, " to ", max, ", got ", excerpt(value));
    }
    return value.get<double>();
  }
  bool flag(const char* key) const {
    const json& value = object_.at(key);
    if (!value.is_boolean()) fail(what_, ".", key, " must be true or false, got ", excerpt(value));
    return value.get<bool>();
  }
  std::string text(const char* key) const {
    const json& value = object_.at(key);
    if (!value.is_string()) fail(what_, ".", key, " must be a string, got ", excerpt(value));
    return value.get<std::string>();
  }

 private:
  const char* what_;
  const json& object_;
};

constexpr int kMostPixels = 1 << 30;  // far beyond any image a page can hold
constexpr int kMostSide = 1 << 14;

CropBox box_from(const json& value) {
  const Fields box("view request: crop", value, {"x", "y", "width", "height"});
  for (const char* key : {"x", "y", "width", "height"}) {
    if (!box.has(key)) fail("view request: crop needs x, y, width and height in pixels");
  }
  return {box.whole("x", 0, kMostPixels), box.whole("y", 0, kMostPixels), box.whole("width", 1, kMostPixels),
          box.whole("height", 1, kMostPixels)};
}

MethodChoice method_from(const json& value, size_t index) {
  if (value.is_string()) return {value.get<std::string>(), nullptr};
  const Fields method("view request: methods[]", value, {"name", "params"});
  if (!method.has("name")) fail("view request: methods[", index, "] needs a name, e.g. {\"name\": \"grad-cam\"}");
  return {method.text("name"), method.has("params") ? method.at("params") : json(nullptr)};
}

}  // namespace

ViewRequest view_request_from_json(const json& request) {
  const Fields fields("view request", request,
                      {"crop", "class", "classes", "layer", "methods", "top_k", "layer_sweep", "strip_method", "colormap",
                       "alpha", "smooth", "max_side", "thumbnail_side", "pictures"});
  ViewRequest out;
  if (fields.has("crop")) out.crop = box_from(fields.at("crop"));
  if (fields.has("class") && fields.has("classes")) fail("view request: give class or classes, not both");
  if (fields.has("class")) out.targets = {Target::of_class(fields.whole("class", 0, kMostPixels))};
  if (fields.has("classes")) {
    const json& classes = fields.at("classes");
    if (!classes.is_array() || classes.empty()) fail("view request: classes must be a non-empty array of class indices");
    out.targets.clear();
    for (const json& c : classes) out.targets.push_back(Target::of_class(fields.whole_value(c, "classes[]", 0, kMostPixels)));
  }
  if (fields.has("layer")) out.layer = fields.text("layer");
  if (fields.has("methods")) {
    const json& methods = fields.at("methods");
    if (!methods.is_array()) fail("view request: methods must be an array, e.g. [\"cam\", \"grad-cam\"]");
    for (size_t i = 0; i < methods.size(); ++i) out.methods.push_back(method_from(methods[i], i));
  }
  if (fields.has("top_k")) out.top_k = fields.whole("top_k", 0, 1 << 16);
  if (fields.has("layer_sweep")) out.layer_sweep = fields.flag("layer_sweep");
  if (fields.has("strip_method")) out.strip_method = fields.text("strip_method");
  if (fields.has("colormap")) out.look.colormap = colormap_named(fields.text("colormap"));
  if (fields.has("alpha")) out.look.alpha = static_cast<float>(fields.number("alpha", 0.0, 1.0));
  if (fields.has("smooth")) out.look.upsampling = fields.flag("smooth") ? Upsampling::bilinear : Upsampling::nearest;
  if (fields.has("max_side")) out.look.max_side = fields.whole("max_side", 1, kMostSide);
  if (fields.has("thumbnail_side")) out.look.thumbnail_side = fields.whole("thumbnail_side", 1, kMostSide);
  if (fields.has("pictures")) out.pictures = fields.flag("pictures");
  return out;
}

ActivationMaximizationOptions visualization_from_json(const json& options) {
  const Fields fields("visualize", options, {"class", "layer", "channel", "steps", "start", "seed"});
  ActivationMaximizationOptions out;
  if (fields.has("layer")) {
    if (!fields.has("channel")) fail("visualize: a layer needs a channel, e.g. {\"layer\": \"conv\", \"channel\": 3}");
    if (fields.has("class")) fail("visualize: give a class, or a layer and a channel, not both");
    out.layer = fields.text("layer");
    out.index = fields.whole("channel", 0, kMostPixels);
  } else {
    if (!fields.has("class")) fail("visualize: give a class, e.g. {\"class\": 3}, or a layer and a channel");
    out.index = fields.whole("class", 0, kMostPixels);
  }
  if (fields.has("steps")) out.steps = fields.whole("steps", 1, 1 << 16);
  if (fields.has("seed")) out.seed = static_cast<std::uint32_t>(fields.whole("seed", 0, 1 << 30));
  if (fields.has("start")) {
    const std::string start = fields.text("start");
    if (start != "gray" && start != "noise") fail("visualize: start must be 'gray' or 'noise', got '", start.substr(0, 40), "'");
    out.start = start == "gray" ? ActivationMaximizationOptions::Start::gray : ActivationMaximizationOptions::Start::noise;
  }
  return out;
}

}  // namespace camlens::explain
