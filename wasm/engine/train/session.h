#pragma once
// A training session for a caller that owns no file system (the page): it takes the data as bytes
// or decoded images, keeps the probes, and runs one TrainingRun after another on the same data and
// probes (two architectures side by side). The order of calls:
//   use_idx(...)                                        Fashion-MNIST, from decompressed IDX bytes
//   or plan_folder(listing) -> next_file / add_image or skip_file until folder_done() -> finish_folder()
//   then probes() (the defaults: the first validation image of each class) or set_probes(...)
//   then start(settings) -> next_epoch(...) until run().finished(); start again for another run.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/image.h"
#include "train/image_folder.h"
#include "train/run.h"

namespace camlens {

// The settings a run takes from a JSON object, with the CLI's defaults for what is missing:
// architecture "vgg", epochs 7, batch 64, optimizer "adam", lr 0.002 (adam) or 0.05 (sgd),
// weight_decay 0.01 (adam) or 5e-4 (sgd), augment true, seed 1, limit 0 (every image), method "cam".
// An unknown member or a value out of range is an Error naming it.
RunSettings run_settings_from_json(const nlohmann::json& options);

// A listing the page made of a dropped folder, as JSON: {"root": "pets", "split_given": false,
// "classes": [{"name": "cat", "train": ["cat/1.png", ...], "validation": [...]}, ...],
// "skipped": [{"file": "notes.txt", "reason": "not an image", "detail": "..."}]}.
FolderListing folder_listing_from_json(const nlohmann::json& listing);

// The reason skip_reason_name gives back: "not an image", "too large" or "unreadable".
SkipReason skip_reason_named(const std::string& name);

struct DataSummary {
  std::string source;  // "fashion-mnist" or the folder's root
  std::vector<std::string> classes;
  std::vector<ClassCount> counts;  // per class: planned (plan_folder) or read (finish_folder, use_idx)
  std::vector<SkippedFile> skipped;
  Shape input;  // [H, W, C] of the training images
  double validation_fraction = 0.0;  // held out of a folder without train/ and val/; 0 otherwise
};

class TrainingSession {
 public:
  // Fashion-MNIST (or any MNIST-style set) from its four IDX files, already decompressed; the test
  // set is the validation set. `labels` name the classes (Fashion-MNIST's by default).
  DataSummary use_idx(std::span<const uint8_t> train_images, std::span<const uint8_t> train_labels,
                      std::span<const uint8_t> test_images, std::span<const uint8_t> test_labels);

  // Checks and splits a folder's listing (no pixel is read yet) for images of `input` [H, W, C].
  // Returns the classes and the planned counts per class. Errors: the listing's (plan_image_folder).
  DataSummary plan_folder(FolderListing listing, const Shape& input, const SplitOptions& split);
  bool folder_done() const;
  // The next file to decode (the listing's name for it); an Error when no folder is being read.
  const std::string& next_file() const;
  void add_image(const Image& image);
  void skip_file(SkipReason reason, std::string detail);
  // The data as read, with the files skipped. Errors: ImageFolderBuilder::finish's.
  DataSummary finish_folder();

  bool has_data() const { return data_ != nullptr; }
  const DataSummary& data_summary() const;

  // The probes the next run follows: the first validation image of each class unless set_probes
  // replaced them. Each probe's `image` names it in the run's folder ("probes/01-cat.png").
  const std::vector<ProbeImage>& probes() const { return probes_; }
  // Replaces the probes; each true_class must be one of the data's classes.
  void set_probes(std::vector<ProbeImage> probes);

  // A new run on the session's data and probes, replacing the current one. settings.data, input
  // and labels come from the data; settings.limit keeps the first `limit` training images.
  void start(RunSettings settings);
  bool running() const { return run_ != nullptr; }
  TrainingRun& run();
  // The run's next epoch; nothing when cancelled, and the run is then back after its last
  // finished epoch (weights, optimiser and random stream), as if the epoch had never started.
  std::optional<EpochOutcome> next_epoch(const StepProgress& progress = {}, const CancelCheck& cancelled = {});

 private:
  void keep_data(TrainingSet set, DataSummary summary);
  void set_default_probes(const std::vector<size_t>& validation_items);

  std::unique_ptr<TrainingSet> data_;  // the whole data; a run trains on run_data_
  DataSummary summary_;
  std::vector<ProbeImage> probes_;
  // Reading a folder: the builder, and per class the first validation file's picture as given.
  std::unique_ptr<ImageFolderBuilder> builder_;
  DataSummary planned_;
  std::vector<std::vector<std::string>> planned_validation_;  // per class, sorted
  std::vector<std::string> probe_files_;
  std::vector<Image> probe_pictures_;
  std::unique_ptr<TrainingSet> run_data_;
  std::unique_ptr<TrainingRun> run_;  // declared last: destroyed before run_data_, which it refers to
};

}  // namespace camlens
