// Training benchmark (native): the camlens trainer (train_classifier, the loop camlens-trainer runs)
// on a built-in classifier (train/architecture.h, --arch), batch 64, AdamW with the trainer's defaults, for a
// shortened epoch of N batches, repeated. bench/torch_compare.py runs it next to the same epoch in
// PyTorch. Each repeat is one call on a fresh N * 64-image epoch (a fixed slice of the training set);
// the evaluation after the epoch is left out of the time (it runs on 64 test images only).
//
// Prints one JSON object: per-step milliseconds (median and 10th/90th percentile over the repeats)
// and the full-epoch equivalent (60,000 / 64 = 937 steps).
//
// With --probes N it times what following N probes adds to an epoch instead: two training runs of
// the same settings (train/run.h, as camlens train runs them), one following the first test image of
// N classes and one following none, an epoch of each in turn; the validation set is the first
// --validation test images.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "train/architecture.h"
#include "train/idx.h"
#include "train/run.h"
#include "train/training.h"
#include "timing.h"
#include "training_run.h"

using namespace camlens;

namespace {

constexpr const char* kUsage =
    "usage: camlens_bench_train [--batches N] [--repeats R] [--no-augment] [--data DIR] [--threads N]\n"
    "                           [--arch NAME] [--probes N [--validation N]]\n"
    "  defaults: 40 batches of 64 per timed epoch, 3 timed epochs after a 5-batch warm-up, augmentation on,\n"
    "            1 thread, the vgg architecture; with --probes, 1,000 validation images\n";

struct Arguments {
  int batches = 40;
  int repeats = 3;
  bool augment = true;
  int threads = 1;
  std::string data = kFashionMnistDir;
  std::string architecture = "vgg";
  int probes = 0;  // > 0: time the probes' cost instead of the trainer's step
  int validation = 1000;
};

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--no-augment") {
      args.augment = false;
      continue;
    }
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) fail(flag, " needs a value (or is unknown)\n", kUsage);
    const std::string value = argv[++i];
    if (flag == "--batches") args.batches = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--repeats") args.repeats = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--data") args.data = value;
    else if (flag == "--arch") args.architecture = value;
    else if (flag == "--threads") args.threads = std::atoi(value.c_str());
    else if (flag == "--probes") args.probes = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--validation") args.validation = std::max(1, std::atoi(value.c_str()));
    else fail("unknown option '", flag, "'\n", kUsage);
  }
  return args;
}

nlohmann::json summary_seconds(std::vector<double> seconds) {
  std::vector<double> ms;
  for (const double s : seconds) ms.push_back(1000.0 * s);
  const bench::Timing t = bench::summarize(ms);
  return {{"median", t.median_ms / 1000.0}, {"p10", t.low_ms / 1000.0}, {"p90", t.high_ms / 1000.0}};
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The probes' cost: epochs of a run following `args.probes` probes and of one following none, in turn.
nlohmann::json time_probes(const Arguments& args, FashionMnist data) {
  TrainingSet set;
  set.source = "fashion-mnist";
  set.labels = fashion_mnist_labels();
  set.train = take_first(data.train, static_cast<size_t>(args.batches) * TrainOptions{}.batch);
  set.validation = take_first(data.test, static_cast<size_t>(args.validation));
  RunSettings settings = bench::default_run_settings(args.architecture, set);
  settings.augment = args.augment;
  TrainingRun with(settings, set, bench::first_probe_of_each_class(set.validation, 10, args.probes));
  TrainingRun without(settings, set, {});
  bench::time_next_epoch(with);  // warm-up
  bench::time_next_epoch(without);
  std::vector<double> epoch_with, after_with, wall_with, epoch_without, after_without, wall_without, ratios;
  for (int repeat = 0; repeat < args.repeats; ++repeat) {
    const bool with_first = repeat % 2 == 0;
    const bench::RunEpochTiming first = bench::time_next_epoch(with_first ? with : without);
    const bench::RunEpochTiming second = bench::time_next_epoch(with_first ? without : with);
    const bench::RunEpochTiming& a = with_first ? first : second;
    const bench::RunEpochTiming& b = with_first ? second : first;
    epoch_with.push_back(a.epoch_seconds);
    after_with.push_back(a.after_seconds);
    wall_with.push_back(a.wall_seconds);
    epoch_without.push_back(b.epoch_seconds);
    after_without.push_back(b.after_seconds);
    wall_without.push_back(b.wall_seconds);
    ratios.push_back(a.wall_seconds / b.wall_seconds);
  }
  const double share = (median_of(after_with) - median_of(after_without)) / median_of(epoch_without);
  return {{"architecture", args.architecture},
          {"threads", args.threads},
          {"train_images", set.train.size()},
          {"validation_images", set.validation.size()},
          {"probes", args.probes},
          {"method", settings.method},
          {"repeats", args.repeats},
          {"with_probes", {{"epoch_seconds", summary_seconds(epoch_with)}, {"after_epoch_seconds", summary_seconds(after_with)},
                           {"wall_seconds", summary_seconds(wall_with)}}},
          {"without_probes", {{"epoch_seconds", summary_seconds(epoch_without)},
                              {"after_epoch_seconds", summary_seconds(after_without)},
                              {"wall_seconds", summary_seconds(wall_without)}}},
          {"probes_share_of_epoch", share},
          {"wall_ratio_with_over_without", {{"median", median_of(ratios)}, {"rounds", ratios}}}};
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  kernels::pin_threads_to_cpus(true);  // as the CLI and the trainer run
  kernels::set_thread_count(args.threads);
  FashionMnist data = load_fashion_mnist(args.data);
  if (args.probes > 0) {
    std::printf("%s\n", time_probes(args, std::move(data)).dump(2).c_str());
    return 0;
  }
  const Architecture architecture = make_architecture(args.architecture, Shape{28, 28, 1}, 10);
  Graph graph = build_training_graph(architecture, 1);

  TrainOptions options;  // the trainer's defaults: batch 64, AdamW lr 0.002, weight decay 0.01
  options.epochs = 1;
  options.augment = args.augment;
  const Dataset test = take_first(data.test, static_cast<size_t>(options.batch));
  const Dataset epoch_images = take_first(data.train, static_cast<size_t>(args.batches) * options.batch);

  train_classifier(graph, take_first(data.train, 5 * static_cast<size_t>(options.batch)), test, options);  // warm-up
  std::vector<double> step_ms, cpu_step_ms;
  for (int repeat = 0; repeat < args.repeats; ++repeat) {
    options.seed = 1 + repeat;
    const double cpu0 = bench::cpu_ms();
    const std::vector<EpochReport> reports = train_classifier(graph, epoch_images, test, options);
    step_ms.push_back(1000.0 * reports.front().train_seconds / args.batches);
    // Includes the 64-image evaluation after the epoch: under 1% of it.
    cpu_step_ms.push_back((bench::cpu_ms() - cpu0) / args.batches);
  }
  const bench::Timing step = bench::summarize(step_ms);
  const double cpu_step = bench::summarize(cpu_step_ms).median_ms;
  const double full_epoch_steps = static_cast<double>(data.train.size() / options.batch);
  const nlohmann::json out = {
      {"architecture", architecture.name},
      {"multiply_adds_per_image", multiply_adds_per_image(graph)},
      {"batch", options.batch},
      {"batches_per_timed_epoch", args.batches},
      {"repeats", args.repeats},
      {"augment", args.augment},
      {"threads", args.threads},
      {"step_ms", {{"median", step.median_ms}, {"p10", step.low_ms}, {"p90", step.high_ms}, {"cpu_median", cpu_step}}},
      {"full_epoch_steps", full_epoch_steps},
      {"full_epoch_seconds", step.median_ms * full_epoch_steps / 1000.0}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "camlens_bench_train: %s\n", e.what());
  return 1;
}
