#include "explain/pipeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "explain/predict.h"
#include "explain/run.h"
#include "explain/variants.h"
#include "graph/paths.h"

namespace camlens::explain {

namespace {

double ms_between(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

std::string spatial_names(const GraphPaths& paths, const std::string& logits) {
  std::string names;
  for (const std::string& name : paths.spatial_layers_feeding(logits)) names += (names.empty() ? "'" : ", '") + name + "'";
  return names.empty() ? "none" : names;
}

std::string describe_classes(const Model& model, int count) {
  const std::vector<std::string>& labels = model.metadata.labels;
  std::string text = std::to_string(count) + " classes (0.." + std::to_string(count - 1);
  if (static_cast<int>(labels.size()) == count) {
    text += ": ";
    for (int i = 0; i < count; ++i) text += (i ? ", " : "") + labels[i];
  }
  return text + ")";
}

void check_finite(const Map& map, std::string_view method) {
  for (size_t i = 0; i < map.values.size(); ++i) {
    if (!std::isfinite(map.values[i])) {
      fail("explain: ", method, " produced a non-finite value ", map.values[i], " at (", i / map.width, ", ",
           i % map.width, ") of its ", map.height, " x ", map.width, " map");
    }
  }
}

void add_once(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// Where one backward pass can stop and still give the gradients of all `names`: the earliest of
// them when it feeds the others, else the graph input, which feeds every node.
std::string lowest_feeding_all(const GraphPaths& paths, const std::vector<std::string>& names,
                               const std::string& input) {
  int lowest = paths.index_of(names.front());
  for (const std::string& name : names) lowest = std::min(lowest, paths.index_of(name));
  for (const std::string& name : names) {
    if (!paths.feeding(name)[lowest]) return input;
  }
  return paths.nodes()[lowest].name;
}

}  // namespace

// ---- layers ----

void check_layer(const Model& model, const std::string& layer) {
  const GraphPaths paths(model.graph.nodes());
  const int index = paths.index_of(layer);
  if (index < 0) {
    fail("explain: the model has no layer named '", layer, "'; spatial layers feeding the logits: ",
         spatial_names(paths, model.logits));
  }
  const NodeInfo& node = paths.nodes()[index];
  if (!node.spatial()) {
    fail("explain: layer '", layer, "' (", node.kind, ") gives ", node.item_shape.str(),
         " per image, not a spatial [H, W, C] map; pick one of: ", spatial_names(paths, model.logits));
  }
  if (!paths.feeding(model.logits)[index]) {
    fail("explain: layer '", layer, "' does not feed the logits '", model.logits, "'; pick one of: ",
         spatial_names(paths, model.logits));
  }
}

std::string default_layer(const Model& model) {
  const std::vector<std::string> layers = GraphPaths(model.graph.nodes()).spatial_layers_feeding(model.logits);
  // The metadata's layer when it can be explained (its derived default is the last spatial node
  // of the whole graph, which may be a side branch).
  if (std::find(layers.begin(), layers.end(), model.metadata.explain_layer) != layers.end()) {
    return model.metadata.explain_layer;
  }
  if (layers.empty()) {
    fail("explain: the model has no spatial [H, W, C] layer before its logits '", model.logits,
         "', so no CAM method applies; use a per-pixel method");
  }
  return layers.back();
}

std::string layer_for(const Model& model, const Method& method, const std::string& requested) {
  if (!requested.empty()) return requested;
  if (std::optional<std::string> own = method.own_layer(model)) return *own;
  return default_layer(model);
}

std::vector<int> rank_classes(std::span<const float> scores) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  return order;
}

// ---- the context methods see ----

ExplainContext::ExplainContext(Run& run, std::string node, int target_class, const Tensor& activations,
                               const Tensor* gradients)
    : run_(run), node_(std::move(node)), target_class_(target_class), activations_(activations), gradients_(gradients) {}

Model& ExplainContext::model() const { return run_.model(); }
const Tensor& ExplainContext::input() const { return run_.input(); }
int ExplainContext::class_count() const { return run_.class_count(); }
int ExplainContext::batch_size() const { return variant_batch_size(run_.model(), run_.options().batch_size); }

const Tensor& ExplainContext::gradients() const {
  if (gradients_ == nullptr) {
    fail("explain: no gradients at '", node_, "': the method's requirements() must ask for them (gradients = true)");
  }
  return *gradients_;
}

const Tensor& ExplainContext::forward_logits(const Tensor& batch) { return run_.forward_logits(batch); }

const Tensor& ExplainContext::forward_logits_changed(const Tensor& batch, std::span<const Region> changed) {
  return run_.forward_logits_changed(batch, changed);
}

const Tensor& ExplainContext::input_gradients(const Tensor& batch, ReluBackward relu) {
  return run_.input_gradients(batch, target_class_, relu);
}

void ExplainContext::report_progress(std::string_view stage, double fraction) { run_.report(stage, fraction); }

Map weighted_channel_sum(const Tensor& activations, std::span<const float> weights) {
  const Shape& s = activations.shape();
  if (s.rank() != 4 || s.n() != 1 || static_cast<int>(weights.size()) != s.c()) {
    fail("explain: weighted_channel_sum needs activations [1, H, W, C] and C weights, got ", s.str(), " and ",
         weights.size(), " weights");
  }
  Map map(s.h(), s.w());
  const int channels = s.c();
  for (size_t p = 0; p < map.values.size(); ++p) {
    const float* a = activations.data() + p * channels;
    float sum = 0.0f;
    for (int k = 0; k < channels; ++k) sum += weights[k] * a[k];
    map.values[p] = sum;
  }
  return map;
}

MethodMap ChannelWeightMethod::compute(ExplainContext& context) {
  MethodMap result;
  result.channel_weights = channel_weights(context);
  result.raw = weighted_channel_sum(context.activations(), result.channel_weights);
  return result;
}

MethodMap ElementwiseGradientMethod::compute(ExplainContext& context) {
  const Tensor& acts = context.activations();
  const Tensor& grads = context.gradients();
  const int channels = acts.shape().c();
  MethodMap result{Map(acts.shape().h(), acts.shape().w()), {}};
  for (size_t p = 0; p < result.raw.values.size(); ++p) {
    float sum = 0.0f;
    for (int k = 0; k < channels; ++k) sum += gradient_weight(grads[p * channels + k]) * acts[p * channels + k];
    result.raw.values[p] = sum;
  }
  return result;
}

// ---- Run ----

Run::Run(Model& model, const Tensor& input, const ExplainOptions& options, int units)
    : model_(model),
      input_(input),
      options_(options),
      units_(units),
      shared_(options.shared_forward != nullptr ? *options.shared_forward : own_forward_) {
  if (input.shape().rank() < 2 || input.shape()[0] != 1) {
    fail("explain: explains one image at a time: the input must have batch 1, got ", input.shape().str());
  }
  if (options.batch_size < 0) {
    fail("explain: ExplainOptions::batch_size must be positive (0: chosen from the model), got ", options.batch_size);
  }
  for (const MapSize& size : options.sizes) {
    if (size.height <= 0 || size.width <= 0) {
      fail("explain: ExplainOptions::sizes holds ", size.height, " x ", size.width, "; map sizes must be positive");
    }
  }
}

void Run::forward(std::vector<std::string> keep) {
  const GraphPaths paths(model_.graph.nodes());
  for (const auto& [relu, planned] : planned_backward_) {
    for (std::string& name : paths.activations_for_backward(planned.stop, model_.logits)) keep.push_back(std::move(name));
  }
  keep.push_back(model_.logits);
  if (!model_.probabilities.empty()) keep.push_back(model_.probabilities);
  bool kept_already = true;
  for (std::string& name : keep) {
    if (std::find(shared_.keep.begin(), shared_.keep.end(), name) != shared_.keep.end()) continue;
    shared_.keep.push_back(std::move(name));
    kept_already = false;
  }
  if (shared_.graph_holds && kept_already) {  // an earlier call's forward pass of this input
    prediction_ = shared_.prediction;
    return;
  }
  const auto start = Clock::now();
  model_.graph.forward(input_, {.keep = shared_.keep});
  ++shared_.forward_passes;
  prediction_ = read_prediction(model_);
  check_finite_prediction(model_, input_, prediction_);  // its search replaces the graph's activations
  shared_.graph_holds = true;
  shared_.prediction = prediction_;
  shared_forward_ms_ += ms_between(start, Clock::now());
}

void Run::forward_again() {
  const auto start = Clock::now();
  model_.graph.forward(input_, {.keep = shared_.keep});
  ++shared_.forward_passes;
  shared_.graph_holds = true;
  unit_forward_ms_ += ms_between(start, Clock::now());
}

int Run::resolve(Target target) const { return resolve_target(model_, prediction_, target); }

int resolve_target(const Model& model, const Prediction& prediction, Target target) {
  const int count = static_cast<int>(prediction.logits.size());
  if (target.kind == Target::Kind::rank) {
    if (target.value < 0 || target.value >= count) {
      fail("explain: target rank ", target.value, " is out of range: the model ranks ", describe_classes(model, count));
    }
    return prediction.ranking[target.value];
  }
  if (target.value < 0 || target.value >= count) {
    fail("explain: target class ", target.value, " is out of range: the model has ", describe_classes(model, count));
  }
  return target.value;
}

void Run::plan_backward(ReluBackward relu, std::string stop, std::vector<std::string> nodes) {
  planned_backward_[relu] = {std::move(stop), std::move(nodes)};
}

const Tensor& Run::gradients(int target_class, ReluBackward relu, const std::string& node) {
  const auto planned = planned_backward_.find(relu);
  if (planned == planned_backward_.end()) fail("explain: no backward pass planned for this ReLU mode (Run::plan_backward)");
  auto [shared, first_use] = shared_gradients_.try_emplace({target_class, relu});
  if (first_use) {
    if (!shared_.graph_holds) forward_again();  // a method's extra pass replaced the activations backward reads
    const auto start = Clock::now();
    Tensor one_hot(model_.graph.activation(model_.logits).shape());
    one_hot[target_class] = 1.0f;
    const NamedTensors grads = model_.graph.backward(
        one_hot, {.from = model_.logits,
                  .to = planned->second.stop,
                  .wanted = planned->second.nodes,
                  .request = {.weight_grads = false, .relu = relu}});
    ++shared_.backward_passes;
    for (const auto& [name, tensor] : grads) shared->second.by_node.emplace(name, tensor->clone());
    shared->second.ms = ms_between(start, Clock::now());
  }
  const auto gradients = shared->second.by_node.find(node);
  if (gradients == shared->second.by_node.end()) fail("explain: no gradients of '", node, "' planned (Run::plan_backward)");
  unit_backward_ms_ += shared->second.ms;
  return gradients->second;
}

const Tensor& Run::forward_logits(const Tensor& batch) {
  const auto start = Clock::now();
  shared_.graph_holds = false;
  model_.graph.forward(batch, {.keep = std::vector<std::string>{model_.logits}});
  ++shared_.forward_passes;
  unit_forward_ms_ += ms_between(start, Clock::now());
  return model_.graph.activation(model_.logits);
}

const Tensor& Run::forward_logits_changed(const Tensor& batch, std::span<const Region> changed) {
  const auto start = Clock::now();
  if (!region_forward_) {
    shared_.graph_holds = false;
    region_forward_ = std::make_unique<RegionForward>(model_.graph, input_, model_.logits);
    ++shared_.forward_passes;
  }
  const Tensor& logits = region_forward_->forward(batch, changed);
  ++shared_.forward_passes;
  unit_forward_ms_ += ms_between(start, Clock::now());
  return logits;
}

const Tensor& Run::input_gradients(const Tensor& batch, int target_class, ReluBackward relu) {
  const std::string& input = model_.input();
  if (input_backward_keep_.empty()) {
    input_backward_keep_ = GraphPaths(model_.graph.nodes()).activations_for_backward(input, model_.logits);
  }
  const auto start = Clock::now();
  shared_.graph_holds = false;
  model_.graph.forward(batch, {.keep = input_backward_keep_});
  ++shared_.forward_passes;
  ++shared_.backward_passes;
  const auto forward_done = Clock::now();
  Tensor one_hot(model_.graph.activation(model_.logits).shape());  // [N, classes]: each item's own target logit
  const int classes = one_hot.shape().c();
  for (int item = 0; item < one_hot.shape().n(); ++item) one_hot[static_cast<size_t>(item) * classes + target_class] = 1.0f;
  const Tensor& grads = model_.graph.backward(
      one_hot, {.from = model_.logits, .to = input, .wanted = {input}, .request = {.weight_grads = false, .relu = relu}}).at(input);
  unit_forward_ms_ += ms_between(start, forward_done);
  unit_backward_ms_ += ms_between(forward_done, Clock::now());
  return grads;
}

void Run::begin_unit(int unit) {
  unit_ = unit;
  unit_forward_ms_ = unit_backward_ms_ = 0.0;
}

void Run::report(std::string_view stage, double fraction) {
  if (!options_.progress) return;
  const double overall = (unit_ + std::clamp(fraction, 0.0, 1.0)) / units_;
  if (!options_.progress(Progress{stage, overall})) {
    throw Cancelled("explain: cancelled by the progress callback after " + std::string(stage) + " (" +
                    std::to_string(static_cast<int>(overall * 100.0)) + "% done)");
  }
}

Explanation Run::finish(Method& method, ExplainContext& context) {
  const double passes_before = unit_forward_ms_ + unit_backward_ms_;
  const auto start = Clock::now();
  MethodMap map = method.compute(context);
  const auto computed = Clock::now();
  check_finite(map.raw, method.name());

  Explanation e;
  e.method = std::string(method.name());
  e.prediction = prediction_;
  e.target_class = context.target_class();
  e.layer = context.node();
  e.normalized = normalized(map.raw);
  const std::vector<MapSize> sizes =
      options_.sizes.empty() ? std::vector<MapSize>{{input_.shape().h(), input_.shape().w()}} : options_.sizes;
  for (const MapSize& size : sizes) e.upsampled.push_back(postprocess(map.raw, size, options_.upsampling));
  const auto end = Clock::now();
  e.raw = std::move(map.raw);
  e.channel_weights = std::move(map.channel_weights);
  e.timings.forward_ms = shared_forward_ms_ + unit_forward_ms_;
  e.timings.backward_ms = unit_backward_ms_;
  e.timings.map_ms = ms_between(start, computed) - (unit_forward_ms_ + unit_backward_ms_ - passes_before);
  e.timings.postprocess_ms = ms_between(computed, end);
  report(method.name(), 1.0);
  return e;
}

// ---- entry points ----

std::vector<Explanation> explain_all(Model& model, const Tensor& input, std::span<Method* const> methods,
                                     std::span<const Target> targets, const ExplainOptions& options) {
  if (methods.empty()) fail("explain: no method given; pass at least one (registry.h lists them)");
  if (targets.empty()) fail("explain: no target given; pass at least one (Target::top() is the top-1 class)");
  std::vector<std::string> nodes_of_methods, keep;
  std::map<ReluBackward, std::vector<std::string>> gradient_nodes;  // read by some method, per ReLU mode
  for (Method* method : methods) {
    const Requirements needs = method->requirements();
    const std::string node = needs.layer ? layer_for(model, *method, options.layer) : model.input();
    if (needs.layer) check_layer(model, node);
    add_once(keep, node);
    if (needs.gradients) add_once(gradient_nodes[needs.relu], node);
    nodes_of_methods.push_back(node);
  }

  Run run(model, input, options, static_cast<int>(methods.size() * targets.size()));
  const GraphPaths paths(model.graph.nodes());
  for (auto& [relu, names] : gradient_nodes) {
    std::string stop = lowest_feeding_all(paths, names, model.input());
    run.plan_backward(relu, std::move(stop), std::move(names));
  }
  run.forward(keep);
  std::vector<int> classes;
  for (const Target& target : targets) classes.push_back(run.resolve(target));
  std::map<std::string, Tensor> activations;  // cloned: extra passes may overwrite the graph's
  for (const std::string& node : nodes_of_methods) {
    if (!activations.contains(node)) activations.emplace(node, model.graph.activation(node).clone());
  }
  run.report("forward", 0.0);

  std::vector<Explanation> explanations;
  for (size_t m = 0; m < methods.size(); ++m) {
    const Requirements needs = methods[m]->requirements();
    const std::string& node = nodes_of_methods[m];
    for (size_t t = 0; t < classes.size(); ++t) {
      run.begin_unit(static_cast<int>(m * classes.size() + t));
      const Tensor* gradients = needs.gradients ? &run.gradients(classes[t], needs.relu, node) : nullptr;
      ExplainContext context(run, node, classes[t], activations.at(node), gradients);
      explanations.push_back(run.finish(*methods[m], context));
    }
  }
  return explanations;
}

std::vector<Explanation> explain_targets(Model& model, const Tensor& input, Method& method,
                                         std::span<const Target> targets, const ExplainOptions& options) {
  Method* const methods[] = {&method};
  return explain_all(model, input, methods, targets, options);
}

Explanation explain_target(Model& model, const Tensor& input, Method& method, Target target, const ExplainOptions& options) {
  const Target targets[] = {target};
  return std::move(explain_targets(model, input, method, targets, options).front());
}

}  // namespace camlens::explain
