#include "graph/graph.h"

#include <algorithm>
#include <span>
#include <vector>

#include "core/error.h"
#include "kernels/parallel.h"
#include "layers/relu.h"

namespace camlens {

namespace {

// [item...] -> [batch, item...]
Shape with_batch(int batch, const Shape& item) {
  switch (item.rank()) {
    case 1: return Shape{batch, item[0]};
    case 2: return Shape{batch, item[0], item[1]};
    case 3: return Shape{batch, item[0], item[1], item[2]};
  }
  fail("graph: a per-item shape needs rank 1 to 3 ([C] or [H, W, C]), got ", item.str());
}

// [batch, item...] -> [item...]
Shape without_batch(const Shape& shape) {
  switch (shape.rank()) {
    case 2: return Shape{shape[1]};
    case 3: return Shape{shape[1], shape[2]};
    case 4: return Shape{shape[1], shape[2], shape[3]};
  }
  fail("graph: a batched shape needs rank 2 to 4 ([N, C] or [N, H, W, C]), got ", shape.str());
}

}  // namespace

bool NamedTensors::contains(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; });
}

const Tensor& NamedTensors::at(std::string_view name) const {
  for (const auto& [entry_name, tensor] : entries_) {
    if (entry_name == name) return *tensor;
  }
  std::string held;
  for (const auto& entry : entries_) held += (held.empty() ? "" : ", ") + entry.first;
  fail("no tensor named '", name, "' here; held: ", held.empty() ? "none" : held);
}

// ---- building ----

void Graph::add_input(std::string name, const Shape& item_shape) {
  if (!nodes_.empty()) fail("graph: add_input('", name, "') must come first and only once");
  if (name.empty()) fail("graph: the input node needs a name");
  with_batch(1, item_shape);  // validates the rank
  Node node;
  node.name = std::move(name);
  node.item_shape = item_shape;
  nodes_.push_back(std::move(node));
}

const Shape& Graph::add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs) {
  if (layer == nullptr) fail("graph: add() was given a null layer");
  const std::string& name = layer->name();
  if (nodes_.empty()) fail("graph: cannot add ", layer->kind(), " '", name, "' before add_input()");
  if (name.empty()) fail("graph: a ", layer->kind(), " layer needs a non-empty name to become a node");
  if (find(name) >= 0) fail("graph: a node named '", name, "' exists already; node names must be unique");

  Node node;
  std::vector<Shape> input_shapes;
  std::string described;  // "'a' [1, 8, 8, 3], 'b' [1, 8, 8, 3]" for error messages
  for (const std::string& input : inputs) {
    int index = find(input);
    if (index < 0) {
      fail("graph: ", layer->kind(), " '", name, "' reads '", input,
           "', which is not a node yet; add nodes after the nodes they read");
    }
    node.inputs.push_back(index);
    input_shapes.push_back(with_batch(1, nodes_[index].item_shape));
    described += (described.empty() ? "'" : ", '") + input + "' " + input_shapes.back().str();
  }
  Shape out;
  try {
    out = layer->output_shape(input_shapes);
  } catch (const Error& e) {
    fail("graph: cannot add ", layer->kind(), " '", name, "' reading ", described.empty() ? "nothing" : described,
         ": ", e.what());
  }
  if (out.rank() < 2 || out[0] != 1) {
    fail("graph: ", layer->kind(), " '", name, "' gives shape ", out.str(), " for a batch of 1; expected [1, ...]");
  }
  node.item_shape = without_batch(out);
  node.name = name;
  node.layer = std::move(layer);

  // Growing nodes_ may move every node: the last pass's activations are no longer readable.
  for (Node& existing : nodes_) existing.kept = false;
  fusion_planned_ = false;  // the new node may read a layer paired with a ReLU
  int index = static_cast<int>(nodes_.size());
  for (int input : node.inputs) nodes_[input].last_consumer = index;
  nodes_.push_back(std::move(node));
  return nodes_.back().item_shape;
}

// ---- lookup ----

int Graph::find(std::string_view name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Graph::index_of(std::string_view name, const char* role) const {
  int index = find(name);
  if (index >= 0) return index;
  std::string known;
  for (const Node& node : nodes_) known += (known.empty() ? "" : ", ") + node.name;
  fail("graph: no node named '", name, "' (", role, "); nodes: ", known.empty() ? "none" : known);
}

bool Graph::contains(std::string_view name) const { return find(name) >= 0; }

const std::string& Graph::input_name() const {
  if (nodes_.empty()) fail("graph: no input yet; call add_input first");
  return nodes_.front().name;
}

const std::string& Graph::output_name() const {
  if (nodes_.empty()) fail("graph: no nodes yet; call add_input and add first");
  return nodes_.back().name;
}

int Graph::layer_index(std::string_view name) const {
  int index = index_of(name, "layer lookup");
  if (nodes_[index].layer == nullptr) fail("graph: '", name, "' is the graph input, which has no layer");
  return index;
}

Layer& Graph::layer(std::string_view name) { return *nodes_[layer_index(name)].layer; }

const Layer& Graph::layer(std::string_view name) const { return *nodes_[layer_index(name)].layer; }

std::vector<NodeInfo> Graph::nodes() const {
  std::vector<NodeInfo> infos;
  for (const Node& node : nodes_) {
    NodeInfo info{node.name, node.layer ? node.layer->kind() : "Input", {}, node.item_shape};
    for (int input : node.inputs) info.inputs.push_back(nodes_[input].name);
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<Parameter> Graph::parameters() {
  std::vector<Parameter> all;
  for (Node& node : nodes_) {
    if (node.layer == nullptr) continue;
    for (Parameter& p : node.layer->parameters()) {
      all.push_back(Parameter{node.name + "/" + p.name, p.value, p.grad});
    }
  }
  return all;
}

void Graph::set_fusion(bool on) {
  fusion_ = on;
  fusion_planned_ = false;
}

std::vector<NamedBuffer> Graph::buffers() {
  std::vector<NamedBuffer> all;
  for (Node& node : nodes_) {
    if (node.layer == nullptr) continue;
    for (NamedBuffer& b : node.layer->buffers()) all.push_back(NamedBuffer{node.name + "/" + b.name, b.value});
  }
  return all;
}

// ---- forward ----

std::vector<bool> Graph::kept_nodes(const ForwardOptions& options) const {
  std::vector<bool> kept(nodes_.size(), !options.keep.has_value());
  if (options.keep) {
    for (const std::string& name : *options.keep) kept[index_of(name, "in ForwardOptions::keep")] = true;
  }
  kept.back() = true;
  return kept;
}

void Graph::plan_fusion() {
  std::vector<int> readers(nodes_.size(), 0);
  for (Node& node : nodes_) {
    node.fused_relu = node.fused_layer = -1;
    for (int input : node.inputs) ++readers[input];
  }
  for (size_t i = 1; fusion_ && i < nodes_.size(); ++i) {
    const auto* relu = dynamic_cast<const Relu*>(nodes_[i].layer.get());
    if (relu == nullptr || nodes_[i].inputs.size() != 1) continue;
    Node& layer = nodes_[nodes_[i].inputs[0]];
    if (layer.layer == nullptr || readers[nodes_[i].inputs[0]] != 1 || !layer.layer->fuses_relu(relu->cap())) continue;
    layer.fused_relu = static_cast<int>(i);
    nodes_[i].fused_layer = nodes_[i].inputs[0];
  }
  fusion_planned_ = true;
}

bool Graph::fused_now(int layer, const std::vector<bool>& kept) const {
  const Node& node = nodes_[layer];
  if (node.fused_relu < 0) return false;
  return !kept[layer] || std::all_of(node.inputs.begin(), node.inputs.end(), [&](int input) { return kept[input]; });
}

std::vector<int> Graph::last_readers() const {
  std::vector<int> last(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) last[i] = nodes_[i].last_consumer;
  for (const Node& node : nodes_) {
    if (node.fused_relu < 0) continue;
    for (int input : node.inputs) last[input] = std::max(last[input], node.fused_relu);
  }
  return last;
}

std::vector<Tensor*> Graph::plan_buffers(const std::vector<bool>& kept) {
  // The same keep set always gives the same assignment, so after the first call every scratch
  // buffer already has the capacity its nodes need.
  const std::vector<int> last_reader = last_readers();
  // released[i]: the scratch nodes whose buffer is free once node i has run.
  std::vector<std::vector<int>> released(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!kept[i]) released[last_reader[i] < 0 ? i : last_reader[i]].push_back(static_cast<int>(i));
  }
  std::vector<int> slot_of(nodes_.size(), -1);
  std::vector<bool> slot_busy;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!kept[i]) {
      auto free_slot = std::find(slot_busy.begin(), slot_busy.end(), false);
      slot_of[i] = static_cast<int>(free_slot - slot_busy.begin());
      if (free_slot == slot_busy.end()) slot_busy.push_back(true);
      else *free_slot = true;
    }
    // Released only after the node's output slot was taken, so a node's inputs and output never alias.
    for (int node : released[i]) slot_busy[slot_of[node]] = false;
  }
  if (scratch_.size() < slot_busy.size()) scratch_.resize(slot_busy.size());

  std::vector<Tensor*> buffers(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    buffers[i] = kept[i] ? &nodes_[i].own_activation : &scratch_[slot_of[i]];
  }
  return buffers;
}

const Tensor& Graph::forward(const Tensor& input, const ForwardOptions& options) {
  if (nodes_.empty()) fail("graph: forward on an empty graph; call add_input and add first");
  const Node& input_node = nodes_.front();
  if (input.shape().rank() != input_node.item_shape.rank() + 1 ||
      input.shape() != with_batch(input.shape()[0], input_node.item_shape)) {
    fail("graph: input '", input_node.name, "' expects [N] + ", input_node.item_shape.str(), ", got ",
         input.shape().str());
  }
  if (!fusion_planned_) plan_fusion();
  std::vector<bool> kept = kept_nodes(options);
  for (Node& node : nodes_) node.kept = node.deferred = false;
  last_phase_ = options.phase;
  std::vector<Tensor*> buffers = plan_buffers(kept);

  Tensor& input_copy = *buffers[0];
  input_copy.reshape_storage(input.shape());
  std::copy(input.values().begin(), input.values().end(), input_copy.data());
  nodes_[0].activation = &input_copy;
  nodes_[0].kept = kept[0];

  std::vector<Shape> input_shapes;
  for (size_t i = 1; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    node.input_views.clear();
    input_shapes.clear();
    for (int input : node.inputs) {
      node.input_views.push_back(nodes_[input].activation);
      input_shapes.push_back(nodes_[input].activation->shape());
    }
    Tensor& out = *buffers[i];
    out.reshape_storage(node.layer->output_shape(input_shapes));
    node.activation = &out;
    node.kept = kept[i];
    if (fused_now(static_cast<int>(i), kept)) {
      node.deferred = kept[i];  // its ReLU's pass runs it
    } else if (node.fused_layer >= 0 && fused_now(node.fused_layer, kept)) {
      Node& layer = nodes_[node.fused_layer];
      layer.layer->forward_relu(out, layer.input_views, options.phase, static_cast<const Relu&>(*node.layer).cap());
    } else {
      node.layer->forward(out, node.input_views, options.phase);
    }
  }
  return *nodes_.back().activation;
}

void Graph::require_kept(int node, const char* needed_for) const {
  const Node& n = nodes_[node];
  if (!n.kept) {
    fail("graph: the activation of '", n.name, "' (needed ", needed_for,
         ") is not available: run forward first, keeping it (ForwardOptions::keep, or keep all)");
  }
}

const Tensor& Graph::kept_activation(int node, const char* needed_for) const {
  require_kept(node, needed_for);
  const Node& n = nodes_[node];
  if (n.deferred) {  // kept: its buffer is its own, and its inputs were kept too
    n.layer->forward(n.own_activation, n.input_views, last_phase_);
    n.deferred = false;
  }
  return *n.activation;
}

const Tensor& Graph::activation(std::string_view name) const {
  return kept_activation(index_of(name, "activation lookup"), "by activation()");
}

// ---- backward ----

NamedTensors Graph::backward(const Tensor& grad, const BackwardOptions& options) {
  if (nodes_.empty()) fail("graph: backward on an empty graph");
  int from = options.from.empty() ? static_cast<int>(nodes_.size()) - 1 : index_of(options.from, "BackwardOptions::from");
  int to = options.to.empty() ? 0 : index_of(options.to, "BackwardOptions::to");

  // downstream[i]: i is `to` or reads it through some path. on_path: also upstream of `from`.
  std::vector<bool> downstream(nodes_.size(), false), on_path(nodes_.size(), false);
  for (int i = to; i <= from; ++i) {
    downstream[i] = i == to || std::any_of(nodes_[i].inputs.begin(), nodes_[i].inputs.end(),
                                           [&](int input) { return downstream[input]; });
  }
  if (from < to || !downstream[from]) {
    fail("graph: backward stop '", nodes_[to].name, "' is not upstream of start '", nodes_[from].name,
         "': no gradient flows between them");
  }
  on_path[from] = true;
  for (int i = from; i > to; --i) {
    if (!on_path[i]) continue;
    for (int input : nodes_[i].inputs) on_path[input] = on_path[input] || downstream[input];
  }

  // A gradient is computed where a layer below needs it, or where the caller wants it.
  std::vector<bool> needs_grad(nodes_.size(), false);
  for (int i = to + 1; i <= from; ++i) needs_grad[i] = on_path[i];
  for (const std::string& name : options.wanted) {
    int index = index_of(name, "in BackwardOptions::wanted");
    if (!on_path[index]) {
      fail("graph: wanted gradient '", name, "' is not on a path from '", nodes_[to].name, "' to '",
           nodes_[from].name, "'");
    }
    needs_grad[index] = true;
  }

  require_kept(from, "for the shape of the backward start");
  const Tensor& from_activation = *nodes_[from].activation;
  if (grad.shape() != from_activation.shape()) {
    fail("graph: the gradient at '", nodes_[from].name, "' must have its activation's shape ",
         from_activation.shape().str(), ", got ", grad.shape().str());
  }
  // Deferred activations stay so: a layer fused with its ReLU reads only the shape of its own
  // output (it has no activation of its own), and the ReLU reads its output, not its input.
  for (int i = to + 1; i <= from; ++i) {
    if (!on_path[i]) continue;
    require_kept(i, "by backward");
    for (int input : nodes_[i].inputs) require_kept(input, "by backward");
  }

  // The start's gradient first: `grad` may be a buffer from an earlier backward.
  Node& start = nodes_[from];
  if (needs_grad[from] && &grad != &start.grad) {
    start.grad.reshape_storage(grad.shape());
    std::copy(grad.values().begin(), grad.values().end(), start.grad.data());
  }
  std::vector<std::span<float>> cleared;
  for (int i = to; i < from; ++i) {
    if (!needs_grad[i]) continue;
    Tensor& node_grad = nodes_[i].grad;
    node_grad.reshape_storage(nodes_[i].activation->shape());
    cleared.emplace_back(node_grad.data(), node_grad.size());
  }
  kernels::parallel_zero(cleared);  // one parallel call, each thread clearing what it mostly writes next

  for (int i = from; i > to; --i) {
    Node& node = nodes_[i];
    if (!on_path[i]) continue;
    node.input_grads.clear();
    bool any_input_grad = false;
    for (int input : node.inputs) {
      node.input_grads.push_back(needs_grad[input] ? &nodes_[input].grad : nullptr);
      any_input_grad = any_input_grad || needs_grad[input];
    }
    if (!any_input_grad && !options.request.weight_grads) continue;  // nothing to compute here
    node.layer->backward(node.input_grads, node.grad, node.input_views, *node.activation, options.request);
  }

  NamedTensors result;
  for (const std::string& name : options.wanted) result.add(name, &nodes_[find(name)].grad);
  return result;
}

}  // namespace camlens
