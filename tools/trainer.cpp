// camlens-trainer: trains a built-in classifier (train/architecture.h) on Fashion-MNIST with the engine's own
// forward and backward passes, printing loss, accuracy and time per epoch. With --out, every
// epoch saves a snapshot there (BatchNorm folded) as a TensorFlow.js layers model, so the folder
// always holds the latest epoch's model, and a copy goes to epochs/NN/ for the time-lapse; at the
// end the saved model is loaded back and scored.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <thread>

#include "core/error.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "kernels/backend.h"
#include "train/architecture.h"
#include "train/idx.h"
#include "train/training.h"

using namespace camlens;

namespace {

struct Arguments {
  TrainOptions train;
  size_t limit = 0;  // 0: every training image
  std::string data = kFashionMnistDir;
  std::string architecture = "vgg";
  std::filesystem::path out;  // empty: no snapshots
  bool learning_rate_given = false, weight_decay_given = false;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

// Defaults per optimiser when --lr / --weight-decay are not given (the decay is decoupled,
// w -= lr * decay * w, so both give a similar shrink per step): Adam's steps are normalised,
// SGD's are not.
constexpr float kSgdLearningRate = 0.05f, kSgdWeightDecay = 5e-4f;
constexpr float kAdamLearningRate = 0.002f, kAdamWeightDecay = 0.01f;

constexpr double kIntMax = std::numeric_limits<int>::max();

constexpr const char* kUsage =
    "usage: camlens-trainer [--out DIR] [--epochs N] [--batch B] [--lr X] [--optimizer sgd|adam]\n"
    "                       [--weight-decay X] [--seed S] [--limit N] [--no-augment] [--data DIR] [--threads N]\n"
    "                       [--arch NAME]\n"
    "  --out DIR   save the model there after every epoch (model.json + weights.bin), and in DIR/epochs/NN\n"
    "  --lr X      the peak of the cosine schedule (default 0.002 for adam, 0.05 for sgd)\n"
    "  --weight-decay X  decoupled, kernels only (default 0.01 for adam, 5e-4 for sgd)\n"
    "  --limit N   train on the first N training images only (quick runs); the test set stays whole\n"
    "  --data DIR  the folder of Fashion-MNIST's four *-ubyte.gz files (default: Debian's)\n"
    "  --threads N threads for the kernels (default: every hardware thread); the same seed gives the\n"
    "              same model whatever N is\n"
    "  --arch NAME the architecture (default vgg; --help lists them)\n"
    "  defaults: 7 epochs, batch 64, adam (AdamW), seed 1, augmentation on\n";

double number_after(int& i, int argc, char** argv) {
  const std::string_view flag = argv[i];
  if (i + 1 >= argc) fail(flag, " needs a value\n", kUsage);
  char* end = nullptr;
  const double value = std::strtod(argv[++i], &end);
  if (end == argv[i] || *end != '\0') fail(flag, " needs a number, got '", argv[i], "'\n", kUsage);
  return value;
}

// A whole number in [0, max] (max below 2^53, exact in a double).
uint64_t count_after(int& i, int argc, char** argv, double max = 0x1.0p53 - 1) {
  const std::string_view flag = argv[i];
  const double value = number_after(i, argc, argv);
  if (!(value >= 0.0 && value <= max && value == static_cast<double>(static_cast<uint64_t>(value)))) {
    fail(flag, " needs a whole number in [0, ", static_cast<uint64_t>(max), "], got '", argv[i], "'\n", kUsage);
  }
  return static_cast<uint64_t>(value);
}

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--epochs") args.train.epochs = static_cast<int>(count_after(i, argc, argv, kIntMax));
    else if (flag == "--batch") args.train.batch = static_cast<int>(count_after(i, argc, argv, kIntMax));
    else if (flag == "--lr") {
      args.train.learning_rate = static_cast<float>(number_after(i, argc, argv));
      args.learning_rate_given = true;
    }
    else if (flag == "--weight-decay") {
      args.train.optimizer.weight_decay = static_cast<float>(number_after(i, argc, argv));
      args.weight_decay_given = true;
    }
    else if (flag == "--seed") args.train.seed = count_after(i, argc, argv);
    else if (flag == "--threads") {
      args.threads = static_cast<int>(count_after(i, argc, argv, kIntMax));
      if (args.threads < 1) fail("--threads needs at least 1\n", kUsage);
    }
    else if (flag == "--limit") args.limit = static_cast<size_t>(count_after(i, argc, argv));
    else if (flag == "--no-augment") args.train.augment = false;
    else if (flag == "--data" && i + 1 < argc) args.data = argv[++i];
    else if (flag == "--arch" && i + 1 < argc) args.architecture = argv[++i];
    else if (flag == "--out" && i + 1 < argc) args.out = argv[++i];
    else if (flag == "--optimizer" && i + 1 < argc) {
      const std::string_view kind = argv[++i];
      if (kind == "sgd") args.train.optimizer.kind = OptimizerKind::sgd_momentum;
      else if (kind == "adam") args.train.optimizer.kind = OptimizerKind::adam;
      else fail("--optimizer takes sgd or adam, got '", kind, "'\n", kUsage);
    } else if (flag == "--help" || flag == "-h") {
      std::printf("%sarchitectures:\n%s", kUsage, describe_architectures().c_str());
      std::exit(0);
    } else {
      fail("unknown or incomplete argument '", flag, "'\n", kUsage);
    }
  }
  const bool adam = args.train.optimizer.kind == OptimizerKind::adam;
  if (!args.learning_rate_given) args.train.learning_rate = adam ? kAdamLearningRate : kSgdLearningRate;
  if (!args.weight_decay_given) args.train.optimizer.weight_decay = adam ? kAdamWeightDecay : kSgdWeightDecay;
  return args;
}

void print_architecture(Graph& graph) {
  size_t weights = 0;
  for (const Parameter& p : graph.parameters()) weights += p.value->size();
  std::printf("model:");
  for (const NodeInfo& node : graph.nodes()) std::printf(" %s%s", node.name.c_str(), node.item_shape.str().c_str());
  std::printf("\n%zu trainable parameters\n", weights);
}

// CPU time next to wall time: on a shared machine the wall clock also counts other processes.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

void print_epoch(const EpochReport& r, double cpu) {
  std::printf("epoch %d/%d  lr %.4f  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  "
              "%.1f s (+ %.1f s test), %.1f s CPU in all\n",
              r.epoch, r.epochs, r.learning_rate, r.train.loss, 100.0 * r.train.accuracy, r.validation.loss,
              100.0 * r.validation.accuracy, r.train_seconds, r.validation_seconds, cpu);
  std::fflush(stdout);
}

// What the web page and the CLI need around the graph: labels, 28x28 gray input on 0..1 as in
// training (white garment on black), and the last convolution to explain.
ModelMetadata fashion_mnist_metadata(const Architecture& architecture) {
  ModelMetadata metadata;
  metadata.labels = fashion_mnist_labels();
  metadata.input_height = architecture.input[0];
  metadata.input_width = architecture.input[1];
  metadata.color = InputColor::gray;
  metadata.explain_layer = architecture.explain_layer();
  return metadata;
}

// One snapshot per epoch, for the attention time-lapse: epochs/01, epochs/02, ...
std::filesystem::path epoch_folder(const std::filesystem::path& out, int epoch) {
  char name[16];
  std::snprintf(name, sizeof name, "%02d", epoch);
  const std::filesystem::path folder = out / "epochs" / name;
  std::filesystem::create_directories(folder);
  return folder;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Arguments args = parse(argc, argv);
    kernels::pin_threads_to_cpus(true);  // the trainer owns its process, so its threads may have CPUs of their own
    kernels::set_thread_count(args.threads);
    const Architecture architecture = make_architecture(args.architecture, Shape{28, 28, 1}, 10);
    FashionMnist data = load_fashion_mnist(args.data);
    if (args.limit > 0) data.train = take_first(data.train, args.limit);
    std::printf("Fashion-MNIST: %zu training images, %zu test images\n", data.train.size(), data.test.size());

    const ModelMetadata metadata = fashion_mnist_metadata(architecture);
    if (!args.out.empty()) std::filesystem::create_directories(args.out);
    Graph graph = build_training_graph(architecture, args.train.seed);
    print_architecture(graph);
    std::printf("%d thread(s)\n", args.threads);
    double cpu_before = cpu_seconds();
    train_classifier(graph, data.train, data.test, args.train, [&](const EpochReport& report, Graph& trained) {
      const double cpu_now = cpu_seconds();
      print_epoch(report, cpu_now - cpu_before);
      cpu_before = cpu_now;
      if (args.out.empty()) return;
      const Graph snapshot = build_inference_graph(architecture, trained);
      save_layers_model_files(snapshot, &metadata, args.out);
      save_layers_model_files(snapshot, &metadata, epoch_folder(args.out, report.epoch));
    });

    // The deployable model (BatchNorm folded; reloaded from disk when saved) must score as the
    // trained graph does.
    Model deployed{build_inference_graph(architecture, graph), metadata, "logits", "probabilities"};
    if (!args.out.empty()) deployed = load_model_file(args.out / "model.json");
    const Evaluation check = evaluate_classifier(deployed.graph, data.test, args.train.eval_batch, deployed.logits);
    std::printf("%s: test loss %.4f acc %.2f%%\n",
                args.out.empty() ? "folded inference graph" : (args.out / "model.json").c_str(), check.loss,
                100.0 * check.accuracy);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "camlens-trainer: %s\n", e.what());
    return 1;
  }
}
