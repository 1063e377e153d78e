#include "train/training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/error.h"
#include "train/loss.h"
#include "train/random.h"

namespace camlens {

namespace {

constexpr uint64_t kTrainingStream = 0x53485546464C4521ull;  // "SHUFFLE!"

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The class count of the logits node `name` (empty: the last node).
int logit_count(Graph& graph, const std::string& name, const char* who) {
  const std::string& node = name.empty() ? graph.output_name() : name;
  for (const NodeInfo& info : graph.nodes()) {
    if (info.name != node) continue;
    if (info.item_shape.rank() != 1) {
      fail(who, ": the logits node '", node, "' must give [classes] per image, got ", info.item_shape.str());
    }
    return info.item_shape[0];
  }
  fail(who, ": the graph has no node '", node, "' to read logits from");
}

void check_options(const TrainOptions& options, const Dataset& train) {
  if (options.epochs < 1) fail("train_classifier: epochs must be at least 1, got ", options.epochs);
  if (options.batch < 1 || options.eval_batch < 1) {
    fail("train_classifier: batch sizes must be at least 1, got ", options.batch, " and ", options.eval_batch);
  }
  if (train.size() < static_cast<size_t>(options.batch)) {
    fail("train_classifier: ", train.size(), " training images cannot fill one batch of ", options.batch,
         "; use a smaller batch or more images");
  }
  if (!(options.learning_rate > 0.0f)) fail("train_classifier: the learning rate must be > 0, got ", options.learning_rate);
}

}  // namespace

float scheduled_learning_rate(float peak, int step, int total_steps, int warmup_steps) {
  if (step < warmup_steps) return peak * static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  const int decay_steps = total_steps - warmup_steps;
  if (decay_steps <= 1) return peak;
  const double progress = static_cast<double>(step - warmup_steps) / (decay_steps - 1);
  return static_cast<float>(0.5 * peak * (1.0 + std::cos(std::numbers::pi * progress)));
}

Evaluation evaluate_classifier(Graph& graph, const Dataset& data, int batch, const std::string& logits_node) {
  if (batch < 1) fail("evaluate_classifier: the batch size must be at least 1, got ", batch);
  validate_dataset(data, logit_count(graph, logits_node, "evaluate_classifier"), "evaluate_classifier");
  const std::string& output = logits_node.empty() ? graph.output_name() : logits_node;
  Tensor images, probabilities;
  std::vector<int> labels;
  std::vector<size_t> indices;
  double loss_sum = 0.0;
  size_t correct = 0;
  for (size_t begin = 0; begin < data.size(); begin += batch) {
    const size_t end = std::min(data.size(), begin + batch);
    indices.resize(end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    gather_batch(images, labels, data, indices);
    graph.forward(images, ForwardOptions{Phase::inference, std::vector<std::string>{output}});
    const Tensor& logits = graph.activation(output);
    loss_sum += softmax_cross_entropy_forward(probabilities, logits, labels) * static_cast<double>(labels.size());
    correct += count_correct(logits, labels);
  }
  return Evaluation{loss_sum / data.size(), static_cast<double>(correct) / data.size()};
}

std::vector<EpochReport> train_classifier(Graph& graph, const Dataset& train, const Dataset& test,
                                          const TrainOptions& options, const EpochCallback& on_epoch) {
  check_options(options, train);
  const int classes = logit_count(graph, {}, "train_classifier");
  validate_dataset(train, classes, "train_classifier (training set)");
  validate_dataset(test, classes, "train_classifier (test set)");

  Optimizer optimizer(graph, options.optimizer);
  // Callers often seed the weight initialisation with the same number: draw from another stream.
  SeededRandom random(options.seed ^ kTrainingStream);
  const int steps_per_epoch = static_cast<int>(train.size() / options.batch);
  const int total_steps = steps_per_epoch * options.epochs;
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), size_t{0});
  Tensor images, probabilities, d_logits;
  std::vector<int> labels;
  BackwardOptions backward;
  backward.request.weight_grads = true;

  std::vector<EpochReport> reports;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    random.shuffle(order);
    EpochReport report;
    report.epoch = epoch + 1;
    report.epochs = options.epochs;
    double loss_sum = 0.0;
    size_t correct = 0;
    for (int step = 0; step < steps_per_epoch; ++step) {
      const auto batch_indices = std::span<const size_t>(order).subspan(static_cast<size_t>(step) * options.batch,
                                                                        options.batch);
      gather_batch(images, labels, train, batch_indices);
      if (options.augment) augment_batch(images, options.augmentation, random);

      const Tensor& logits = graph.forward(images, ForwardOptions{Phase::training, std::nullopt});
      loss_sum += softmax_cross_entropy_forward(probabilities, logits, labels);
      correct += count_correct(logits, labels);
      d_logits.reshape_storage(logits.shape(), /*zero=*/true);
      softmax_cross_entropy_backward(d_logits, probabilities, labels);

      optimizer.zero_grads();
      graph.backward(d_logits, backward);
      report.learning_rate =
          scheduled_learning_rate(options.learning_rate, epoch * steps_per_epoch + step, total_steps, options.warmup_steps);
      optimizer.step(report.learning_rate);
    }
    report.train = Evaluation{loss_sum / steps_per_epoch,
                              static_cast<double>(correct) / (static_cast<double>(steps_per_epoch) * options.batch)};
    report.train_seconds = seconds_since(start);

    const auto test_start = std::chrono::steady_clock::now();
    report.test = evaluate_classifier(graph, test, options.eval_batch);
    report.test_seconds = seconds_since(test_start);
    reports.push_back(report);
    if (on_epoch) on_epoch(report, graph);
  }
  return reports;
}

}  // namespace camlens
