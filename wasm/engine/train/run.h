#pragma once
// A training run as a time-lapse: one epoch at a time, after each the snapshot (the deployable
// model, BatchNorm folded), the probes explained by that snapshot, and the epoch appended to the
// run's timeline. The CLI writes what each epoch gives to a run folder; the page shows it live.
// Everything the run depends on is in its RunSettings, so a saved timeline and state resume it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "io/metadata.h"
#include "train/architecture.h"
#include "train/dataset.h"
#include "train/timeline.h"
#include "train/training.h"

namespace camlens {

struct TrainingSet {
  std::string source;  // "fashion-mnist", or the folder the images came from
  std::vector<std::string> labels;
  Dataset train, validation;
  double validation_fraction = 0.0;  // the share held out of a folder without train/ and val/
};

// The trainer's options a run's settings give (the rest keep TrainOptions' defaults).
TrainOptions train_options(const RunSettings& settings);

// What the snapshots say about their input: the labels, the input size and colour (0..1 pixels, as
// the training images), the whole image as the crop, and the layer CAM explains.
ModelMetadata snapshot_metadata(const Architecture& architecture, std::span<const std::string> labels);

// The snapshot's folder, relative to the run's: "epochs/01", "epochs/02", ...
std::string snapshot_folder(int epoch);

struct EpochOutcome {
  TimelineEpoch entry;  // also appended to the run's timeline
  Graph snapshot;       // the deployable model after this epoch
};

class TrainingRun {
 public:
  // A new run: `settings` names the architecture, data and options; the graph is initialised from
  // settings.seed. `data` must outlive the run. Throws when the settings do not fit the data.
  TrainingRun(const RunSettings& settings, const TrainingSet& data, std::vector<ProbeImage> probes);

  // Continues a run from its timeline and the state saved after its last epoch; settings.epochs may
  // have grown. Throws an Error saying what differs when the timeline is not this run's.
  void resume(const Timeline& timeline, std::span<const uint8_t> state);

  // Trains the next epoch, makes its snapshot and explains the probes with it. Nothing when
  // cancelled: the epochs already done stay as they were.
  std::optional<EpochOutcome> next_epoch(const StepProgress& progress = {}, const CancelCheck& cancelled = {});
  // The state after the last finished epoch, for resume(); call it before the next epoch starts.
  std::vector<uint8_t> save_state() { return trainer_.save_state(); }

  bool finished() const { return trainer_.finished(); }
  int epochs_done() const { return trainer_.epochs_done(); }
  const Timeline& timeline() const { return timeline_; }
  const Architecture& architecture() const { return architecture_; }
  const ModelMetadata& metadata() const { return metadata_; }
  int steps_per_epoch() const { return trainer_.steps_per_epoch(); }

 private:
  Architecture architecture_;
  ModelMetadata metadata_;
  std::vector<ProbeImage> probes_;
  Timeline timeline_;
  Graph graph_;
  ClassifierTrainer trainer_;
};

}  // namespace camlens
