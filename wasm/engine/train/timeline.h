#pragma once
// A training run's timeline: the run's settings, its probe images, and after every epoch the
// losses and accuracies, the snapshot's folder and, per probe, the top-3 classes and the map the
// snapshot gives (kind "timeline" of docs/result.schema.json). The CLI writes it as
// RUN/timeline.json, growing by one epoch at a time; the page plays it.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "explain/json.h"
#include "explain/map.h"
#include "image/image.h"
#include "io/model.h"

namespace camlens {

struct RunSettings {
  std::string architecture;
  std::string data;  // "fashion-mnist" or the folder trained on
  Shape input;       // [H, W, C]
  std::vector<std::string> labels;
  int epochs = 0;
  int batch = 0;
  std::string optimizer;  // "adam" or "sgd"
  float learning_rate = 0.0f;
  float weight_decay = 0.0f;
  bool augment = true;
  uint64_t seed = 0;
  uint64_t limit = 0;  // 0: every training image
  double validation_fraction = 0.0;  // of a folder without train/ and val/; 0 otherwise
  uint64_t train_images = 0, validation_images = 0;
  std::string method;  // the probes' maps
  std::string layer;
};

struct Probe {
  std::string image;  // its path, relative to the run's folder
  int true_class = 0;
};

struct ClassProbability {
  int class_index = 0;
  std::string label;
  float probability = 0.0f;
};

// One probe in one epoch: what the snapshot predicts and where it looks for its top class.
struct ProbeFrame {
  Probe probe;
  std::vector<ClassProbability> top;  // the three most probable classes, best first
  std::string method, layer;
  int map_class = 0;  // the class the map explains: the top one
  explain::Map map;   // at the layer's resolution, un-normalised, as `camlens explain --json` gives it
};

struct TimelineEpoch {
  int epoch = 0;  // 1-based
  double train_loss = 0.0, train_accuracy = 0.0;
  double validation_loss = 0.0, validation_accuracy = 0.0;
  double seconds = 0.0;  // training and validation, wall clock
  std::string snapshot;  // the folder of this epoch's model, relative to the run's folder
  std::vector<ProbeFrame> probes;
};

struct Timeline {
  RunSettings run;
  std::vector<Probe> probes;
  std::vector<TimelineEpoch> epochs;
};

// Probes are kept at most this many pixels a side: a phone photo becomes a picture a frame can show.
inline constexpr int kMostProbeSide = 1024;

// "probes/01-T-shirt-top.png": probe `index`'s file in a run folder, named after its class.
std::string probe_file_name(size_t index, const std::string& label);

// The picture as given, in RGB and at most kMostProbeSide a side: what a probe is explained on.
Image probe_picture(const Image& image);

// A probe with its pixels, for explaining.
struct ProbeImage {
  Probe probe;
  Image image;
};

// Every probe's frame for one snapshot (a deployable model: metadata with labels and an explain
// layer): the probe's top three classes and `method`'s map of the top one, through the Explainer,
// so the map is exactly what `camlens explain` gives for that snapshot and image.
std::vector<ProbeFrame> explain_probes(Model snapshot, std::span<const ProbeImage> probes, const std::string& method);

nlohmann::ordered_json timeline_json(const Timeline& timeline,
                                     explain::ArrayEncoding arrays = explain::ArrayEncoding::numbers);
nlohmann::ordered_json timeline_epoch_json(const TimelineEpoch& epoch,
                                           explain::ArrayEncoding arrays = explain::ArrayEncoding::numbers);
// Reads a timeline back (to resume a run, or draw its film strips); `source` names it in errors,
// which say which field is missing or malformed.
Timeline timeline_from_json(const nlohmann::json& document, const std::string& source);

}  // namespace camlens
