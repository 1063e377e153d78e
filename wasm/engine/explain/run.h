#pragma once
// One explain call's shared state, used by the pipeline and the drivers built on it (top-K,
// layer sweep). Methods never see it: they get an ExplainContext.
//
// A call explains several "units" (targets, or layers in a sweep) after one shared forward pass.
// Time spent in the shared passes is counted in every unit's Timings; extra passes a method runs
// count in its own unit only.
#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "explain/pipeline.h"
#include "graph/graph.h"
#include "graph/paths.h"
#include "graph/region_forward.h"

namespace camlens::explain {

class Run {
 public:
  // Checks that `input` is one item ([1, ...]); `units` is how many maps the call makes.
  Run(Model& model, const Tensor& input, const ExplainOptions& options, int units);

  Model& model() const { return model_; }
  const Tensor& input() const { return input_; }
  const ExplainOptions& options() const { return options_; }

  // The shared forward pass, keeping `keep` besides the logits and probabilities; reads the prediction
  // (a NonFiniteError naming the first layer that gave a NaN or an infinity when it is not finite).
  void forward(std::vector<std::string> keep);
  const Prediction& prediction() const { return prediction_; }
  int class_count() const { return static_cast<int>(prediction_.logits.size()); }
  // The class a target names; throws an Error when it is out of range.
  int resolve(Target target) const;

  // Plans one backward pass per target class for ReLU mode `relu`: from a one-hot at the target
  // logit down to `stop` (a node feeding every one of `nodes`), keeping the gradients of `nodes`.
  // The methods of one call share it as they share the forward. Call before forward(), which then
  // keeps what the pass reads.
  void plan_backward(ReluBackward relu, std::string stop, std::vector<std::string> nodes);
  // d logit[target_class] / d `node` from the planned pass for `relu`, run on first use per target
  // class and reused after. Its time counts in every unit that reads it.
  const Tensor& gradients(int target_class, ReluBackward relu, const std::string& node);
  // A method's extra forward pass: the logits of `batch`, counted as the current unit's forward time.
  const Tensor& forward_logits(const Tensor& batch);
  // The same for a batch that differs from the input only inside `changed` (graph/region_forward.h);
  // the input's own pass, kept for it, runs on first use.
  const Tensor& forward_logits_changed(const Tensor& batch, std::span<const Region> changed);
  // A method's extra forward + backward pass: d logit[target_class] / d item for each item of
  // `batch`, counted as the current unit's forward and backward time.
  const Tensor& input_gradients(const Tensor& batch, int target_class, ReluBackward relu);

  // Starts unit `unit` (0-based): its own pass times start from zero.
  void begin_unit(int unit);
  // `fraction` of the current unit is done after `stage`; throws Cancelled when the callback says stop.
  void report(std::string_view stage, double fraction);

  // Runs `method` in `context`, post-processes its map and records the times.
  Explanation finish(Method& method, ExplainContext& context);

 private:
  using Clock = std::chrono::steady_clock;

  // Runs the shared forward pass on the graph again (after an extra pass replaced it).
  void forward_again();

  Model& model_;
  const Tensor& input_;
  const ExplainOptions& options_;
  int units_;
  int unit_ = 0;
  SharedForward own_forward_;
  SharedForward& shared_;  // options.shared_forward, or own_forward_
  std::unique_ptr<RegionForward> region_forward_;
  std::vector<std::string> input_backward_keep_;  // what input_gradients keeps; computed on first use
  Prediction prediction_;
  struct PlannedBackward {
    std::string stop;
    std::vector<std::string> nodes;
  };
  std::map<ReluBackward, PlannedBackward> planned_backward_;
  struct SharedGradients {
    std::map<std::string, Tensor> by_node;  // cloned: extra passes reuse the graph's buffers
    double ms = 0.0;
  };
  std::map<std::pair<int, ReluBackward>, SharedGradients> shared_gradients_;  // by (target class, relu)
  double shared_forward_ms_ = 0.0;
  double unit_forward_ms_ = 0.0, unit_backward_ms_ = 0.0;
};

// Throws an Error unless `layer` is a spatial node of the model that feeds its logits.
void check_layer(const Model& model, const std::string& layer);

}  // namespace camlens::explain
