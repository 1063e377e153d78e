#pragma once
// Optimisers over a Graph's parameters: SGD with momentum, and Adam. Weight decay is DECOUPLED
// from the gradient for both (AdamW, and "SGDW"): each step also does w -= lr * weight_decay * w,
// so the decay neither passes through the momentum nor gets rescaled by Adam's second moment.
// It applies to kernels only (parameters named "<node>/kernel"): biases and BatchNorm's gamma and
// beta are not decayed, as is usual. After each step every layer with parameters gets
// parameters_changed(), so optimised kernels repack their weights.
#include <string>
#include <vector>

#include "graph/graph.h"

namespace camlens {

// velocity = momentum * velocity + grad;  value -= lr * (velocity + weight_decay * value)
void sgd_momentum_update(Tensor& value, const Tensor& grad, Tensor& velocity, float learning_rate, float momentum,
                         float weight_decay);

struct AdamParams {
  float beta1 = 0.9f, beta2 = 0.999f;
  float epsilon = 1e-7f;  // Keras' default
};
// m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  with bias corrections for step t
// (1-based): value -= lr * (m / (1 - beta1^t) / (sqrt(v / (1 - beta2^t)) + epsilon) + weight_decay * value)
void adam_update(Tensor& value, const Tensor& grad, Tensor& m, Tensor& v, int step, float learning_rate,
                 const AdamParams& params, float weight_decay);

enum class OptimizerKind { sgd_momentum, adam };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::sgd_momentum;
  float momentum = 0.9f;  // SGD only
  AdamParams adam;        // Adam only
  float weight_decay = 0.0f;
};

class Optimizer {
 public:
  // Takes the graph's parameters as they are now; the graph must outlive the optimiser.
  Optimizer(Graph& graph, const OptimizerOptions& options);

  // Sets every parameter gradient to zero (backward accumulates into them).
  void zero_grads();
  // One update of every parameter from its gradient, then parameters_changed() on their layers.
  void step(float learning_rate);
  int steps_taken() const { return steps_; }

  // The moments, named "<parameter>/m" and "<parameter>/v" for Adam, "<parameter>/velocity" for
  // SGD: with the step count, what a resumed run needs to continue exactly.
  std::vector<NamedBuffer> state();
  // After state() was written back and the parameters loaded: sets the step count (Adam's bias
  // correction reads it) and lets every layer repack its weights.
  void restore(int steps_taken);

 private:
  struct Slot {
    Parameter parameter;
    bool decayed;
    Tensor first_moment;   // SGD: velocity; Adam: m
    Tensor second_moment;  // Adam: v; empty for SGD
  };
  OptimizerOptions options_;
  std::vector<Slot> slots_;
  std::vector<Layer*> layers_;  // the layers that own parameters
  int steps_ = 0;
};

}  // namespace camlens
