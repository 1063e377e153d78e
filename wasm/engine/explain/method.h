#pragma once
// What one explanation method supplies, and what it is given. The pipeline (explain/pipeline.h)
// does everything methods share, in pytorch-grad-cam's shape: one forward pass, the backward pass
// a method asks for, then post-processing. A method only turns what it is given into a raw map.
//
// Two kinds of methods fit:
//  - layer methods (CAM family; Requirements::layer true) work at a spatial layer [1, H, W, C] and
//    give a map at its resolution; most only supply channel weights (ChannelWeightMethod);
//  - per-pixel methods (Requirements::layer false) work at the graph input: activations() is the
//    input itself, gradients() is d logit / d input, and the map comes at input resolution.
// Methods that need more passes (Score-CAM's masked inputs; occlusion, SmoothGrad...) run them
// through the context, which times them and lets the caller cancel between them. Gradient passes
// to the input (SmoothGrad, Integrated Gradients, guided Grad-CAM's guided pass) go through it too.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "explain/map.h"
#include "graph/region_forward.h"
#include "layers/layer.h"

namespace camlens {
struct Model;
}

namespace camlens::explain {

// Thrown when a progress callback returns false: the explanation stops between two steps.
class Cancelled : public Error {
 public:
  using Error::Error;
};

struct Progress {
  std::string_view stage;  // what just finished, e.g. "forward", "score-cam masks 16/64"
  double fraction;         // of the whole call, in [0, 1]
  // Of the stage alone when a call runs several (a view's slow methods, one after another), so
  // that each method's panel can show its own progress; -1 otherwise.
  double stage_fraction = -1.0;
};
// Called between steps; returning false cancels the explanation (Cancelled is thrown).
using ProgressCallback = std::function<bool(const Progress&)>;

// Milliseconds spent in each step. forward and backward include a method's extra passes.
struct Timings {
  double forward_ms = 0.0, backward_ms = 0.0, map_ms = 0.0, postprocess_ms = 0.0;
};

struct Requirements {
  // true: works at a spatial layer; false: at the graph input (per-pixel methods).
  bool layer = true;
  // Needs d logit[target] / d activations from one backward pass after the shared forward.
  bool gradients = false;
  ReluBackward relu = ReluBackward::normal;  // how that backward passes ReLUs (guided backprop)
};

class Run;  // one explain call's shared state (explain/run.h)

// What a method sees while explaining one target at one node.
class ExplainContext {
 public:
  ExplainContext(Run& run, std::string node, int target_class, const Tensor& activations, const Tensor* gradients);

  Model& model() const;
  const Tensor& input() const;  // [1, H, W, C], as the model takes it
  const std::string& node() const { return node_; }  // the layer, or the graph input
  int target_class() const { return target_class_; }
  int class_count() const;
  int batch_size() const;  // how many inputs an extra pass may batch (ExplainOptions::batch_size, or chosen)
  // At node(), from the shared forward pass: [1, H, W, C].
  const Tensor& activations() const { return activations_; }
  // d logit[target] / d activations(); only when the method's requirements ask for gradients.
  const Tensor& gradients() const;

  // An extra forward pass: the logits [N, classes] of `batch` [N, ...input item shape]. Counted as
  // forward time. It reuses the graph, never the tensors this context hands out.
  const Tensor& forward_logits(const Tensor& batch);
  // forward_logits of a batch whose item i equals input() outside `changed[i]` (input pixels): each
  // layer computes again only what those regions reach (graph/region_forward.h). Same values.
  const Tensor& forward_logits_changed(const Tensor& batch, std::span<const Region> changed);
  // An extra forward and backward pass: for each item of `batch` [N, ...input item shape], the
  // gradient of that item's target logit with respect to the item, [N, ...input item shape], with
  // ReLUs passing gradients as `relu` (guided backprop). Counted as forward and backward time;
  // the tensor is the graph's, valid until the next pass.
  const Tensor& input_gradients(const Tensor& batch, ReluBackward relu = ReluBackward::normal);
  // `fraction` (0..1) of this method's own work is done; throws Cancelled if the caller says stop.
  void report_progress(std::string_view stage, double fraction);

 private:
  Run& run_;
  std::string node_;
  int target_class_;
  const Tensor& activations_;
  const Tensor* gradients_;
};

struct MethodMap {
  Map raw;                             // at the node's resolution, before ReLU and normalisation
  std::vector<float> channel_weights;  // one per channel when raw = sum_k w_k A_k; else empty
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string_view name() const = 0;
  virtual Requirements requirements() const = 0;
  virtual MethodMap compute(ExplainContext& context) = 0;
  // Why the method cannot explain `layer` (a spatial layer feeding the logits) of `model`, or
  // nullopt when it can: checked without running the model, so a page can say so up front.
  // compute() fails with the same reason.
  virtual std::optional<std::string> unsupported(const Model& /*model*/, const std::string& /*layer*/) const {
    return std::nullopt;
  }
  // The one layer where the method is defined, explained when no layer is asked for (CAM: the
  // layer its head's global average pool reads); nullopt: any layer, the model's default first.
  virtual std::optional<std::string> own_layer(const Model& /*model*/) const { return std::nullopt; }
};

// pytorch-grad-cam's BaseCAM: the map is sum_k w_k A_k; a method supplies only the weights.
class ChannelWeightMethod : public Method {
 public:
  MethodMap compute(ExplainContext& context) final;

 protected:
  // One weight per channel of context.activations().
  virtual std::vector<float> channel_weights(ExplainContext& context) = 0;
};

// Gradient-times-activation maps (HiResCAM, LayerCAM): map(i,j) = sum_k f(G_k(i,j)) * A_k(i,j),
// with no channel weights; a method supplies only f.
class ElementwiseGradientMethod : public Method {
 public:
  Requirements requirements() const final { return {.gradients = true}; }
  MethodMap compute(ExplainContext& context) final;

 protected:
  virtual float gradient_weight(float gradient) const = 0;
};

// sum_k weights[k] * activations[0, :, :, k] as an H x W map.
Map weighted_channel_sum(const Tensor& activations, std::span<const float> weights);

}  // namespace camlens::explain
