#pragma once
// A training run as the CLI and the page run it (train/run.h's TrainingRun, the trainer's
// defaults), set up for timing one epoch at a time, natively (bench/train_bench.cpp) and in
// Chromium (bench/browser_bench.cpp): what an epoch costs with and without its probes.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "train/run.h"

namespace camlens::bench {

// The first image of each class of `data`, up to `count` of them, as a run follows them by default.
inline std::vector<ProbeImage> first_probe_of_each_class(const Dataset& data, int classes, int count) {
  std::vector<ProbeImage> probes;
  const Shape& shape = data.item_shape;
  for (int c = 0; c < classes && static_cast<int>(probes.size()) < count; ++c) {
    const auto it = std::find(data.labels.begin(), data.labels.end(), c);
    if (it == data.labels.end()) continue;
    const size_t index = static_cast<size_t>(it - data.labels.begin());
    Image image(shape[1], shape[0], shape[2]);
    const std::span<const std::uint8_t> pixels = data.item(index);
    std::copy(pixels.begin(), pixels.end(), image.data());
    probes.push_back({{"probe-" + std::to_string(c) + ".png", c}, std::move(image)});
  }
  if (static_cast<int>(probes.size()) < count) {
    fail("the validation set has images of ", probes.size(), " classes, fewer than the ", count, " probes asked for");
  }
  return probes;
}

// The settings `camlens train --arch NAME` gives a run on `data` (the trainer's defaults: batch 64,
// AdamW, augmentation, the probes' maps by CAM), with enough epochs that the benchmark never runs out.
inline RunSettings default_run_settings(const std::string& architecture, const TrainingSet& data) {
  const TrainOptions defaults;
  RunSettings settings;
  settings.architecture = architecture;
  settings.data = data.source;
  settings.input = data.train.item_shape;
  settings.labels = data.labels;
  settings.epochs = 1000;
  settings.batch = defaults.batch;
  settings.optimizer = "adam";
  settings.learning_rate = defaults.learning_rate;
  settings.weight_decay = defaults.optimizer.weight_decay;
  settings.augment = defaults.augment;
  settings.seed = 1;
  settings.method = "cam";
  return settings;
}

struct RunEpochTiming {
  double epoch_seconds = 0;  // the trainer's epoch and the validation after it, by the run's own clock
  // Everything next_epoch does after them: the snapshot, and the probes explained with it.
  double after_seconds = 0;
  double wall_seconds = 0;  // the whole next_epoch call
};

inline RunEpochTiming time_next_epoch(TrainingRun& run) {
  const auto start = std::chrono::steady_clock::now();
  const std::optional<EpochOutcome> outcome = run.next_epoch();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!outcome) fail("the benchmark's epoch was cancelled");
  return {outcome->entry.seconds, wall - outcome->entry.seconds, wall};
}

}  // namespace camlens::bench
