#pragma once
// The explanation pipeline every method shares:
//   ONE forward pass keeping only the activations needed -> prediction -> target class ->
//   the backward pass the method asks for (logits node, one-hot at the target, stopped at the
//   layer, input gradients only) -> the method's raw map (+ channel weights) ->
//   post-processing (explain/map.h): ReLU, min-max, bilinear to each requested size, min-max.
// Several targets and methods share the forward pass (explain_all, explain_targets, explain_top_k);
// the gradient methods of one target share one backward pass (explain_all: Grad-CAM's layer and
// saliency's input from the same pass), as all spatial layers do in explain_layer_sweep.
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "explain/map.h"
#include "explain/method.h"
#include "io/model.h"

namespace camlens::explain {

// Which logit an explanation explains: a fixed class, or the class at a rank of the prediction.
struct Target {
  enum class Kind { rank, class_index };
  Kind kind = Kind::rank;
  int value = 0;  // default: rank 0, the top-1 class

  static Target top() { return {}; }
  static Target ranked(int rank) { return {Kind::rank, rank}; }  // 0: the most probable class
  static Target of_class(int class_index) { return {Kind::class_index, class_index}; }
};
// ranked(0) .. ranked(k - 1): the k most probable classes, best first.
std::vector<Target> top_k_targets(int k);

struct Prediction {
  std::vector<float> logits;
  std::vector<float> probabilities;  // softmax of the logits (the model's own Softmax when it has one)
  std::vector<int> ranking;          // every class index, most probable first (ties: lower index first)
};

// The forward pass of one input that several explain calls share (the Explainer keeps one per
// crop): which activations it keeps, whether the graph still holds them, and the prediction.
// A call that finds the graph holding it runs no forward pass of its own. Calls count the passes
// they run here, so a caller can tell what a request cost.
struct SharedForward {
  std::vector<std::string> keep;  // a superset of what any call needs kept; empty: each call decides
  bool graph_holds = false;       // the graph's kept activations are this input's
  Prediction prediction;          // valid while graph_holds, or once computed for this input
  int forward_passes = 0, backward_passes = 0;
};

struct ExplainOptions {
  // The layer to explain at; empty: default_layer(model). Ignored by per-pixel methods, which
  // work at the input.
  std::string layer;
  // Upsampled maps wanted (e.g. the model input size and the original image's); empty: one at
  // the model input's size.
  std::vector<MapSize> sizes;
  Upsampling upsampling = Upsampling::bilinear;  // how the maps reach those sizes
  // Inputs per extra pass (Score-CAM, occlusion, SmoothGrad, Integrated Gradients); 0: chosen from
  // the model's activation size (explain/variants.h).
  int batch_size = 0;
  ProgressCallback progress;  // optional: called between steps; returning false cancels
  // optional: a forward pass of this same input kept from an earlier call (and updated by this one)
  SharedForward* shared_forward = nullptr;
};

struct Explanation {
  std::string method;
  Prediction prediction;
  int target_class = 0;
  std::string layer;                   // the node the map was made at (the input for per-pixel methods)
  Map raw;                             // the method's map at the node's resolution, un-normalised
  Map normalized;                      // ReLU + min-max of raw, same resolution
  std::vector<Map> upsampled;          // post-processed (ReLU, min-max, bilinear, min-max), one per size
  std::vector<float> channel_weights;  // empty for methods without per-channel weights
  // The shared forward (and backward) pass is counted in every explanation that shares it.
  Timings timings;
};

// Explains `target` of `input` ([1, ...model input]) with `method`.
Explanation explain_target(Model& model, const Tensor& input, Method& method, Target target = {},
                    const ExplainOptions& options = {});
// One forward pass, then one backward pass (if the method needs gradients) and one map per target.
std::vector<Explanation> explain_targets(Model& model, const Tensor& input, Method& method,
                                         std::span<const Target> targets, const ExplainOptions& options = {});
// Every method for every target after one shared forward pass and, per target, one backward pass
// shared by the gradient methods (what a grid of panels wants: each pass is paid once, not once
// per method), method-major: (m0, t0), (m0, t1), ..., (m1, t0), ...
std::vector<Explanation> explain_all(Model& model, const Tensor& input, std::span<Method* const> methods,
                                     std::span<const Target> targets, const ExplainOptions& options = {});
// The k most probable classes' maps, best first: explain_targets with top_k_targets(k).
std::vector<Explanation> explain_top_k(Model& model, const Tensor& input, Method& method, int k,
                                       const ExplainOptions& options = {});

// The layer explained when ExplainOptions::layer is empty: the metadata's explain_layer when it is
// a spatial node feeding the logits, else the last such node.
std::string default_layer(const Model& model);
// The layer `method` explains: `requested` when given, else the method's own layer if it has one,
// else default_layer(model).
std::string layer_for(const Model& model, const Method& method, const std::string& requested);
// The class `target` names in `prediction` of `model`; an Error when it is out of range.
int resolve_target(const Model& model, const Prediction& prediction, Target target);
// Class indices by decreasing score; ties keep the lower index first.
std::vector<int> rank_classes(std::span<const float> scores);

}  // namespace camlens::explain
