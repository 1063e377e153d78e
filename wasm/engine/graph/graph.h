#pragma once
// Graph: a DAG of named nodes kept in topological order. The first node is the graph input;
// every other node is a Layer reading earlier nodes, so insertion order is a valid execution
// order and backward is exactly that order reversed (llm.c style). One node's output may feed
// several nodes (residual blocks); backward sums their gradients.
//
// The graph owns the activations of the last forward pass and the gradients of the last
// backward pass; both live in buffers reused across calls (no allocation while shapes hold).
// References it hands out stay valid until the next forward (activations) or backward (gradients).
//
// A ReLU reading a layer that nothing else reads, and that can apply it in its own pass (a
// convolution), runs as one pass with it: memory is written once. That layer's own output is then
// computed from its kept inputs only when asked for (activation(), a backward pass starting there).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "layers/layer.h"

namespace camlens {

// Tensors named by node, borrowed from the graph's buffers.
class NamedTensors {
 public:
  void add(std::string name, const Tensor* tensor) { entries_.emplace_back(std::move(name), tensor); }
  bool contains(std::string_view name) const;
  // Throws an Error listing the names held when `name` is not one of them.
  const Tensor& at(std::string_view name) const;
  size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<std::pair<std::string, const Tensor*>> entries_;
};

// A node as the outside sees it: shapes are per item (no batch dimension).
struct NodeInfo {
  std::string name;
  std::string kind;  // the layer kind, or "Input"
  std::vector<std::string> inputs;
  Shape item_shape;  // [H, W, C] for feature maps, [C] for vectors
  bool spatial() const { return item_shape.rank() == 3; }  // rank 4 once batched: a CAM can use it
};

struct ForwardOptions {
  Phase phase = Phase::inference;
  // Nodes whose activations must stay readable after forward (and so allow backward through
  // them). nullopt keeps every node. The others share scratch buffers, freed as soon as their
  // last consumer ran. The last node is always kept: forward returns it.
  std::optional<std::vector<std::string>> keep;
};

struct BackwardOptions {
  std::string from;  // the node whose gradient is given; empty: the last node
  std::string to;    // the stop node: no gradient flows below it; empty: the graph input
  // Nodes whose gradients backward returns: each must lie between `to` and `from` (inclusive).
  // Gradients nobody needs are never computed (e.g. the input's, when training).
  std::vector<std::string> wanted;
  BackwardRequest request;  // weight gradients only when request.weight_grads
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) noexcept = default;  // activation pointers stay valid: vectors move their storage
  Graph& operator=(Graph&&) noexcept = default;

  // The graph input, first and only once: `item_shape` has no batch dimension ([H, W, C] or [C]).
  void add_input(std::string name, const Shape& item_shape);
  // Appends a layer reading the named nodes (which must exist already); its name is the node's.
  // Returns the node's per-item output shape. Throws an Error naming the node on a bad name or shape.
  const Shape& add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs);

  // Runs every node on `input` ([N, ...input item shape]); returns the last node's output.
  const Tensor& forward(const Tensor& input, const ForwardOptions& options = {});
  // The activation `name` got in the last forward; throws if it was not kept or never computed.
  const Tensor& activation(std::string_view name) const;

  // Backpropagates `grad` (shaped like options.from's activation) from options.from down to
  // options.to, visiting in reverse topological order only the layers on a path between them.
  // Needs the activations of those layers' inputs and outputs from the last forward.
  NamedTensors backward(const Tensor& grad, const BackwardOptions& options = {});

  bool contains(std::string_view name) const;
  const std::string& input_name() const;
  const std::string& output_name() const;  // the last node
  // Throws an Error naming the unknown node, or for the input node, which has no layer.
  Layer& layer(std::string_view name);
  const Layer& layer(std::string_view name) const;
  // Every node in topological order, the input first.
  std::vector<NodeInfo> nodes() const;
  // Every layer's parameters, in node order, named "<node>/<parameter>".
  std::vector<Parameter> parameters();
  // Every layer's buffers (state without gradients), in node order, named "<node>/<buffer>".
  std::vector<NamedBuffer> buffers();
  // Whether forward runs a layer and the ReLU reading it as one pass (on by default); off, every
  // node runs on its own, as tests comparing the two need.
  void set_fusion(bool on);

 private:
  struct Node {
    std::string name;
    std::unique_ptr<Layer> layer;  // null for the input node
    std::vector<int> inputs;       // indices of earlier nodes
    Shape item_shape;
    int last_consumer = -1;        // index of the last node reading this one; -1: none
    // State of the last forward/backward pass; buffers reused from call to call.
    // Mutable: a deferred activation is computed on first read, which does not change what it is.
    mutable Tensor own_activation;       // the buffer used when the node is kept
    const Tensor* activation = nullptr;  // own_activation or a scratch buffer
    bool kept = false;                   // activation is readable: computed and not overwritten
    mutable bool deferred = false;       // kept, but left to be computed on first read (fusion)
    int fused_relu = -1;                 // the ReLU node that runs this layer in its pass
    int fused_layer = -1;                // a ReLU node: the layer node whose pass runs it
    std::vector<const Tensor*> input_views;
    std::vector<Tensor*> input_grads;
    Tensor grad;
  };

  int find(std::string_view name) const;  // -1 when absent
  // Index of `name`, or an Error saying which argument (`role`) named an unknown node.
  int index_of(std::string_view name, const char* role) const;
  int layer_index(std::string_view name) const;  // throws for the input node
  std::vector<bool> kept_nodes(const ForwardOptions& options) const;
  // Each node's output buffer: its own when kept, else a scratch buffer free at that point.
  std::vector<Tensor*> plan_buffers(const std::vector<bool>& kept);
  // Throws unless the last forward kept node's activation (`needed_for` says why it is needed);
  // computes a deferred one.
  const Tensor& kept_activation(int node, const char* needed_for) const;
  void require_kept(int node, const char* needed_for) const;
  // Pairs each ReLU with the layer it reads, where that layer fuses it and nothing else reads it.
  void plan_fusion();
  // Whether node `layer`, paired with a ReLU, runs in the ReLU's pass this forward: its output can
  // be computed later only when it and its inputs are kept.
  bool fused_now(int layer, const std::vector<bool>& kept) const;
  // For each node, the node after which its buffer is free: its last reader, or the ReLU whose
  // fused pass reads it through the layer between them.
  std::vector<int> last_readers() const;

  std::vector<Node> nodes_;
  std::vector<Tensor> scratch_;  // shared buffers for activations nobody keeps
  bool fusion_ = true;
  bool fusion_planned_ = false;
  Phase last_phase_ = Phase::inference;
};

}  // namespace camlens
