#pragma once
// Training a classifier graph (logits as its last node) with softmax cross-entropy:
// shuffled mini-batches drawn with a fixed seed, optional augmentation, a cosine learning-rate
// schedule over all steps, and an evaluation of the validation set after every epoch. One epoch
// at a time, so a caller can snapshot, explain and show each epoch, cancel, and resume later.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "train/augment.h"
#include "train/dataset.h"
#include "train/optimizer.h"
#include "train/random.h"

namespace camlens {

// Defaults: AdamW with batch 64, the setting that learns Fashion-MNIST fastest per epoch among SGD
// and Adam at batches 64 and 128 (bench/results/tuning-notes.md).
struct TrainOptions {
  int epochs = 7;
  int batch = 64;
  float learning_rate = 0.002f;  // the schedule's peak
  int warmup_steps = 0;          // linear ramp from 0 to learning_rate before the cosine decay
  OptimizerOptions optimizer{OptimizerKind::adam, 0.9f, {}, 0.01f};
  bool augment = true;
  AugmentOptions augmentation;
  uint64_t seed = 1;     // shuffling and augmentation
  int eval_batch = 500;  // evaluation runs in inference mode, this many images at a time
};

struct Evaluation {
  double loss = 0.0;      // mean cross-entropy
  double accuracy = 0.0;  // fraction correct
};

struct EpochReport {
  int epoch = 0;  // 1-based
  int epochs = 0;
  float learning_rate = 0.0f;  // at the epoch's last step
  // Means over the epoch's steps, in training mode (batch statistics, augmented images).
  Evaluation train;
  Evaluation validation;
  double train_seconds = 0.0;
  double validation_seconds = 0.0;
};

// Called after each epoch's evaluation, e.g. to print it and save a snapshot of `graph`.
using EpochCallback = std::function<void(const EpochReport& report, Graph& graph)>;

// Learning rate at `step` (0-based) of `total_steps`: a linear warmup over `warmup_steps`, then a
// cosine from `peak` down to 0 at the last step.
float scheduled_learning_rate(float peak, int step, int total_steps, int warmup_steps);

// Runs `graph` in inference mode over `data`, reading the logits at node `logits_node` (empty: the
// last node; name it when a Softmax follows the logits).
Evaluation evaluate_classifier(Graph& graph, const Dataset& data, int batch, const std::string& logits_node = {});

// Called after each training step with the steps done and the epoch's step count.
using StepProgress = std::function<void(int done, int total)>;
// Asked before each step: true stops the epoch.
using CancelCheck = std::function<bool()>;

// Trains `graph` in place, one epoch per run_epoch(). Each epoch takes size / batch full batches
// of a fresh shuffle (the remainder, different every epoch, is left out so BatchNorm always sees a
// full batch). The graph and both datasets must outlive the trainer.
class ClassifierTrainer {
 public:
  // Throws when the training set holds fewer than `batch` images, or a label does not fit the logits.
  ClassifierTrainer(Graph& graph, const Dataset& train, const Dataset& validation, const TrainOptions& options);

  int epochs_done() const { return epochs_done_; }
  bool finished() const { return epochs_done_ >= options_.epochs; }
  int steps_per_epoch() const { return steps_per_epoch_; }

  // Trains the next epoch, then evaluates the validation set. Returns nothing when `cancelled`
  // said so: the graph is then part-way through the epoch, and only a state saved before it
  // (save_state) holds the last finished epoch.
  std::optional<EpochReport> run_epoch(const StepProgress& progress = {}, const CancelCheck& cancelled = {});

  // Everything the next epochs depend on (parameters, BatchNorm statistics, the optimiser's
  // moments and step count, the random stream and the shuffled order), as bytes: a trainer made
  // with the same graph layout, data and options continues from it exactly as this one would.
  std::vector<uint8_t> save_state();
  // Throws an Error saying what does not match (another architecture, data set size or optimiser)
  // or that the bytes are damaged; the trainer is unchanged then.
  void load_state(std::span<const uint8_t> bytes);

 private:
  // Parameters, BatchNorm statistics and optimiser moments, in one fixed order.
  std::vector<NamedBuffer> state_tensors();

  Graph& graph_;
  const Dataset& train_;
  const Dataset& validation_;
  TrainOptions options_;
  Optimizer optimizer_;
  SeededRandom random_;
  int steps_per_epoch_ = 0;
  int epochs_done_ = 0;
  std::vector<size_t> order_;
  Tensor images_, probabilities_, d_logits_;
  std::vector<int> labels_;
};

// Every epoch in one call: `on_epoch` after each.
std::vector<EpochReport> train_classifier(Graph& graph, const Dataset& train, const Dataset& validation,
                                          const TrainOptions& options, const EpochCallback& on_epoch = {});

}  // namespace camlens
