#include "train/training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "train/loss.h"
#include "train/random.h"
#include "train/training_state.h"

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

ClassifierTrainer::ClassifierTrainer(Graph& graph, const Dataset& train, const Dataset& validation,
                                     const TrainOptions& options)
    : graph_(graph),
      train_(train),
      validation_(validation),
      options_(options),
      optimizer_(graph, options.optimizer),
      // Callers often seed the weight initialisation with the same number: draw from another stream.
      random_(options.seed ^ kTrainingStream),
      order_(train.size()) {
  check_options(options, train);
  steps_per_epoch_ = static_cast<int>(train.size() / options.batch);
  const int classes = logit_count(graph, {}, "train_classifier");
  validate_dataset(train, classes, "train_classifier (training set)");
  validate_dataset(validation, classes, "train_classifier (validation set)");
  std::iota(order_.begin(), order_.end(), size_t{0});
}

std::optional<EpochReport> ClassifierTrainer::run_epoch(const StepProgress& progress, const CancelCheck& cancelled) {
  if (finished()) fail("ClassifierTrainer: all ", options_.epochs, " epochs are done already");
  const auto start = std::chrono::steady_clock::now();
  random_.shuffle(order_);
  EpochReport report;
  report.epoch = epochs_done_ + 1;
  report.epochs = options_.epochs;
  const int total_steps = steps_per_epoch_ * options_.epochs;
  BackwardOptions backward;
  backward.request.weight_grads = true;
  double loss_sum = 0.0;
  size_t correct = 0;
  for (int step = 0; step < steps_per_epoch_; ++step) {
    if (cancelled && cancelled()) return std::nullopt;
    const auto batch_indices =
        std::span<const size_t>(order_).subspan(static_cast<size_t>(step) * options_.batch, options_.batch);
    gather_batch(images_, labels_, train_, batch_indices);
    if (options_.augment) augment_batch(images_, options_.augmentation, random_);

    const Tensor& logits = graph_.forward(images_, ForwardOptions{Phase::training, std::nullopt});
    loss_sum += softmax_cross_entropy_forward(probabilities_, logits, labels_);
    correct += count_correct(logits, labels_);
    d_logits_.reshape_storage(logits.shape(), /*zero=*/true);
    softmax_cross_entropy_backward(d_logits_, probabilities_, labels_);

    optimizer_.zero_grads();
    graph_.backward(d_logits_, backward);
    report.learning_rate = scheduled_learning_rate(options_.learning_rate, epochs_done_ * steps_per_epoch_ + step,
                                                   total_steps, options_.warmup_steps);
    optimizer_.step(report.learning_rate);
    if (progress) progress(step + 1, steps_per_epoch_);
  }
  report.train = Evaluation{loss_sum / steps_per_epoch_,
                            static_cast<double>(correct) / (static_cast<double>(steps_per_epoch_) * options_.batch)};
  report.train_seconds = seconds_since(start);

  const auto validation_start = std::chrono::steady_clock::now();
  report.validation = evaluate_classifier(graph_, validation_, options_.eval_batch);
  report.validation_seconds = seconds_since(validation_start);
  ++epochs_done_;
  return report;
}

std::vector<NamedBuffer> ClassifierTrainer::state_tensors() {
  std::vector<NamedBuffer> tensors;
  for (const Parameter& p : graph_.parameters()) tensors.push_back({p.name, p.value});
  for (const NamedBuffer& b : graph_.buffers()) tensors.push_back(b);
  for (const NamedBuffer& b : optimizer_.state()) tensors.push_back(b);
  return tensors;
}

std::vector<uint8_t> ClassifierTrainer::save_state() {
  const TrainingCounters counters{epochs_done_, optimizer_.steps_taken(), random_.state()};
  return encode_training_state(counters, state_tensors(), order_);
}

void ClassifierTrainer::load_state(std::span<const uint8_t> bytes) {
  const TrainingCounters counters = decode_training_state(bytes, state_tensors(), order_, steps_per_epoch_);
  epochs_done_ = counters.epochs_done;
  random_ = SeededRandom(counters.random_state);
  optimizer_.restore(counters.steps_taken);
}

std::vector<EpochReport> train_classifier(Graph& graph, const Dataset& train, const Dataset& validation,
                                          const TrainOptions& options, const EpochCallback& on_epoch) {
  ClassifierTrainer trainer(graph, train, validation, options);
  std::vector<EpochReport> reports;
  while (!trainer.finished()) {
    reports.push_back(*trainer.run_epoch());
    if (on_epoch) on_epoch(reports.back(), graph);
  }
  return reports;
}

}  // namespace camlens
