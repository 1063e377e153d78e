#include "io/graph_model.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_fields.h"
#include "layers/add.h"
#include "layers/affine.h"
#include "layers/avg_pool.h"
#include "layers/broadcast_binary.h"
#include "layers/channel_slice.h"
#include "layers/concatenate.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/mirror_pad.h"
#include "layers/pointwise.h"
#include "layers/prelu.h"
#include "layers/relu.h"
#include "layers/reshape.h"
#include "layers/resize.h"
#include "layers/softmax.h"
#include "layers/zero_pad.h"

namespace camlens {

namespace jf = json_fields;
using nlohmann::json;

namespace {

constexpr const char* kSupportedOps =
    "Placeholder, Const, Identity, Conv2D, _FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2dNative, "
    "MatMul, _FusedMatMul, BiasAdd, MaxPool, AvgPool, Add, AddV2, Sub, Mul, RealDiv, Relu, Relu6, Tanh, Sigmoid, "
    "LeakyRelu, Elu, Prelu, FusedBatchNormV3 (and FusedBatchNorm, FusedBatchNormV2; inference), Mean, Reshape, Squeeze, "
    "ExpandDims, StridedSlice, ConcatV2, Softmax, Pad, MirrorPad, ResizeBilinear, ResizeNearestNeighbor";

// Ops that compute value by value, so a rank-1 value [N] (held as [N, 1]) may flow through them;
// ExpandDims turns one into [N, 1] itself.
bool is_elementwise(const std::string& op) {
  static const std::set<std::string> ops{"Add", "AddV2", "Sub", "Mul", "RealDiv", "Relu", "Relu6",
                                         "Tanh", "Sigmoid", "LeakyRelu", "Elu"};
  return ops.count(op) != 0;
}

std::string base64_decode(const std::string& text, const std::string& where) {
  auto value_of = [&](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    fail("graph model: ", where, " is not base64 text: \"", text, "\"");
  };
  std::string out;
  unsigned bits = 0;
  int bit_count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(value_of(c));
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xffu));
    }
  }
  return out;
}

// One GraphDef node, its data inputs (control inputs "^x" dropped, ":0" suffixes removed).
struct TfNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  const json* attr = nullptr;  // may be null: no attributes
  std::string who() const { return op + " '" + name + "'"; }
};

// Typed reads of a node's attributes (AttrValue JSON: strings are base64, ints are strings).
class Attrs {
 public:
  explicit Attrs(const TfNode& node) : node_(node) {}

  const json* find(const std::string& key) const {
    return node_.attr == nullptr ? nullptr : jf::find(*node_.attr, key);
  }
  std::string string_or(const std::string& key, const std::string& fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    return base64_decode(jf::as_string(jf::require(*value, "s", where(key)), where(key) + ".s"), where(key));
  }
  std::string string(const std::string& key) const {
    if (find(key) == nullptr) fail("graph model: ", node_.who(), " has no attribute '", key, "'");
    return string_or(key, "");
  }
  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> values;
    const json* value = find(key);
    if (value == nullptr) return values;
    const json* list = jf::find(jf::require(*value, "list", where(key)), "s");
    if (list == nullptr) return values;  // an empty list is written as {}
    for (const json& item : jf::as_array(*list, where(key) + ".list.s")) {
      values.push_back(base64_decode(jf::as_string(item, where(key) + ".list.s[]"), where(key)));
    }
    return values;
  }
  // A list of ints; `fallback` when the attribute is missing.
  std::vector<int> ints_or(const std::string& key, std::vector<int> fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    const json* list = jf::find(jf::require(*value, "list", where(key)), "i");
    if (list == nullptr) return {};
    return jf::as_int_list(*list, where(key) + ".list.i");
  }
  int int_or(const std::string& key, int fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    return jf::as_int(jf::require(*value, "i", where(key)), where(key) + ".i");
  }
  float float_or(const std::string& key, float fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    const json* f = jf::find(*value, "f");
    return f == nullptr ? 0.0f : static_cast<float>(jf::as_number(*f, where(key) + ".f"));  // proto3 omits a zero
  }
  bool bool_or(const std::string& key, bool fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    return jf::bool_or(*value, "b", where(key), false);
  }
  std::string type_or(const std::string& key, const std::string& fallback) const {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    return jf::as_string(jf::require(*value, "type", where(key)), where(key) + ".type");
  }

 private:
  std::string where(const std::string& key) const { return node_.who() + " attribute '" + key + "'"; }
  const TfNode& node_;
};

std::string list_str(const std::vector<int>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

class GraphImporter {
 public:
  GraphImporter(const json& model, const Weights& weights) : weights_(weights) {
    read_nodes(model);
    outputs_ = find_outputs(model);
  }

  Graph build() {
    const std::vector<const TfNode*> order = topological_order();
    count_readers(order);
    add_input(order);
    for (const TfNode* node : order) {
      if (node->op != "Placeholder" && folded_into_.count(node->name) == 0) add_node(*node);
    }
    return std::move(graph_);
  }

 private:
  // ---- reading the GraphDef ----

  void read_nodes(const json& model) {
    const json& topology = jf::require(model, "modelTopology", "model.json");
    const json& nodes = jf::as_array(jf::require(topology, "node", "modelTopology"), "modelTopology.node");
    for (size_t i = 0; i < nodes.size(); ++i) {
      const std::string where = "modelTopology.node[" + std::to_string(i) + "]";
      TfNode node;
      node.name = jf::as_string(jf::require(nodes[i], "name", where), where + ".name");
      node.op = jf::as_string(jf::require(nodes[i], "op", where), where + ".op");
      if (const json* attr = jf::find(nodes[i], "attr")) node.attr = &jf::as_object(*attr, where + ".attr");
      if (const json* inputs = jf::find(nodes[i], "input")) {
        for (const json& input : jf::as_array(*inputs, where + ".input")) {
          std::string name = jf::as_string(input, where + ".input[]");
          if (name.starts_with("^")) continue;  // a control dependency: no data flows
          node.inputs.push_back(strip_output_index(name, node));
        }
      }
      if (index_.count(node.name) != 0) fail("graph model: two nodes are named '", node.name, "'");
      index_.emplace(node.name, nodes_.size());
      nodes_.push_back(std::move(node));
    }
  }

  static std::string strip_output_index(const std::string& input, const TfNode& reader) {
    const size_t colon = input.rfind(':');
    if (colon == std::string::npos) return input;
    const std::string index = input.substr(colon + 1);
    if (index == "0") return input.substr(0, colon);
    fail("graph model: ", reader.who(), " reads output ", index, " of '", input.substr(0, colon),
         "'; only the first output of a node is supported");
  }

  const TfNode& node(const std::string& name, const TfNode& reader) const {
    auto it = index_.find(name);
    if (it == index_.end()) fail("graph model: ", reader.who(), " reads '", name, "', which is not a node");
    return nodes_[it->second];
  }

  // Follows Identity aliases to the node that computes the value.
  const TfNode& resolve(const std::string& name, const TfNode& reader) const {
    const TfNode* current = &node(name, reader);
    for (size_t hops = 0; current->op == "Identity"; ++hops) {
      if (current->inputs.size() != 1 || hops > nodes_.size()) {
        fail("graph model: Identity '", current->name, "' must read exactly one node");
      }
      current = &node(current->inputs[0], *current);
    }
    return *current;
  }

  // The signature names the outputs when the converter kept it (sorted by node name); else the output
  // is the one node nobody reads, since several such nodes may be leftovers rather than outputs.
  std::vector<const TfNode*> find_outputs(const json& model) const {
    const json* metadata = jf::find(model, "userDefinedMetadata");
    const json* signature = metadata == nullptr ? nullptr : jf::find(*metadata, "signature");
    const json* outputs = signature == nullptr ? nullptr : jf::find(*signature, "outputs");
    std::set<std::string> candidates;
    if (outputs != nullptr && outputs->is_object() && !outputs->empty()) {
      for (const auto& [key, output] : outputs->items()) {
        const std::string name = jf::string_or(output, "name", "signature output", key);
        candidates.insert(resolve(name.substr(0, name.rfind(':')), TfNode{"outputs", "signature", {}, nullptr}).name);
      }
    } else {
      std::set<std::string> read;
      for (const TfNode& n : nodes_) read.insert(n.inputs.begin(), n.inputs.end());
      for (const TfNode& n : nodes_) {
        if (read.count(n.name) == 0 && n.op != "Const") candidates.insert(resolve(n.name, n).name);
      }
    }
    const bool from_signature = outputs != nullptr && outputs->is_object() && !outputs->empty();
    if (candidates.empty() || (!from_signature && candidates.size() != 1)) {
      // A cycle hides the output or leaves a node unread: name the cycle, the real fault.
      const std::vector<std::string> cycle = find_cycle();
      if (!cycle.empty()) {
        fail("graph model: the graph has a cycle: ", join(cycle, " -> "),
             "; each node must read only nodes computed before it");
      }
      fail("graph model: camlens needs exactly one output, found ", candidates.size(),
           candidates.empty() ? "" : ": " + join({candidates.begin(), candidates.end()}),
           "; a model with several outputs must name them in userDefinedMetadata.signature.outputs");
    }
    std::vector<const TfNode*> found;
    for (const std::string& name : candidates) found.push_back(&nodes_[index_.at(name)]);
    return found;
  }

  // The nodes of one cycle, its first node repeated at the end, or empty when the graph has none.
  std::vector<std::string> find_cycle() const {
    std::vector<int> state(nodes_.size(), 0);  // 1: on the stack, 2: done
    for (size_t start = 0; start < nodes_.size(); ++start) {
      if (state[start] != 0) continue;
      std::vector<std::pair<size_t, size_t>> stack{{start, 0}};
      state[start] = 1;
      while (!stack.empty()) {
        auto& [current, next_input] = stack.back();
        if (next_input == nodes_[current].inputs.size()) {
          state[current] = 2;
          stack.pop_back();
          continue;
        }
        const auto input = index_.find(nodes_[current].inputs[next_input++]);
        if (input == index_.end()) continue;  // a missing node is reported where it is read
        if (state[input->second] == 1) {
          std::vector<std::string> cycle;
          size_t first = 0;
          while (stack[first].first != input->second) ++first;
          for (size_t i = first; i < stack.size(); ++i) cycle.push_back(nodes_[stack[i].first].name);
          cycle.push_back(nodes_[input->second].name);
          // The stack runs from readers to what they read; a cycle reads better in data-flow order.
          std::reverse(cycle.begin(), cycle.end());
          return cycle;
        }
        if (state[input->second] == 0) {
          state[input->second] = 1;
          stack.emplace_back(input->second, 0);
        }
      }
    }
    return {};
  }

  // Nodes the outputs depend on, each after its inputs (Const and Identity excluded); the outputs'
  // own order decides which comes last.
  std::vector<const TfNode*> topological_order() const {
    std::vector<const TfNode*> order;
    std::unordered_map<std::string, int> state;  // 1: on the stack, 2: done
    for (const TfNode* output : outputs_) {
      if (state[output->name] == 0) visit_inputs_first(output, state, order);
    }
    return order;
  }

  void visit_inputs_first(const TfNode* output, std::unordered_map<std::string, int>& state,
                          std::vector<const TfNode*>& order) const {
    std::vector<std::pair<const TfNode*, size_t>> stack{{output, 0}};
    state[output->name] = 1;
    while (!stack.empty()) {
      auto& [current, next_input] = stack.back();
      if (next_input == current->inputs.size()) {
        state[current->name] = 2;
        order.push_back(current);
        stack.pop_back();
        continue;
      }
      const TfNode& input = resolve(current->inputs[next_input++], *current);
      if (input.op == "Const") continue;
      int& input_state = state[input.name];
      if (input_state == 1) fail("graph model: the graph has a cycle through '", input.name, "'");
      if (input_state == 0) {
        input_state = 1;
        stack.emplace_back(&input, 0);
      }
    }
  }

  // Counts each node's readers and marks convolutions and MatMuls whose only reader is a BiasAdd
  // as folded into it.
  void count_readers(const std::vector<const TfNode*>& order) {
    std::unordered_map<std::string, int> readers;
    for (const TfNode* n : order) {
      for (const std::string& input : n->inputs) ++readers[resolve(input, *n).name];
    }
    for (const TfNode* n : order) {
      if (n->op != "BiasAdd" || n->inputs.size() != 2) continue;
      const TfNode& producer = resolve(n->inputs[0], *n);
      const bool foldable = producer.op == "Conv2D" || producer.op == "DepthwiseConv2dNative" || producer.op == "MatMul";
      if (foldable && readers[producer.name] == 1 && resolve(n->inputs[1], *n).op == "Const") {
        folded_into_[producer.name] = n->name;
        bias_source_[n->name] = &producer;
      }
    }
  }

  // ---- building the Graph ----

  void add_input(const std::vector<const TfNode*>& order) {
    std::vector<const TfNode*> placeholders;
    for (const TfNode* n : order) {
      if (n->op == "Placeholder") placeholders.push_back(n);
    }
    if (placeholders.size() != 1) {
      fail("graph model: camlens needs exactly one input (Placeholder) feeding the output, found ",
           placeholders.size());
    }
    const TfNode& input = *placeholders[0];
    const Attrs attrs(input);
    const std::string dtype = attrs.type_or("dtype", "DT_FLOAT");
    if (dtype != "DT_FLOAT") fail("graph model: ", input.who(), " has dtype ", dtype, "; only DT_FLOAT is supported");
    const json* shape = attrs.find("shape");
    const json* proto = shape == nullptr ? nullptr : jf::find(*shape, "shape");
    const json* dims = proto == nullptr ? nullptr : jf::find(*proto, "dim");
    if (dims == nullptr) fail("graph model: ", input.who(), " has no shape; camlens needs a fixed input size");
    std::vector<int> sizes;
    for (const json& dim : jf::as_array(*dims, input.who() + " shape.dim")) {
      sizes.push_back(jf::as_int(jf::require(dim, "size", input.who() + " shape.dim[]"), input.who() + " size"));
    }
    const bool fixed = std::all_of(sizes.begin() + std::min<size_t>(1, sizes.size()), sizes.end(), [](int d) { return d > 0; });
    if (sizes.size() < 2 || sizes.size() > 4 || !fixed || (sizes[0] != -1 && sizes[0] != 1)) {
      fail("graph model: ", input.who(), " has shape ", list_str(sizes),
           "; camlens needs [batch, H, W, C] (or [batch, C]) with a fixed size after the batch axis");
    }
    switch (sizes.size()) {
      case 2: graph_.add_input(input.name, Shape{sizes[1]}); break;
      case 3: graph_.add_input(input.name, Shape{sizes[1], sizes[2]}); break;
      default: graph_.add_input(input.name, Shape{sizes[1], sizes[2], sizes[3]}); break;
    }
    shapes_[input.name] = graph_.nodes().front().item_shape;
  }

  void add_node(const TfNode& n) {
    check_dtype(n);
    const std::string& op = n.op;
    const bool reads_vector = check_vector_readers(n);
    if (op == "Conv2D" || op == "DepthwiseConv2dNative" || op == "_FusedConv2D" || op == "FusedDepthwiseConv2dNative") {
      add_convolution(n, n, {});
    } else if (op == "MatMul" || op == "_FusedMatMul") {
      add_matmul(n, n, {});
    } else if (op == "BiasAdd") {
      add_bias(n);
    } else if (op == "MaxPool" || op == "AvgPool") {
      add_pool(n);
    } else if (op == "Add" || op == "AddV2") {
      add_sum(n);
    } else if (op == "Sub" || op == "Mul" || op == "RealDiv") {
      add_binary(n);
    } else if (op == "Relu" || op == "Relu6") {
      expect_inputs(n, 1);
      add(std::make_unique<Relu>(n.name, op == "Relu" ? Relu::kNoCap : 6.0f), {data_input(n, 0)});
    } else if (op == "Tanh" || op == "Sigmoid" || op == "LeakyRelu" || op == "Elu") {
      add_pointwise(n);
    } else if (op == "Prelu") {
      expect_inputs(n, 2);
      const std::string input = data_input(n, 0);
      add(std::make_unique<Prelu>(n.name, broadcast_constant(n, 1, input)), {input});
    } else if (op == "FusedBatchNorm" || op == "FusedBatchNormV2" || op == "FusedBatchNormV3") {
      add_fused_batch_norm(n);
    } else if (op == "Mean") {
      add_mean(n);
    } else if (op == "Reshape") {
      add_reshape(n);
    } else if (op == "Squeeze") {
      add_squeeze(n);
    } else if (op == "ExpandDims") {
      add_expand_dims(n);
    } else if (op == "StridedSlice") {
      add_strided_slice(n);
    } else if (op == "ConcatV2") {
      add_concat(n);
    } else if (op == "Softmax") {
      expect_inputs(n, 1);
      add(std::make_unique<Softmax>(n.name), {data_input(n, 0)});
    } else if (op == "Pad") {
      add_pad(n);
    } else if (op == "MirrorPad") {
      add_mirror_pad(n);
    } else if (op == "ResizeBilinear" || op == "ResizeNearestNeighbor") {
      add_resize(n);
    } else {
      fail("graph model: op '", op, "' (node '", n.name, "') is not supported; supported ops: ", kSupportedOps);
    }
    if (reads_vector && is_elementwise(op)) vectors_.insert(n.name);
  }

  // Whether `n` reads a rank-1 value; fails when `n` is no op that can, or mixes one with a value
  // of higher rank (TensorFlow would broadcast [N] against the last axis, across the batch).
  bool check_vector_readers(const TfNode& n) const {
    std::string vector, other;
    for (const std::string& input : n.inputs) {
      const TfNode& source = resolve(input, n);
      if (source.op == "Const") continue;
      (vectors_.count(source.name) != 0 ? vector : other) = source.name;
    }
    if (vector.empty()) return false;
    if (!is_elementwise(n.op) && n.op != "ExpandDims") {
      fail("graph model: ", n.who(), " reads '", vector, "', a rank-1 value [N]; camlens supports those only in "
           "element-wise ops and ExpandDims (give it a channel axis with ExpandDims first)");
    }
    if (!other.empty()) {
      fail("graph model: ", n.who(), " combines '", vector, "', a rank-1 value [N], with '", other, "' [N, ",
           shape_of(other).str().substr(1), ", which broadcasts across the batch; supported: rank-1 values with "
           "rank-1 values or constants");
    }
    return true;
  }

  void check_dtype(const TfNode& n) const {
    const std::string type = Attrs(n).type_or("T", "DT_FLOAT");
    if (type != "DT_FLOAT") fail("graph model: ", n.who(), " computes in ", type, "; only DT_FLOAT is supported");
  }

  static void expect_inputs(const TfNode& n, size_t count) {
    if (n.inputs.size() != count) fail("graph model: ", n.who(), " needs ", count, " inputs, got ", n.inputs.size());
  }

  // The graph node holding input `i` of `n` (which must not be a Const).
  std::string data_input(const TfNode& n, size_t i) const {
    const TfNode& input = resolve(n.inputs[i], n);
    if (input.op == "Const") {
      fail("graph model: ", n.who(), " takes the constant '", input.name, "' as input ", i,
           "; camlens supports constants only as weights, biases, axes and shapes");
    }
    return input.name;
  }

  const Shape& shape_of(const std::string& node_name) const { return shapes_.at(node_name); }

  // The manifest weight behind constant input `i` of `n`.
  const Weight& constant(const TfNode& n, size_t i) const {
    const TfNode& input = resolve(n.inputs[i], n);
    if (input.op != "Const") {
      fail("graph model: ", n.who(), " needs a constant as input ", i, ", but '", input.name, "' is a ", input.op,
           "; camlens supports weights that are constants only");
    }
    return weights_.at(input.name, n.who());
  }

  Tensor constant_tensor(const TfNode& n, size_t i) const { return weights_.tensor(constant(n, i).name, n.who()); }

  void add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs) {
    std::string name = layer->name();
    shapes_[name] = graph_.add(std::move(layer), inputs);
  }

  // ---- op by op ----

  // The window of a Conv2D/pool node; `kernel_h`/`kernel_w` come from its filter or ksize.
  static Window2D window_of(const TfNode& n, int kernel_h, int kernel_w) {
    const Attrs attrs(n);
    const std::string format = attrs.string_or("data_format", "NHWC");
    if (format != "NHWC") {
      fail("graph model: ", n.who(), " has data_format ", format, "; only NHWC is supported (convert the model channels-last)");
    }
    const std::vector<int> strides = attrs.ints_or("strides", {1, 1, 1, 1});
    const std::vector<int> dilations = attrs.ints_or("dilations", {1, 1, 1, 1});
    for (const auto& [what, values] : {std::pair{"strides", &strides}, std::pair{"dilations", &dilations}}) {
      if (values->size() != 4 || (*values)[0] != 1 || (*values)[3] != 1) {
        fail("graph model: ", n.who(), " has ", what, " ", list_str(*values),
             "; supported: [1, h, w, 1] (none across batch or channels)");
      }
    }
    Window2D window;
    window.kernel_h = kernel_h;
    window.kernel_w = kernel_w;
    window.stride_h = strides[1];
    window.stride_w = strides[2];
    window.dilation_h = dilations[1];
    window.dilation_w = dilations[2];
    const std::string padding = attrs.string("padding");
    if (padding == "SAME") {
      window.padding_mode = PaddingMode::same;
    } else if (padding == "VALID") {
      window.padding_mode = PaddingMode::valid;
    } else if (padding == "EXPLICIT") {
      const std::vector<int> pads = attrs.ints_or("explicit_paddings", {});
      if (pads.size() != 8 || pads[0] != 0 || pads[1] != 0 || pads[6] != 0 || pads[7] != 0) {
        fail("graph model: ", n.who(), " has explicit_paddings ", list_str(pads),
             "; supported: [0, 0, top, bottom, left, right, 0, 0]");
      }
      window.padding_mode = PaddingMode::explicit_pads;
      window.explicit_padding = Padding{pads[2], pads[3], pads[4], pads[5]};
    } else {
      fail("graph model: ", n.who(), " has padding \"", padding, "\"; supported: SAME, VALID, EXPLICIT");
    }
    return window;
  }

  // What a fused op applies after its bias: Relu and Relu6 the layer itself fuses; Elu, LeakyRelu,
  // Sigmoid and Prelu (TensorFlow.js's other fused activations) become a layer of their own after it.
  struct FusedActivation {
    Activation fused = Activation::none;
    std::string appended_op;  // empty, or the op of the layer appended after the convolution or MatMul
  };

  // Reads and checks fused_ops and num_args (Prelu takes its slopes as a second argument).
  static FusedActivation fused_activation(const TfNode& n) {
    const Attrs attrs(n);
    const std::vector<std::string> ops = attrs.strings("fused_ops");
    const int num_args = attrs.find("num_args") == nullptr
                             ? 1
                             : jf::as_int(jf::require(*attrs.find("num_args"), "i", n.who() + " num_args"), n.who() + " num_args");
    const bool bias_first = !ops.empty() && ops[0] == "BiasAdd";
    const std::string activation = ops.size() == 2 ? ops[1] : "";
    if (bias_first && num_args == (activation == "Prelu" ? 2 : 1)) {
      if (ops.size() == 1) return {};
      if (activation == "Relu") return {Activation::relu, ""};
      if (activation == "Relu6") return {Activation::relu6, ""};
      if (activation == "Elu" || activation == "LeakyRelu" || activation == "Sigmoid" || activation == "Prelu") {
        return {Activation::none, activation};
      }
    }
    fail("graph model: ", n.who(), " fuses [", join(ops), "] with ", num_args,
         " argument(s); supported fused_ops: [BiasAdd] with one argument, [BiasAdd, Relu], [BiasAdd, Relu6], "
         "[BiasAdd, Elu], [BiasAdd, LeakyRelu], [BiasAdd, Sigmoid] with one, [BiasAdd, Prelu] with two (bias, alpha)");
  }

  // The name the convolution or MatMul layer of `named` takes: its own, or, when an activation layer
  // follows it, one beside it so that the activation's output carries the TensorFlow node's name.
  static std::string linear_name(const TfNode& named, const FusedActivation& activation) {
    return activation.appended_op.empty() ? named.name : named.name + "/BiasAdd";
  }

  // Appends the activation layer a fused op asks for after `linear` (see fused_activation).
  void append_fused_activation(const TfNode& op_node, const FusedActivation& activation, const std::string& linear) {
    const std::string& op = activation.appended_op;
    if (op.empty()) return;
    if (op == "Prelu") {
      add(std::make_unique<Prelu>(op_node.name, broadcast_constant(op_node, 3, linear)), {linear});
      return;
    }
    PointwiseParams params{PointwiseFunction::sigmoid};
    if (op == "Elu") params = {PointwiseFunction::elu, 1.0f};
    if (op == "LeakyRelu") params = {PointwiseFunction::leaky_relu, Attrs(op_node).float_or("leakyrelu_alpha", 0.2f)};
    add(std::make_unique<Pointwise>(op_node.name, params), {linear});
  }

  // `op_node` carries the convolution's attributes and inputs; the layer takes `named`'s name
  // (a BiasAdd folded into it). `bias` is that BiasAdd's bias, if any.
  void add_convolution(const TfNode& op_node, const TfNode& named, Tensor bias) {
    const bool fused = op_node.op.find("Fused") != std::string::npos;
    const bool depthwise = op_node.op.find("Depthwise") != std::string::npos;
    const FusedActivation activation = fused ? fused_activation(op_node) : FusedActivation{};
    expect_inputs(op_node, fused ? 3 + (activation.appended_op == "Prelu") : 2);
    Tensor kernel = constant_tensor(op_node, 1);
    if (kernel.shape().rank() != 4) {
      fail("graph model: ", op_node.who(), " has a filter of shape ", kernel.shape().str(), "; it needs [h, w, in, out]");
    }
    ConvParams params;
    params.window = window_of(op_node, kernel.shape()[0], kernel.shape()[1]);
    if (fused) {
      params.activation = activation.fused;
      bias = constant_tensor(op_node, 2);
    }
    const std::string input = data_input(op_node, 0);
    const std::string linear = linear_name(named, activation);
    if (depthwise) {
      add(std::make_unique<DepthwiseConv2D>(linear, std::move(kernel), std::move(bias), params), {input});
    } else {
      add(std::make_unique<Conv2D>(linear, std::move(kernel), std::move(bias), params), {input});
    }
    append_fused_activation(op_node, activation, linear);
  }

  void add_matmul(const TfNode& op_node, const TfNode& named, Tensor bias) {
    const bool fused = op_node.op == "_FusedMatMul";
    const FusedActivation fused_ops = fused ? fused_activation(op_node) : FusedActivation{};
    expect_inputs(op_node, fused ? 3 + (fused_ops.appended_op == "Prelu") : 2);
    const Attrs attrs(op_node);
    if (attrs.bool_or("transpose_a", false)) fail("graph model: ", op_node.who(), " has transpose_a set; not supported");
    Tensor kernel = constant_tensor(op_node, 1);
    if (kernel.shape().rank() != 2) {
      fail("graph model: ", op_node.who(), " multiplies by a weight of shape ", kernel.shape().str(), "; it needs [in, out]");
    }
    if (attrs.bool_or("transpose_b", false)) {
      const int rows = kernel.shape()[0], cols = kernel.shape()[1];
      Tensor transposed(Shape{cols, rows});
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) transposed[static_cast<size_t>(c) * rows + r] = kernel[static_cast<size_t>(r) * cols + c];
      }
      kernel = std::move(transposed);
    }
    if (fused) bias = constant_tensor(op_node, 2);
    const std::string linear = linear_name(named, fused_ops);
    add(std::make_unique<Dense>(linear, std::move(kernel), std::move(bias), fused_ops.fused), {data_input(op_node, 0)});
    append_fused_activation(op_node, fused_ops, linear);
  }

  void add_bias(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string format = Attrs(n).string_or("data_format", "NHWC");
    if (format != "NHWC") fail("graph model: ", n.who(), " has data_format ", format, "; only NHWC is supported");
    auto source = bias_source_.find(n.name);
    if (source == bias_source_.end()) {
      add_affine_offset(n, 1);
      return;
    }
    Tensor bias = constant_tensor(n, 1);
    if (source->second->op == "MatMul") {
      add_matmul(*source->second, n, std::move(bias));
    } else {
      add_convolution(*source->second, n, std::move(bias));
    }
  }

  // x + constant (input `constant_index` of `n`): an Affine node adding one value or one per channel.
  void add_affine_offset(const TfNode& n, size_t constant_index) {
    const std::string input = data_input(n, 1 - constant_index);
    add(std::make_unique<Affine>(n.name, std::vector<float>{1.0f}, broadcast_constant(n, constant_index, input)),
        {input});
  }

  // The values of constant input `i` of `n`, which combines them with `input`: one float, or one per
  // channel of `input` (a rank-1 value has one channel).
  std::vector<float> broadcast_constant(const TfNode& n, size_t i, const std::string& input) const {
    const Weight& value = constant(n, i);
    const int channels = shape_of(input).c();
    const bool broadcastable =
        value.dtype == WeightDType::float32 &&
        std::all_of(value.shape.begin(), value.shape.empty() ? value.shape.end() : value.shape.end() - 1,
                    [](int d) { return d == 1; }) &&
        (value.floats.size() == 1 || value.floats.size() == static_cast<size_t>(channels));
    if (!broadcastable) {
      fail("graph model: ", n.who(), " combines the constant '", value.name, "' ", value.shape_str(), " with '", input,
           "' ", shape_of(input).str(), "; supported: one float per channel (", channels, ") or a single float");
    }
    return value.floats;
  }

  // Sub, Mul or RealDiv: of two computed values a BroadcastBinary node, with a constant an Affine one.
  void add_binary(const TfNode& n) {
    expect_inputs(n, 2);
    const bool first_constant = resolve(n.inputs[0], n).op == "Const";
    const bool second_constant = resolve(n.inputs[1], n).op == "Const";
    if (!first_constant && !second_constant) {
      const BinaryOp op = n.op == "Sub" ? BinaryOp::subtract : n.op == "Mul" ? BinaryOp::multiply : BinaryOp::divide;
      add(std::make_unique<BroadcastBinary>(n.name, op), {data_input(n, 0), data_input(n, 1)});
      return;
    }
    if (first_constant && second_constant) data_input(n, 0);  // fails: a node computed from constants only
    const size_t constant_index = first_constant ? 0 : 1;
    const std::string input = data_input(n, 1 - constant_index);
    std::vector<float> values = broadcast_constant(n, constant_index, input);
    std::vector<float> scale{1.0f}, offset{0.0f};
    if (n.op == "Mul") {
      scale = std::move(values);
    } else if (n.op == "Sub" && constant_index == 1) {  // x - c
      for (float& v : values) v = -v;
      offset = std::move(values);
    } else if (n.op == "Sub") {  // c - x
      scale = {-1.0f};
      offset = std::move(values);
    } else if (constant_index == 1) {  // x / c
      for (float& v : values) v = 1.0f / v;
      scale = std::move(values);
    } else {
      fail("graph model: ", n.who(), " divides the constant '", resolve(n.inputs[0], n).name, "' by '", input,
           "'; supported: a computed value divided by a constant or by another computed value");
    }
    add(std::make_unique<Affine>(n.name, std::move(scale), std::move(offset)), {input});
  }

  void add_pointwise(const TfNode& n) {
    expect_inputs(n, 1);
    PointwiseParams params;
    if (n.op == "Tanh") {
      params.function = PointwiseFunction::tanh;
    } else if (n.op == "Sigmoid") {
      params.function = PointwiseFunction::sigmoid;
    } else if (n.op == "LeakyRelu") {
      params = {PointwiseFunction::leaky_relu, Attrs(n).float_or("alpha", 0.2f)};  // TensorFlow's default slope
    } else {
      params = {PointwiseFunction::elu, 1.0f};  // TensorFlow's Elu has no alpha
    }
    add(std::make_unique<Pointwise>(n.name, params), {data_input(n, 0)});
  }

  // FusedBatchNorm in inference, y = (x - mean) / sqrt(variance + epsilon) * scale + offset per
  // channel: an Affine node with the statistics folded into one scale and one offset.
  void add_fused_batch_norm(const TfNode& n) {
    expect_inputs(n, 5);
    const Attrs attrs(n);
    if (attrs.bool_or("is_training", false)) {
      fail("graph model: ", n.who(), " has is_training set, so it would normalise by each batch's own statistics; "
           "camlens runs inference graphs only (export the model for inference, or freeze it with is_training false)");
    }
    const std::string format = attrs.string_or("data_format", "NHWC");
    if (format != "NHWC") fail("graph model: ", n.who(), " has data_format ", format, "; only NHWC is supported");
    const std::string input = data_input(n, 0);
    const size_t channels = static_cast<size_t>(shape_of(input).c());
    std::vector<const Weight*> values;  // scale, offset, mean, variance
    for (size_t i = 1; i <= 4; ++i) {
      const Weight& value = constant(n, i);
      if (value.dtype != WeightDType::float32 || value.floats.size() != channels) {
        fail("graph model: ", n.who(), " normalises '", input, "' ", shape_of(input).str(), " with '", value.name, "' ",
             value.shape_str(), "; it needs one float per channel (", channels, ")");
      }
      values.push_back(&value);
    }
    const float epsilon = attrs.float_or("epsilon", 0.001f);  // TensorFlow.js's default when absent
    std::vector<float> scale(channels), offset(channels);
    for (size_t c = 0; c < channels; ++c) {
      scale[c] = values[0]->floats[c] / std::sqrt(values[3]->floats[c] + epsilon);
      offset[c] = values[1]->floats[c] - values[2]->floats[c] * scale[c];
    }
    add(std::make_unique<Affine>(n.name, std::move(scale), std::move(offset)), {input});
  }

  void add_pool(const TfNode& n) {
    expect_inputs(n, 1);
    const std::vector<int> ksize = Attrs(n).ints_or("ksize", {});
    if (ksize.size() != 4 || ksize[0] != 1 || ksize[3] != 1) {
      fail("graph model: ", n.who(), " has ksize ", list_str(ksize), "; supported: [1, h, w, 1]");
    }
    const Window2D window = window_of(n, ksize[1], ksize[2]);
    if (window.dilation_h != 1 || window.dilation_w != 1) fail("graph model: ", n.who(), " has dilations; pools support none");
    if (n.op == "MaxPool") {
      add(std::make_unique<MaxPool>(n.name, window), {data_input(n, 0)});
    } else {
      add(std::make_unique<AvgPool>(n.name, window), {data_input(n, 0)});
    }
  }

  void add_sum(const TfNode& n) {
    expect_inputs(n, 2);
    for (size_t i = 0; i < 2; ++i) {
      if (resolve(n.inputs[i], n).op == "Const") {
        add_affine_offset(n, i);
        return;
      }
    }
    add(std::make_unique<Add>(n.name), {data_input(n, 0), data_input(n, 1)});
  }

  void add_mean(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string input = data_input(n, 0);
    const Weight& axes = constant(n, 1);
    std::vector<int> sorted(axes.ints.begin(), axes.ints.end());
    for (int& axis : sorted) axis = axis < 0 ? axis + 4 : axis;
    std::sort(sorted.begin(), sorted.end());
    if (axes.dtype != WeightDType::int32 || sorted != std::vector<int>{1, 2} || shape_of(input).rank() != 3) {
      fail("graph model: ", n.who(), " averages '", input, "' ", shape_of(input).str(), " over axes ",
           list_str(axes.ints), "; supported: the mean over H and W (axes [1, 2]) of an NHWC tensor");
    }
    if (!Attrs(n).bool_or("keep_dims", false)) {
      add(std::make_unique<GlobalAveragePool>(n.name), {input});
      return;
    }
    const std::string pooled = n.name + "/global_average";
    add(std::make_unique<GlobalAveragePool>(pooled), {input});
    add(std::make_unique<Reshape>(n.name, std::vector<int>{1, 1, shape_of(input).c()}), {pooled});
  }

  void add_reshape(const TfNode& n) {
    expect_inputs(n, 2);
    const Weight& shape = constant(n, 1);
    if (shape.dtype != WeightDType::int32 || shape.ints.size() < 2) {
      fail("graph model: ", n.who(), " reshapes to ", list_str({shape.ints.begin(), shape.ints.end()}),
           "; supported: an int32 shape [batch, ...] with 1 to 3 dimensions after the batch axis");
    }
    // The first dimension is the batch (-1, or the batch size the graph was exported with).
    add(std::make_unique<Reshape>(n.name, std::vector<int>(shape.ints.begin() + 1, shape.ints.end())),
        {data_input(n, 0)});
  }

  void add_squeeze(const TfNode& n) {
    expect_inputs(n, 1);
    const std::string input = data_input(n, 0);
    const Shape& item = shape_of(input);
    const int rank = item.rank() + 1;  // with the batch axis
    std::vector<int> axes = Attrs(n).ints_or("squeeze_dims", {});
    for (int& axis : axes) axis = axis < 0 ? axis + rank : axis;
    std::vector<int> kept;
    for (int axis = 1; axis < rank; ++axis) {
      const bool named = std::find(axes.begin(), axes.end(), axis) != axes.end();
      const bool squeezed = axes.empty() ? item[axis - 1] == 1 : named;
      if (squeezed && item[axis - 1] != 1) {
        fail("graph model: ", n.who(), " squeezes axis ", axis, " of '", input, "' [N, ", item.str().substr(1),
             ", which is not 1");
      }
      if (!squeezed) kept.push_back(item[axis - 1]);
    }
    if (std::find(axes.begin(), axes.end(), 0) != axes.end() || kept.empty()) {
      fail("graph model: ", n.who(), " squeezes ", axes.empty() ? "every axis" : "axes " + list_str(axes), " of '", input,
           "'; the batch axis and at least one other must stay");
    }
    add(std::make_unique<Reshape>(n.name, kept), {input});
  }

  // TensorFlow's rank of a node's value, with the batch axis.
  int tf_rank(const std::string& node_name) const {
    return vectors_.count(node_name) != 0 ? 1 : shape_of(node_name).rank() + 1;
  }

  // A scalar (or one-value) int32 constant: an axis, a dimension.
  int int_scalar(const TfNode& n, size_t i, const std::string& what) const {
    const Weight& value = constant(n, i);
    if (value.dtype != WeightDType::int32 || value.ints.size() != 1) {
      fail("graph model: ", n.who(), " needs one int32 as its ", what, " (input ", i, "), got '", value.name, "' ",
           value.shape_str());
    }
    return value.ints[0];
  }

  // ExpandDims inserts an axis of size 1 after the batch axis: a Reshape node (on a rank-1 value
  // [N], held as [N, 1] already, a copy).
  void add_expand_dims(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string input = data_input(n, 0);
    const int rank = tf_rank(input);
    int axis = int_scalar(n, 1, "axis");
    if (axis < 0) axis += rank + 1;
    if (axis < 1 || axis > rank || rank + 1 > Shape::kMaxRank) {
      fail("graph model: ", n.who(), " inserts axis ", int_scalar(n, 1, "axis"), " into '", input, "' of rank ", rank,
           "; supported: an axis after the batch axis, giving at most rank ", Shape::kMaxRank);
    }
    std::vector<int> dims;
    if (rank > 1) {
      const Shape& item = shape_of(input);
      for (int d = 0; d < item.rank(); ++d) dims.push_back(item[d]);
    }
    dims.insert(dims.begin() + (axis - 1), 1);
    add(std::make_unique<Reshape>(n.name, dims), {input});
  }

  // StridedSlice keeping every axis but the last whole: a ChannelSlice node. Shrinking the last
  // axis of [N, C] gives a rank-1 value [N].
  void add_strided_slice(const TfNode& n) {
    expect_inputs(n, 4);
    const std::string input = data_input(n, 0);
    const int rank = tf_rank(input);
    const Attrs attrs(n);
    const int begin_mask = attrs.int_or("begin_mask", 0), end_mask = attrs.int_or("end_mask", 0);
    const int shrink_mask = attrs.int_or("shrink_axis_mask", 0);
    std::vector<std::vector<int>> bounds;  // begin, end, strides
    for (size_t i = 1; i <= 3; ++i) {
      const Weight& value = constant(n, i);
      if (value.dtype != WeightDType::int32 || value.ints.size() != static_cast<size_t>(rank)) {
        fail("graph model: ", n.who(), " slices '", input, "' of rank ", rank, " with '", value.name, "' ",
             value.shape_str(), "; it needs ", rank, " int32 values (one per axis)");
      }
      bounds.emplace_back(value.ints.begin(), value.ints.end());
    }
    const std::vector<int>& begin = bounds[0];
    const std::vector<int>& end = bounds[1];
    const std::vector<int>& strides = bounds[2];
    const int last = rank - 1;
    const auto unsupported = [&](const std::string& why) {
      fail("graph model: ", n.who(), " slices '", input, "' [N", rank > 1 ? ", " + shape_of(input).str().substr(1) : "]",
           " with begin ", list_str(begin), ", end ", list_str(end), ", strides ", list_str(strides), ": ", why,
           "; supported: a slice of the last axis with a positive stride, every other axis whole");
    };
    if (attrs.int_or("ellipsis_mask", 0) != 0 || attrs.int_or("new_axis_mask", 0) != 0) {
      unsupported("ellipsis_mask and new_axis_mask must be 0");
    }
    if (rank < 2) unsupported("a rank-1 value has only its batch axis");
    const auto bit = [](int mask, int axis) { return (mask >> axis) & 1; };
    if (!bit(begin_mask, 0) || !bit(end_mask, 0) || strides[0] != 1 || bit(shrink_mask, 0)) {
      unsupported("the batch axis is not whole");
    }
    for (int axis = 1; axis < last; ++axis) {
      const int size = shape_of(input)[axis - 1];
      const bool whole = (bit(begin_mask, axis) || begin[axis] == 0) && (bit(end_mask, axis) || end[axis] >= size) &&
                         strides[axis] == 1 && !bit(shrink_mask, axis);
      if (!whole) unsupported("axis " + std::to_string(axis) + " is not whole");
    }
    const int channels = shape_of(input).c();
    const int stride = strides[last];
    if (stride <= 0) unsupported("the stride of the last axis is not positive");
    const auto clamp_index = [&](int index) { return std::clamp(index < 0 ? index + channels : index, 0, channels); };
    const bool shrink = bit(shrink_mask, last);
    if (shrink && rank != 2) unsupported("only [N, C] may lose its last axis");
    // A shrunk axis takes begin itself, whatever begin_mask says (as TensorFlow does).
    const int taken = shrink && begin[last] < 0 ? begin[last] + channels : begin[last];
    if (shrink && (taken < 0 || taken >= channels)) unsupported("the index taken lies outside the last axis");
    const int first = shrink ? taken : bit(begin_mask, last) ? 0 : clamp_index(begin[last]);
    const int stop = shrink ? first + 1 : bit(end_mask, last) ? channels : clamp_index(end[last]);
    const int count = stop > first ? (stop - first + stride - 1) / stride : 0;
    if (count == 0) unsupported("the slice is empty");
    add(std::make_unique<ChannelSlice>(n.name, SliceParams{first, count, stride}), {input});
    if (shrink) vectors_.insert(n.name);
  }

  // ConcatV2 along the last axis: a Concatenate node.
  void add_concat(const TfNode& n) {
    if (n.inputs.size() < 2) fail("graph model: ", n.who(), " needs at least one value and an axis");
    std::vector<std::string> inputs;
    for (size_t i = 0; i + 1 < n.inputs.size(); ++i) inputs.push_back(data_input(n, i));
    const int rank = tf_rank(inputs[0]);
    const int axis = int_scalar(n, n.inputs.size() - 1, "axis");
    if (axis != rank - 1 && axis != -1) {
      fail("graph model: ", n.who(), " concatenates along axis ", axis, " of rank-", rank,
           " values; supported: the last axis (", rank - 1, " or -1)");
    }
    add(std::make_unique<Concatenate>(n.name), inputs);
  }

  // Pad with zeros around H and W and/or after the channels of an NHWC tensor: a ZeroPad2D node.
  void add_pad(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string input = data_input(n, 0);
    const Weight& paddings = constant(n, 1);
    const std::vector<int> pads(paddings.ints.begin(), paddings.ints.end());
    const bool nhwc = shape_of(input).rank() == 3 && paddings.dtype == WeightDType::int32 && pads.size() == 8;
    if (!nhwc || pads[0] != 0 || pads[1] != 0 || *std::min_element(pads.begin(), pads.end()) < 0) {
      fail("graph model: ", n.who(), " pads '", input, "' ", shape_of(input).str(), " by ", list_str(pads),
           "; supported: int32 paddings [[0, 0], [top, bottom], [left, right], [before, after]] >= 0 on an NHWC tensor");
    }
    add(std::make_unique<ZeroPad2D>(n.name, Padding{pads[2], pads[3], pads[4], pads[5]}, ChannelPadding{pads[6], pads[7]}),
        {input});
  }

  // MirrorPad of H and W of an NHWC tensor: a MirrorPad2D node (REFLECT or SYMMETRIC).
  void add_mirror_pad(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string input = data_input(n, 0);
    const std::string mode = Attrs(n).string("mode");
    if (mode != "REFLECT" && mode != "SYMMETRIC") {
      fail("graph model: ", n.who(), " has mode \"", mode, "\"; supported: REFLECT, SYMMETRIC");
    }
    const Weight& paddings = constant(n, 1);
    const std::vector<int> pads(paddings.ints.begin(), paddings.ints.end());
    const bool nhwc = shape_of(input).rank() == 3 && paddings.dtype == WeightDType::int32 && pads.size() == 8;
    if (!nhwc || pads[0] != 0 || pads[1] != 0 || pads[6] != 0 || pads[7] != 0 ||
        *std::min_element(pads.begin(), pads.end()) < 0) {
      fail("graph model: ", n.who(), " pads '", input, "' ", shape_of(input).str(), " by ", list_str(pads),
           "; supported: int32 paddings [[0, 0], [top, bottom], [left, right], [0, 0]] >= 0 on an NHWC tensor");
    }
    add(std::make_unique<MirrorPad2D>(n.name, Padding{pads[2], pads[3], pads[4], pads[5]},
                                      mode == "REFLECT" ? MirrorMode::reflect : MirrorMode::symmetric),
        {input});
  }

  // ResizeBilinear or ResizeNearestNeighbor of an NHWC tensor to a constant size: a Resize2D node.
  void add_resize(const TfNode& n) {
    expect_inputs(n, 2);
    const std::string input = data_input(n, 0);
    const Weight& size = constant(n, 1);
    if (size.dtype != WeightDType::int32 || size.ints.size() != 2 || shape_of(input).rank() != 3) {
      fail("graph model: ", n.who(), " resizes '", input, "' ", shape_of(input).str(), " to '", size.name, "' ",
           size.shape_str(), "; supported: an NHWC tensor and a constant int32 size [height, width]");
    }
    const Attrs attrs(n);
    ResizeParams params;
    params.height = size.ints[0];
    params.width = size.ints[1];
    params.method = n.op == "ResizeBilinear" ? ResizeMethod::bilinear : ResizeMethod::nearest;
    params.align_corners = attrs.bool_or("align_corners", false);
    params.half_pixel_centers = attrs.bool_or("half_pixel_centers", false);
    add(std::make_unique<Resize2D>(n.name, params), {input});
  }

  const Weights& weights_;
  std::vector<TfNode> nodes_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<const TfNode*> outputs_;
  std::unordered_map<std::string, std::string> folded_into_;     // producer -> the BiasAdd reading it
  std::unordered_map<std::string, const TfNode*> bias_source_;   // BiasAdd -> the producer it absorbs
  std::unordered_map<std::string, Shape> shapes_;                // per-item shape of every graph node
  std::set<std::string> vectors_;  // nodes whose TensorFlow value is rank 1, [N], held as [N, 1]
  Graph graph_;
};

}  // namespace

Graph import_graph_model(const json& model, const Weights& weights) {
  return GraphImporter(model, weights).build();
}

}  // namespace camlens
