#include "train/timeline.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "explain/explainer.h"
#include "image/channels.h"
#include "image/preprocess.h"
#include "io/json_fields.h"

namespace camlens {

namespace {

using json = nlohmann::ordered_json;
using json_fields::shortest_decimal;

constexpr int kTopClasses = 3;

json shape_json(const Shape& shape) {
  json out = json::array();
  for (int i = 0; i < shape.rank(); ++i) out.push_back(shape[i]);
  return out;
}

json settings_json(const RunSettings& run) {
  return {{"architecture", run.architecture},
          {"data", run.data},
          {"input", shape_json(run.input)},
          {"labels", run.labels},
          {"epochs", run.epochs},
          {"batch", run.batch},
          {"optimizer", run.optimizer},
          {"learning_rate", shortest_decimal(run.learning_rate)},
          {"weight_decay", shortest_decimal(run.weight_decay)},
          {"augment", run.augment},
          {"seed", run.seed},
          {"limit", run.limit},
          {"validation_fraction", run.validation_fraction},
          {"train_images", run.train_images},
          {"val_images", run.validation_images},
          {"method", run.method},
          {"layer", run.layer}};
}

json probe_json(const Probe& probe) { return {{"image", probe.image}, {"true_class", probe.true_class}}; }

json frame_json(const ProbeFrame& frame, explain::ArrayEncoding arrays) {
  json top = json::array();
  for (const ClassProbability& c : frame.top) {
    top.push_back({{"class", c.class_index}, {"label", c.label}, {"probability", shortest_decimal(c.probability)}});
  }
  json map = explain::map_json(frame.map, arrays);
  return {{"image", frame.probe.image},
          {"true_class", frame.probe.true_class},
          {"top", std::move(top)},
          {"map", {{"method", frame.method},
                   {"layer", frame.layer},
                   {"class", frame.map_class},
                   {"width", frame.map.width},
                   {"height", frame.map.height},
                   {"raw", std::move(map["values"])}}}};
}

// ---- reading ----

using json_fields::as_array;
using json_fields::as_bool;
using json_fields::as_int;
using json_fields::as_number;
using json_fields::as_object;
using json_fields::as_string;
using json_fields::require;
using in_json = nlohmann::json;

uint64_t as_count(const in_json& value, const std::string& where) {
  const double number = as_number(value, where);
  if (!(number >= 0.0 && number <= 0x1.0p53 && number == static_cast<double>(static_cast<uint64_t>(number)))) {
    fail(where, " must be a whole number >= 0, got ", json_fields::excerpt(value));
  }
  return static_cast<uint64_t>(number);
}

int as_positive_int(const in_json& value, const std::string& where) {
  const int number = as_int(value, where);
  if (number < 1) fail(where, " must be at least 1, got ", number);
  return number;
}

RunSettings settings_from_json(const in_json& object, const std::string& where) {
  as_object(object, where);
  RunSettings run;
  auto field = [&](const char* key) -> const in_json& { return require(object, key, where); };
  auto at = [&](const char* key) { return where + "." + key; };
  run.architecture = as_string(field("architecture"), at("architecture"));
  run.data = as_string(field("data"), at("data"));
  const std::vector<int> input = json_fields::as_int_list(field("input"), at("input"));
  if (input.size() != 3 || std::any_of(input.begin(), input.end(), [](int d) { return d < 1; })) {
    fail(at("input"), " must be [height, width, channels], got ", json_fields::excerpt(field("input")));
  }
  run.input = Shape{input[0], input[1], input[2]};
  for (const in_json& label : as_array(field("labels"), at("labels"))) run.labels.push_back(as_string(label, at("labels")));
  if (run.labels.size() < 2) fail(at("labels"), " must name at least 2 classes");
  run.epochs = as_positive_int(field("epochs"), at("epochs"));
  run.batch = as_positive_int(field("batch"), at("batch"));
  run.optimizer = as_string(field("optimizer"), at("optimizer"));
  run.learning_rate = static_cast<float>(as_number(field("learning_rate"), at("learning_rate")));
  run.weight_decay = static_cast<float>(as_number(field("weight_decay"), at("weight_decay")));
  run.augment = as_bool(field("augment"), at("augment"));
  run.seed = as_count(field("seed"), at("seed"));
  run.limit = as_count(field("limit"), at("limit"));
  run.validation_fraction = as_number(field("validation_fraction"), at("validation_fraction"));
  run.train_images = as_count(field("train_images"), at("train_images"));
  run.validation_images = as_count(field("val_images"), at("val_images"));
  run.method = as_string(field("method"), at("method"));
  run.layer = as_string(field("layer"), at("layer"));
  return run;
}

int class_index(const in_json& value, const std::string& where, size_t classes) {
  const int index = as_int(value, where);
  if (index < 0 || static_cast<size_t>(index) >= classes) {
    fail(where, " must be a class index in [0, ", classes, "), got ", index);
  }
  return index;
}

Probe probe_from_json(const in_json& object, const std::string& where, size_t classes) {
  as_object(object, where);
  Probe probe;
  probe.image = as_string(require(object, "image", where), where + ".image");
  probe.true_class = class_index(require(object, "true_class", where), where + ".true_class", classes);
  return probe;
}

explain::Map map_from_json(const in_json& object, const std::string& where) {
  as_object(object, where);
  const int width = as_positive_int(require(object, "width", where), where + ".width");
  const int height = as_positive_int(require(object, "height", where), where + ".height");
  const in_json& raw = as_array(require(object, "raw", where), where + ".raw");
  if (static_cast<uint64_t>(width) * static_cast<uint64_t>(height) != raw.size()) {
    fail(where, ".raw holds ", raw.size(), " values for a ", width, "x", height, " map");
  }
  explain::Map map(height, width);
  for (size_t i = 0; i < raw.size(); ++i) map.values[i] = static_cast<float>(as_number(raw[i], where + ".raw"));
  return map;
}

ProbeFrame frame_from_json(const in_json& object, const std::string& where, const RunSettings& run) {
  ProbeFrame frame;
  frame.probe = probe_from_json(object, where, run.labels.size());
  const std::string top_where = where + ".top";
  for (const in_json& entry : as_array(require(object, "top", where), top_where)) {
    as_object(entry, top_where);
    ClassProbability c;
    c.class_index = class_index(require(entry, "class", top_where), top_where + ".class", run.labels.size());
    c.label = run.labels[c.class_index];
    c.probability = static_cast<float>(as_number(require(entry, "probability", top_where), top_where + ".probability"));
    frame.top.push_back(std::move(c));
  }
  const std::string map_where = where + ".map";
  const in_json& map = require(object, "map", where);
  frame.method = as_string(require(map, "method", map_where), map_where + ".method");
  frame.layer = as_string(require(map, "layer", map_where), map_where + ".layer");
  frame.map_class = class_index(require(map, "class", map_where), map_where + ".class", run.labels.size());
  frame.map = map_from_json(map, map_where);
  return frame;
}

TimelineEpoch epoch_from_json(const in_json& object, const std::string& where, const RunSettings& run) {
  as_object(object, where);
  TimelineEpoch epoch;
  auto number = [&](const char* key) { return as_number(require(object, key, where), where + "." + key); };
  epoch.epoch = as_positive_int(require(object, "epoch", where), where + ".epoch");
  epoch.train_loss = number("train_loss");
  epoch.train_accuracy = number("train_accuracy");
  epoch.validation_loss = number("val_loss");
  epoch.validation_accuracy = number("val_accuracy");
  epoch.seconds = number("seconds");
  epoch.snapshot = as_string(require(object, "snapshot", where), where + ".snapshot");
  const in_json& probes = as_array(require(object, "probes", where), where + ".probes");
  for (size_t i = 0; i < probes.size(); ++i) {
    epoch.probes.push_back(frame_from_json(probes[i], where + ".probes[" + std::to_string(i) + "]", run));
  }
  return epoch;
}

}  // namespace

std::string probe_file_name(size_t index, const std::string& label) {
  std::string name = label;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  }
  char number[24];
  std::snprintf(number, sizeof number, "%02zu", index + 1);
  return "probes/" + std::string(number) + "-" + name + ".png";
}

Image probe_picture(const Image& image) {
  Image rgb = to_rgb(image);
  const int longest = std::max(rgb.width(), rgb.height());
  if (longest <= kMostProbeSide) return rgb;
  const double scale = static_cast<double>(kMostProbeSide) / longest;
  return crop_image(rgb, CropBox{0, 0, rgb.width(), rgb.height()}, std::max(1, static_cast<int>(rgb.width() * scale)),
                    std::max(1, static_cast<int>(rgb.height() * scale)));
}

std::vector<ProbeFrame> explain_probes(Model snapshot, std::span<const ProbeImage> probes, const std::string& method) {
  explain::Explainer explainer(std::move(snapshot));
  const std::vector<std::string>& labels = explainer.model().metadata.labels;
  explain::ViewRequest request;
  request.methods = {{method, {}}};
  request.pictures = false;
  std::vector<ProbeFrame> frames;
  for (const ProbeImage& probe : probes) {
    explainer.set_image(probe.image.clone());
    const explain::ViewResult result = explainer.view(request);
    if (!result.failures.empty()) {
      fail("explaining probe ", probe.probe.image, " with ", method, ": ", result.failures.front().message);
    }
    const explain::Explanation& explanation = result.explanations.front().explanation;
    const explain::Prediction& prediction = *result.prediction;
    ProbeFrame frame;
    frame.probe = probe.probe;
    const int shown = std::min<int>(kTopClasses, static_cast<int>(prediction.ranking.size()));
    for (int rank = 0; rank < shown; ++rank) {
      const int c = prediction.ranking[rank];
      frame.top.push_back({c, labels[c], prediction.probabilities[c]});
    }
    frame.method = explanation.method;
    frame.layer = explanation.layer;
    frame.map_class = explanation.target_class;
    frame.map = explanation.raw;
    frames.push_back(std::move(frame));
  }
  return frames;
}

nlohmann::ordered_json timeline_epoch_json(const TimelineEpoch& epoch, explain::ArrayEncoding arrays) {
  json probes = json::array();
  for (const ProbeFrame& frame : epoch.probes) probes.push_back(frame_json(frame, arrays));
  return {{"epoch", epoch.epoch},
          {"train_loss", epoch.train_loss},
          {"train_accuracy", epoch.train_accuracy},
          {"val_loss", epoch.validation_loss},
          {"val_accuracy", epoch.validation_accuracy},
          {"seconds", epoch.seconds},
          {"snapshot", epoch.snapshot},
          {"probes", std::move(probes)}};
}

nlohmann::ordered_json timeline_json(const Timeline& timeline, explain::ArrayEncoding arrays) {
  json out = explain::result_header("timeline");
  out["run"] = settings_json(timeline.run);
  json probes = json::array();
  for (const Probe& probe : timeline.probes) probes.push_back(probe_json(probe));
  out["probes"] = std::move(probes);
  json epochs = json::array();
  for (const TimelineEpoch& epoch : timeline.epochs) epochs.push_back(timeline_epoch_json(epoch, arrays));
  out["epochs"] = std::move(epochs);
  return out;
}

Timeline timeline_from_json(const nlohmann::json& document, const std::string& source) {
  as_object(document, source);
  if (json_fields::string_or(document, "kind", source, "") != "timeline") {
    fail(source, " is not a camlens timeline (its \"kind\" is not \"timeline\"): give the timeline.json of a run "
         "folder written by camlens train");
  }
  if (as_int(require(document, "version", source), source + ".version") != explain::kResultSchemaVersion) {
    fail(source, " is of another version of the result schema (this camlens reads version ",
         explain::kResultSchemaVersion, ")");
  }
  Timeline timeline;
  timeline.run = settings_from_json(require(document, "run", source), source + ".run");
  const in_json& probes = as_array(require(document, "probes", source), source + ".probes");
  for (size_t i = 0; i < probes.size(); ++i) {
    timeline.probes.push_back(
        probe_from_json(probes[i], source + ".probes[" + std::to_string(i) + "]", timeline.run.labels.size()));
  }
  const in_json& epochs = as_array(require(document, "epochs", source), source + ".epochs");
  for (size_t i = 0; i < epochs.size(); ++i) {
    TimelineEpoch epoch = epoch_from_json(epochs[i], source + ".epochs[" + std::to_string(i) + "]", timeline.run);
    if (epoch.epoch != static_cast<int>(i) + 1) {
      fail(source, ".epochs[", i, "] is epoch ", epoch.epoch, " where epoch ", i + 1, " belongs: the timeline is damaged");
    }
    timeline.epochs.push_back(std::move(epoch));
  }
  return timeline;
}

}  // namespace camlens
