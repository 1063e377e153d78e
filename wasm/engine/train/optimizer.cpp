#include "train/optimizer.h"

#include <cmath>

#include "core/error.h"
#include "kernels/parallel.h"

namespace camlens {

namespace {

void expect_same_shapes(const Tensor& value, const Tensor& other, const char* who, const char* what) {
  if (other.shape() != value.shape()) {
    fail(who, ": ", what, " has shape ", other.shape().str(), " but the parameter has ", value.shape().str());
  }
}

// Runs body(begin, end) over ranges of a parameter's elements, across threads for the large
// kernels: every element's update is independent, so the thread count cannot change the result.
// `operations` is about what one element's update costs in multiply-adds.
template <typename Body>
void for_element_ranges(size_t count, size_t operations, const Body& body) {
  kernels::parallel_ranges(count, kernels::kChannelGranule, count * operations, body);
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void sgd_momentum_update(Tensor& value, const Tensor& grad, Tensor& velocity, float learning_rate, float momentum,
                         float weight_decay) {
  expect_same_shapes(value, grad, "sgd_momentum_update", "the gradient");
  expect_same_shapes(value, velocity, "sgd_momentum_update", "the velocity");
  for_element_ranges(value.size(), 4, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      velocity[i] = momentum * velocity[i] + grad[i];
      value[i] -= learning_rate * (velocity[i] + weight_decay * value[i]);
    }
  });
}

void adam_update(Tensor& value, const Tensor& grad, Tensor& m, Tensor& v, int step, float learning_rate,
                 const AdamParams& params, float weight_decay) {
  expect_same_shapes(value, grad, "adam_update", "the gradient");
  expect_same_shapes(value, m, "adam_update", "the first moment");
  expect_same_shapes(value, v, "adam_update", "the second moment");
  if (step < 1) fail("adam_update: step counts from 1 (bias correction), got ", step);
  const float first_correction = 1.0f - std::pow(params.beta1, static_cast<float>(step));
  const float second_correction = 1.0f - std::pow(params.beta2, static_cast<float>(step));
  // A square root and two divisions per element: about as costly as 16 multiply-adds.
  for_element_ranges(value.size(), 16, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      m[i] = params.beta1 * m[i] + (1.0f - params.beta1) * grad[i];
      v[i] = params.beta2 * v[i] + (1.0f - params.beta2) * grad[i] * grad[i];
      const float direction = (m[i] / first_correction) / (std::sqrt(v[i] / second_correction) + params.epsilon);
      value[i] -= learning_rate * (direction + weight_decay * value[i]);
    }
  });
}

Optimizer::Optimizer(Graph& graph, const OptimizerOptions& options) : options_(options) {
  for (const Parameter& parameter : graph.parameters()) {
    Slot slot{parameter, ends_with(parameter.name, "/kernel"), Tensor(parameter.value->shape()), Tensor()};
    if (options.kind == OptimizerKind::adam) slot.second_moment = Tensor(parameter.value->shape());
    slots_.push_back(std::move(slot));
  }
  for (const NodeInfo& node : graph.nodes()) {
    if (node.kind == "Input") continue;
    Layer& layer = graph.layer(node.name);
    if (!layer.parameters().empty()) layers_.push_back(&layer);
  }
  if (slots_.empty()) fail("Optimizer: the graph has no trainable parameters");
}

void Optimizer::zero_grads() {
  for (Slot& slot : slots_) kernels::parallel_zero(slot.parameter.grad->data(), slot.parameter.grad->size());
}

void Optimizer::step(float learning_rate) {
  ++steps_;
  for (Slot& slot : slots_) {
    const float decay = slot.decayed ? options_.weight_decay : 0.0f;
    Tensor& value = *slot.parameter.value;
    const Tensor& grad = *slot.parameter.grad;
    if (options_.kind == OptimizerKind::adam) {
      adam_update(value, grad, slot.first_moment, slot.second_moment, steps_, learning_rate, options_.adam, decay);
    } else {
      sgd_momentum_update(value, grad, slot.first_moment, learning_rate, options_.momentum, decay);
    }
  }
  for (Layer* layer : layers_) layer->parameters_changed();
}

std::vector<NamedBuffer> Optimizer::state() {
  std::vector<NamedBuffer> all;
  const bool adam = options_.kind == OptimizerKind::adam;
  for (Slot& slot : slots_) {
    all.push_back({slot.parameter.name + (adam ? "/m" : "/velocity"), &slot.first_moment});
    if (adam) all.push_back({slot.parameter.name + "/v", &slot.second_moment});
  }
  return all;
}

void Optimizer::restore(int steps_taken) {
  if (steps_taken < 0) fail("Optimizer::restore: a step count cannot be negative, got ", steps_taken);
  steps_ = steps_taken;
  for (Layer* layer : layers_) layer->parameters_changed();
}

}  // namespace camlens
