#pragma once
// Training a classifier graph (logits as its last node) with softmax cross-entropy:
// shuffled mini-batches drawn with a fixed seed, optional augmentation, a cosine learning-rate
// schedule over all steps, and an evaluation of the test set after every epoch.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "train/augment.h"
#include "train/dataset.h"
#include "train/optimizer.h"

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
  Evaluation test;
  double train_seconds = 0.0;
  double test_seconds = 0.0;
};

// Called after each epoch's evaluation, e.g. to print it and save a snapshot of `graph`.
using EpochCallback = std::function<void(const EpochReport& report, Graph& graph)>;

// Learning rate at `step` (0-based) of `total_steps`: a linear warmup over `warmup_steps`, then a
// cosine from `peak` down to 0 at the last step.
float scheduled_learning_rate(float peak, int step, int total_steps, int warmup_steps);

// Runs `graph` in inference mode over `data`, reading the logits at node `logits_node` (empty: the
// last node; name it when a Softmax follows the logits).
Evaluation evaluate_classifier(Graph& graph, const Dataset& data, int batch, const std::string& logits_node = {});

// Trains `graph` in place. Each epoch takes size / batch full batches of a fresh shuffle (the
// remainder, different every epoch, is left out so BatchNorm always sees a full batch).
// Throws when the training set holds fewer than `batch` images, or a label does not fit the logits.
std::vector<EpochReport> train_classifier(Graph& graph, const Dataset& train, const Dataset& test,
                                          const TrainOptions& options, const EpochCallback& on_epoch = {});

}  // namespace camlens
