#include "train/session.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "image/channels.h"
#include "image/preprocess.h"
#include "io/json_fields.h"
#include "train/idx.h"

namespace camlens {

namespace {

using nlohmann::json;
namespace jf = json_fields;

const std::set<std::string>& run_setting_names() {
  static const std::set<std::string> names{"architecture", "epochs", "batch",  "optimizer", "lr",    "weight_decay",
                                           "augment",      "seed",   "limit",  "method"};
  return names;
}

double number_in(const json& options, const char* key, double fallback, double min, double max) {
  const double value = jf::number_or(options, key, std::string("training settings: ") + key, fallback);
  if (!(value >= min && value <= max)) {
    fail("training settings: ", key, " must lie in [", min, ", ", max, "], got ", value);
  }
  return value;
}

uint64_t count_in(const json& options, const char* key, double fallback, double max) {
  const double value = number_in(options, key, fallback, 0.0, max);
  if (value != static_cast<double>(static_cast<uint64_t>(value))) {
    fail("training settings: ", key, " must be a whole number, got ", value);
  }
  return static_cast<uint64_t>(value);
}

std::vector<std::string> strings_of(const json& value, const std::string& where) {
  std::vector<std::string> out;
  const json& array = jf::as_array(value, where);
  for (size_t i = 0; i < array.size(); ++i) out.push_back(jf::as_string(array[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

RunSettings run_settings_from_json(const json& options) {
  jf::as_object(options, "training settings");
  for (const auto& [key, value] : options.items()) {
    if (!run_setting_names().contains(key)) {
      std::string known;
      for (const std::string& name : run_setting_names()) known += (known.empty() ? "" : ", ") + name;
      fail("training settings: unknown setting '", key, "'; the settings are ", known);
    }
  }
  RunSettings run;
  run.architecture = jf::string_or(options, "architecture", "training settings: architecture", "vgg");
  run.epochs = static_cast<int>(count_in(options, "epochs", 7, 1000));
  if (run.epochs < 1) fail("training settings: epochs must be at least 1, got 0");
  run.batch = static_cast<int>(count_in(options, "batch", 64, 4096));
  if (run.batch < 1) fail("training settings: batch must be at least 1, got 0");
  run.optimizer = jf::string_or(options, "optimizer", "training settings: optimizer", "adam");
  if (run.optimizer != "adam" && run.optimizer != "sgd") {
    fail("training settings: optimizer must be adam or sgd, got '", run.optimizer, "'");
  }
  const bool adam = run.optimizer == "adam";
  run.learning_rate = static_cast<float>(number_in(options, "lr", adam ? 0.002 : 0.05, 1e-9, 10.0));
  run.weight_decay = static_cast<float>(number_in(options, "weight_decay", adam ? 0.01 : 5e-4, 0.0, 1.0));
  run.augment = jf::bool_or(options, "augment", "training settings: augment", true);
  run.seed = count_in(options, "seed", 1, 0x1.0p53);
  run.limit = count_in(options, "limit", 0, 0x1.0p53);
  run.method = jf::string_or(options, "method", "training settings: method", "cam");
  return run;
}

SkipReason skip_reason_named(const std::string& name) {
  for (const SkipReason reason : {SkipReason::not_an_image, SkipReason::too_large, SkipReason::unreadable}) {
    if (name == skip_reason_name(reason)) return reason;
  }
  fail("a skipped file's reason must be 'not an image', 'too large' or 'unreadable', got '", name, "'");
}

FolderListing folder_listing_from_json(const json& document) {
  const std::string where = "folder listing";
  jf::as_object(document, where);
  FolderListing listing;
  listing.root = jf::string_or(document, "root", where + ".root", "");
  listing.split_given = jf::bool_or(document, "split_given", where + ".split_given", false);
  const json& classes = jf::as_array(jf::require(document, "classes", where), where + ".classes");
  for (size_t i = 0; i < classes.size(); ++i) {
    const std::string at = where + ".classes[" + std::to_string(i) + "]";
    ClassFiles files;
    files.name = jf::as_string(jf::require(classes[i], "name", at), at + ".name");
    files.train = strings_of(jf::require(classes[i], "train", at), at + ".train");
    if (const json* validation = jf::find(classes[i], "validation"); validation && !validation->is_null()) {
      files.validation = strings_of(*validation, at + ".validation");
    }
    listing.classes.push_back(std::move(files));
  }
  if (const json* skipped = jf::find(document, "skipped"); skipped && !skipped->is_null()) {
    const json& array = jf::as_array(*skipped, where + ".skipped");
    for (size_t i = 0; i < array.size(); ++i) {
      const std::string at = where + ".skipped[" + std::to_string(i) + "]";
      listing.skipped.push_back({jf::as_string(jf::require(array[i], "file", at), at + ".file"),
                                 skip_reason_named(jf::string_or(array[i], "reason", at + ".reason", "unreadable")),
                                 jf::string_or(array[i], "detail", at + ".detail", "")});
    }
  }
  return listing;
}

DataSummary TrainingSession::use_idx(std::span<const uint8_t> train_images, std::span<const uint8_t> train_labels,
                                     std::span<const uint8_t> test_images, std::span<const uint8_t> test_labels) {
  TrainingSet set;
  set.source = "fashion-mnist";
  set.labels = fashion_mnist_labels();
  set.train = dataset_from_idx(parse_idx(train_images, "train-images-idx3-ubyte"),
                               parse_idx(train_labels, "train-labels-idx1-ubyte"), "the training set");
  set.validation = dataset_from_idx(parse_idx(test_images, "t10k-images-idx3-ubyte"),
                                    parse_idx(test_labels, "t10k-labels-idx1-ubyte"), "the test set");
  validate_dataset(set.train, static_cast<int>(set.labels.size()), "the training set");
  validate_dataset(set.validation, static_cast<int>(set.labels.size()), "the test set");
  DataSummary summary;
  summary.source = set.source;
  summary.classes = set.labels;
  summary.input = set.train.item_shape;
  for (const std::string& label : set.labels) summary.counts.push_back({label});
  for (const int label : set.train.labels) ++summary.counts[label].train;
  for (const int label : set.validation.labels) ++summary.counts[label].validation;
  builder_.reset();
  keep_data(std::move(set), std::move(summary));
  set_default_probes(first_of_each_class(data_->validation, data_->labels.size()));
  return summary_;
}

DataSummary TrainingSession::plan_folder(FolderListing listing, const Shape& input, const SplitOptions& split) {
  builder_.reset();
  plan_image_folder(listing, split);
  planned_ = {};
  planned_.source = listing.root;
  planned_.input = input;
  planned_.skipped = listing.skipped;
  planned_.validation_fraction = listing.split_given ? 0.0 : split.validation_fraction;
  planned_validation_.clear();
  for (const ClassFiles& files : listing.classes) {
    planned_.classes.push_back(files.name);
    planned_.counts.push_back({files.name, files.train.size(), files.validation.size(), 0});
    planned_validation_.push_back(files.validation);  // sorted by plan_image_folder
  }
  probe_files_.assign(listing.classes.size(), "");
  probe_pictures_.clear();
  probe_pictures_.resize(listing.classes.size());
  builder_ = std::make_unique<ImageFolderBuilder>(std::move(listing), input);
  return planned_;
}

bool TrainingSession::folder_done() const { return builder_ == nullptr || builder_->done(); }

const std::string& TrainingSession::next_file() const {
  if (builder_ == nullptr) fail("no folder is being read: plan one first");
  return builder_->next_file();
}

void TrainingSession::add_image(const Image& image) {
  const std::string& file = next_file();
  for (size_t c = 0; c < planned_validation_.size(); ++c) {
    const std::vector<std::string>& validation = planned_validation_[c];
    if (probe_files_[c].empty() && std::binary_search(validation.begin(), validation.end(), file)) {
      probe_files_[c] = file;
      probe_pictures_[c] = probe_picture(image);
    }
  }
  builder_->add(image);
}

void TrainingSession::skip_file(SkipReason reason, std::string detail) {
  if (builder_ == nullptr) fail("no folder is being read: plan one first");
  builder_->skip(reason, std::move(detail));
}

DataSummary TrainingSession::finish_folder() {
  if (builder_ == nullptr) fail("no folder is being read: plan one first");
  ImageFolder folder = builder_->finish();
  builder_.reset();
  const std::vector<size_t> firsts = first_validation_items(folder);
  TrainingSet set;
  set.source = planned_.source;
  set.labels = folder.classes;
  set.train = std::move(folder.train);
  set.validation = std::move(folder.validation);
  DataSummary summary;
  summary.source = planned_.source;
  summary.classes = folder.classes;
  summary.counts = folder.counts;
  summary.skipped = folder.skipped;
  summary.input = planned_.input;
  summary.validation_fraction = planned_.validation_fraction;
  keep_data(std::move(set), std::move(summary));
  // A class whose first validation item is not the file kept (its held-out side was refilled from
  // training files) shows the item itself.
  probes_.clear();
  for (const size_t index : firsts) {
    const int label = data_->validation.labels[index];
    const bool kept = probe_files_[label] == folder.validation_files[index];
    probes_.push_back({{probe_file_name(probes_.size(), data_->labels[label]), label},
                       kept ? std::move(probe_pictures_[label]) : item_image(data_->validation, index)});
  }
  probe_files_.clear();
  probe_pictures_.clear();
  planned_validation_.clear();
  return summary_;
}

const DataSummary& TrainingSession::data_summary() const {
  if (data_ == nullptr) fail("the session has no data yet: give Fashion-MNIST or a folder first");
  return summary_;
}

void TrainingSession::keep_data(TrainingSet set, DataSummary summary) {
  run_.reset();
  run_data_.reset();
  data_ = std::make_unique<TrainingSet>(std::move(set));
  summary_ = std::move(summary);
}

void TrainingSession::set_default_probes(const std::vector<size_t>& validation_items) {
  probes_.clear();
  for (const size_t index : validation_items) {
    const int label = data_->validation.labels[index];
    probes_.push_back({{probe_file_name(probes_.size(), data_->labels[label]), label}, item_image(data_->validation, index)});
  }
}

void TrainingSession::set_probes(std::vector<ProbeImage> probes) {
  const std::vector<std::string>& labels = data_summary().classes;
  for (size_t i = 0; i < probes.size(); ++i) {
    const int label = probes[i].probe.true_class;
    if (label < 0 || static_cast<size_t>(label) >= labels.size()) {
      fail("probe ", i, " has class ", label, "; the data's classes are 0 to ", labels.size() - 1);
    }
    if (probes[i].image.empty()) fail("probe ", i, " has no pixels");
    probes[i].probe.image = probe_file_name(i, labels[label]);
  }
  probes_ = std::move(probes);
}

void TrainingSession::start(RunSettings settings) {
  const DataSummary& summary = data_summary();
  if (probes_.empty()) fail("the run has no probe images to follow; set at least one");
  run_.reset();
  run_data_.reset();
  settings.data = summary.source;
  settings.input = summary.input;
  settings.labels = summary.classes;
  settings.validation_fraction = summary.validation_fraction;
  auto run_data = std::make_unique<TrainingSet>();
  run_data->source = data_->source;
  run_data->labels = data_->labels;
  run_data->train = take_first(data_->train, settings.limit > 0 ? settings.limit : data_->train.size());
  run_data->validation = take_first(data_->validation, data_->validation.size());
  std::vector<ProbeImage> probes;
  for (const ProbeImage& probe : probes_) probes.push_back({probe.probe, probe.image.clone()});
  auto run = std::make_unique<TrainingRun>(settings, *run_data, std::move(probes));
  run_data_ = std::move(run_data);
  run_ = std::move(run);
}

TrainingRun& TrainingSession::run() {
  if (run_ == nullptr) fail("no run has started: call start(settings) first");
  return *run_;
}

std::optional<EpochOutcome> TrainingSession::next_epoch(const StepProgress& progress, const CancelCheck& cancelled) {
  TrainingRun& current = run();
  if (current.finished()) fail("the run has trained all its ", current.timeline().run.epochs, " epochs");
  // A cancelled epoch leaves the weights part-way through it: the state saved before it puts the
  // run back after its last finished epoch, so the next epoch is the one it would have been.
  const std::vector<uint8_t> state = current.save_state();
  std::optional<EpochOutcome> outcome = current.next_epoch(progress, cancelled);
  if (!outcome) {
    const Timeline finished_epochs = current.timeline();
    current.resume(finished_epochs, state);
  }
  return outcome;
}

}  // namespace camlens
