#include "train/run.h"

#include <cstdio>

#include "core/error.h"

namespace camlens {

namespace {

OptimizerKind optimizer_kind(const std::string& name) {
  if (name == "adam") return OptimizerKind::adam;
  if (name == "sgd") return OptimizerKind::sgd_momentum;
  fail("the optimiser must be adam or sgd, got '", name, "'");
}

Architecture architecture_of(const RunSettings& settings, const TrainingSet& data) {
  if (settings.labels != data.labels) {
    fail("the run's classes (", settings.labels.size(), ") are not the data's (", data.labels.size(),
         "): train on the data the run was made for");
  }
  return make_architecture(settings.architecture, settings.input, static_cast<int>(settings.labels.size()));
}

void check_images(const Dataset& data, const Shape& input, const char* which) {
  if (data.size() > 0 && data.image_shape() != input) {
    fail("the ", which, " images are ", data.image_shape().str(), " but the run's input is ", input.str(),
         ": resize the images to the architecture's input");
  }
}

}  // namespace

TrainOptions train_options(const RunSettings& settings) {
  TrainOptions options;
  options.epochs = settings.epochs;
  options.batch = settings.batch;
  options.learning_rate = settings.learning_rate;
  options.optimizer.kind = optimizer_kind(settings.optimizer);
  options.optimizer.weight_decay = settings.weight_decay;
  options.augment = settings.augment;
  options.seed = settings.seed;
  return options;
}

ModelMetadata snapshot_metadata(const Architecture& architecture, std::span<const std::string> labels) {
  ModelMetadata metadata;
  metadata.labels.assign(labels.begin(), labels.end());
  metadata.input_height = architecture.input[0];
  metadata.input_width = architecture.input[1];
  metadata.color = architecture.input[2] == 1 ? InputColor::gray : InputColor::rgb;
  metadata.explain_layer = architecture.explain_layer();
  return metadata;
}

std::string snapshot_folder(int epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epochs/%02d", epoch);
  return name;
}

TrainingRun::TrainingRun(const RunSettings& settings, const TrainingSet& data, std::vector<ProbeImage> probes)
    : architecture_(architecture_of(settings, data)),
      metadata_(snapshot_metadata(architecture_, settings.labels)),
      probes_(std::move(probes)),
      graph_(build_training_graph(architecture_, settings.seed)),
      trainer_(graph_, data.train, data.validation, train_options(settings)) {
  check_images(data.train, settings.input, "training");
  check_images(data.validation, settings.input, "validation");
  timeline_.run = settings;
  timeline_.run.layer = architecture_.explain_layer();
  timeline_.run.train_images = data.train.size();
  timeline_.run.validation_images = data.validation.size();
  for (const ProbeImage& probe : probes_) {
    if (probe.probe.true_class < 0 || static_cast<size_t>(probe.probe.true_class) >= settings.labels.size()) {
      fail("probe ", probe.probe.image, " has class ", probe.probe.true_class, ", not one of the run's ",
           settings.labels.size());
    }
    timeline_.probes.push_back(probe.probe);
  }
}

void TrainingRun::resume(const Timeline& timeline, std::span<const uint8_t> state) {
  const RunSettings& saved = timeline.run;
  const RunSettings& ours = timeline_.run;
  if (saved.architecture != ours.architecture || saved.input != ours.input || saved.labels != ours.labels ||
      saved.batch != ours.batch || saved.seed != ours.seed || saved.optimizer != ours.optimizer ||
      saved.train_images != ours.train_images || saved.validation_images != ours.validation_images) {
    fail("the timeline is of another run (architecture ", saved.architecture, ", ", saved.train_images,
         " training images, batch ", saved.batch, ", seed ", saved.seed, "): resume with the settings it was made with");
  }
  trainer_.load_state(state);
  if (trainer_.epochs_done() != static_cast<int>(timeline.epochs.size())) {
    fail("the training state is of epoch ", trainer_.epochs_done(), " but the timeline holds ", timeline.epochs.size(),
         " epochs: the run folder is damaged");
  }
  const int epochs = timeline_.run.epochs;
  timeline_ = timeline;
  timeline_.run.epochs = epochs;
}

std::optional<EpochOutcome> TrainingRun::next_epoch(const StepProgress& progress, const CancelCheck& cancelled) {
  const std::optional<EpochReport> report = trainer_.run_epoch(progress, cancelled);
  if (!report) return std::nullopt;
  EpochOutcome outcome{{}, build_inference_graph(architecture_, graph_)};
  TimelineEpoch& entry = outcome.entry;
  entry.epoch = report->epoch;
  entry.train_loss = report->train.loss;
  entry.train_accuracy = report->train.accuracy;
  entry.validation_loss = report->validation.loss;
  entry.validation_accuracy = report->validation.accuracy;
  entry.seconds = report->train_seconds + report->validation_seconds;
  entry.snapshot = snapshot_folder(report->epoch);
  Model explained{build_inference_graph(architecture_, graph_), metadata_, "logits", "probabilities"};
  entry.probes = explain_probes(std::move(explained), probes_, timeline_.run.method);
  timeline_.epochs.push_back(entry);
  return outcome;
}

}  // namespace camlens
