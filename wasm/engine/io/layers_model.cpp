#include "io/layers_model.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/json_fields.h"
#include "layers/add.h"
#include "layers/affine.h"
#include "layers/avg_pool.h"
#include "layers/batch_norm.h"
#include "layers/concatenate.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/pointwise.h"
#include "layers/relu.h"
#include "layers/reshape.h"
#include "layers/softmax.h"
#include "layers/zero_pad.h"

namespace camlens {

namespace jf = json_fields;
using nlohmann::json;

namespace {

constexpr const char* kSupportedLayers =
    "InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, MaxPooling2D, AveragePooling2D, "
    "GlobalAveragePooling2D, Flatten, Reshape, Activation, BatchNormalization, Add, Concatenate, Dropout, "
    "ZeroPadding2D, Rescaling";

struct KerasLayer {
  std::string class_name;
  std::string name;
  const json* config = nullptr;
  std::vector<std::string> inbound;  // names of the layers it reads
  std::string who() const { return class_name + " '" + name + "'"; }
  std::string where() const { return "layers model: " + who() + " config"; }
};

// What an `activation` field asks for: a fused ReLU/ReLU6, or a Softmax or value-by-value node
// after the layer.
struct ActivationSpec {
  Activation fused = Activation::none;
  bool softmax = false;
  std::optional<PointwiseParams> pointwise;
};

constexpr const char* kSupportedActivations =
    "relu, relu6, softmax, linear, sigmoid, tanh, elu, swish (or silu), hard_sigmoid";

// Keras's value-by-value activations, with tfjs-layers' constants (hard_sigmoid: 0.2 x + 0.5).
std::optional<PointwiseParams> keras_pointwise(const std::string& name) {
  if (name == "sigmoid") return PointwiseParams{PointwiseFunction::sigmoid};
  if (name == "tanh") return PointwiseParams{PointwiseFunction::tanh};
  if (name == "elu") return PointwiseParams{PointwiseFunction::elu, 1.0f};
  if (name == "swish" || name == "silu") return PointwiseParams{PointwiseFunction::swish};
  if (name == "hard_sigmoid" || name == "hardSigmoid") return PointwiseParams{PointwiseFunction::hard_sigmoid, 0.2f, 0.5f};
  return std::nullopt;
}

ActivationSpec activation_of(const KerasLayer& layer) {
  const std::string name = jf::string_or(*layer.config, "activation", layer.where(), "linear");
  if (name == "linear") return {};
  if (name == "relu") return {Activation::relu, false, std::nullopt};
  if (name == "relu6") return {Activation::relu6, false, std::nullopt};
  if (name == "softmax") return {Activation::none, true, std::nullopt};
  if (const std::optional<PointwiseParams> pointwise = keras_pointwise(name)) return {Activation::none, false, pointwise};
  fail("layers model: ", layer.who(), " uses activation ", jf::excerpt(json(name)), "; supported: ", kSupportedActivations);
}

// A Keras size field: one int for both axes, or a list of two.
std::pair<int, int> int_pair(const KerasLayer& layer, const std::string& key, int fallback) {
  const json* value = jf::find(*layer.config, key);
  if (value == nullptr || value->is_null()) return {fallback, fallback};
  const std::string where = layer.where() + "." + key;
  if (!value->is_array()) {
    const int v = jf::as_int(*value, where);
    return {v, v};
  }
  const std::vector<int> values = jf::as_int_list(*value, where);
  if (values.size() != 2) fail("layers model: ", layer.who(), " has ", key, " ", jf::excerpt(*value), "; it needs 2 values");
  return {values[0], values[1]};
}

void expect_channels_last(const KerasLayer& layer) {
  const std::string format = jf::string_or(*layer.config, "data_format", layer.where(), "channels_last");
  if (format != "channels_last") {
    fail("layers model: ", layer.who(), " has data_format \"", format, "\"; only channels_last is supported");
  }
}

// Window from kernel_size/pool_size, strides, dilation_rate and padding.
Window2D window_of(const KerasLayer& layer, const std::string& size_key, bool pool) {
  expect_channels_last(layer);
  Window2D window;
  std::tie(window.kernel_h, window.kernel_w) = int_pair(layer, size_key, pool ? 2 : 1);
  // A pool's strides default to its pool size.
  const json* strides = jf::find(*layer.config, "strides");
  if (pool && (strides == nullptr || strides->is_null())) {
    window.stride_h = window.kernel_h;
    window.stride_w = window.kernel_w;
  } else {
    std::tie(window.stride_h, window.stride_w) = int_pair(layer, "strides", 1);
  }
  if (!pool) std::tie(window.dilation_h, window.dilation_w) = int_pair(layer, "dilation_rate", 1);
  std::string padding = jf::string_or(*layer.config, "padding", layer.where(), "valid");
  std::transform(padding.begin(), padding.end(), padding.begin(), [](unsigned char c) { return std::tolower(c); });
  if (padding != "valid" && padding != "same") {
    fail("layers model: ", layer.who(), " has padding \"", padding, "\"; supported: valid, same");
  }
  window.padding_mode = padding == "same" ? PaddingMode::same : PaddingMode::valid;
  return window;
}

// The batch input shape of an InputLayer (batch_input_shape, or Keras 3's batch_shape) or of the
// first layer of a Sequential model.
std::vector<int> batch_input_shape(const KerasLayer& layer) {
  const json* shape = jf::find(*layer.config, "batch_input_shape");
  if (shape == nullptr || shape->is_null()) shape = jf::find(*layer.config, "batch_shape");
  if (shape == nullptr || shape->is_null()) {
    fail("layers model: ", layer.who(), " gives no batch_input_shape; camlens needs a fixed input size");
  }
  std::vector<int> dims;
  for (size_t i = 0; i < jf::as_array(*shape, layer.where() + ".batch_input_shape").size(); ++i) {
    if (i == 0) continue;  // the batch axis (null)
    const json& dim = (*shape)[i];
    dims.push_back(dim.is_null() ? -1 : jf::as_int(dim, layer.where() + ".batch_input_shape"));
  }
  if (dims.empty() || dims.size() > 3 || std::any_of(dims.begin(), dims.end(), [](int d) { return d <= 0; })) {
    fail("layers model: ", layer.who(), " has batch_input_shape ", jf::excerpt(*shape),
         "; camlens needs [null, H, W, C] (or [null, C]) with fixed sizes");
  }
  return dims;
}

class LayersImporter {
 public:
  LayersImporter(const json& model, const Weights& weights) : weights_(weights) {
    for (const Weight& weight : weights.all()) {
      by_name_.emplace(weight.name, &weight);
      // TensorFlow 2.2+ may write "<layer>/<cell>/<weight>": also find it as "<layer>/<weight>".
      const size_t last = weight.name.rfind('/');
      const size_t cell = last == std::string::npos || last == 0 ? std::string::npos : weight.name.rfind('/', last - 1);
      if (cell != std::string::npos) by_name_.emplace(weight.name.substr(0, cell) + weight.name.substr(last), &weight);
    }
    read_config(model);
  }

  Graph build() {
    for (const KerasLayer* layer : topological_order()) add_layer(*layer);
    return std::move(graph_);
  }

 private:
  // ---- reading the Keras config ----

  void read_config(const json& model) {
    const json& topology = jf::require(model, "modelTopology", "model.json");
    const json* root = jf::find(topology, "model_config");
    if (root == nullptr) root = &topology;
    const std::string class_name = jf::as_string(jf::require(*root, "class_name", "modelTopology"), "modelTopology.class_name");
    const json& config = jf::require(*root, "config", "modelTopology");
    if (class_name == "Sequential") {
      read_sequential(config);
    } else if (class_name == "Model" || class_name == "Functional") {
      read_functional(config);
    } else {
      fail("layers model: the model is a \"", class_name, "\"; supported: Sequential, Model, Functional");
    }
  }

  KerasLayer read_layer(const json& entry, const std::string& where) {
    KerasLayer layer;
    layer.class_name = jf::as_string(jf::require(entry, "class_name", where), where + ".class_name");
    layer.config = &jf::as_object(jf::require(entry, "config", where), where + ".config");
    layer.name = jf::string_or(entry, "name", where, jf::string_or(*layer.config, "name", where + ".config", ""));
    if (layer.name.empty()) fail("layers model: ", where, " (", layer.class_name, ") has no name");
    return layer;
  }

  void read_sequential(const json& config) {
    // Keras 2.2.4+ writes {"name", "layers": [...]}; older versions the bare list.
    const json& list = config.is_array() ? config : jf::require(config, "layers", "Sequential config");
    jf::as_array(list, "Sequential layers");
    if (list.empty()) fail("layers model: the Sequential model has no layers");
    std::string previous;
    for (size_t i = 0; i < list.size(); ++i) {
      KerasLayer layer = read_layer(list[i], "Sequential layers[" + std::to_string(i) + "]");
      if (i == 0 && layer.class_name != "InputLayer") {
        // Keras names the implicit input after the first layer.
        KerasLayer input{"InputLayer", layer.name + "_input", layer.config, {}};
        previous = input.name;
        layers_.push_back(std::move(input));
      }
      if (!previous.empty()) layer.inbound = {previous};
      previous = layer.name;
      layers_.push_back(std::move(layer));
    }
    output_ = previous;
  }

  // [layer_name, node_index, tensor_index, (kwargs)] -> layer_name, refusing shared layers.
  static std::string tensor_ref(const json& ref, const std::string& where) {
    if (!ref.is_array() || ref.size() < 3) fail("layers model: ", where, " must be [layer_name, node_index, tensor_index, ...]");
    const std::string name = jf::as_string(ref[0], where + "[0]");
    if (jf::as_int(ref[1], where + "[1]") != 0 || jf::as_int(ref[2], where + "[2]") != 0) {
      fail("layers model: ", where, " reads ", jf::excerpt(ref), "; layers called more than once (shared layers) are not supported");
    }
    return name;
  }

  void read_functional(const json& config) {
    const json& list = jf::as_array(jf::require(config, "layers", "model config"), "model config.layers");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "layers[" + std::to_string(i) + "]";
      KerasLayer layer = read_layer(list[i], where);
      const json& calls = jf::as_array(jf::require(list[i], "inbound_nodes", where), where + ".inbound_nodes");
      if (calls.size() > 1) fail("layers model: ", layer.who(), " is called ", calls.size(), " times; shared layers are not supported");
      if (calls.size() == 1) {
        if (!calls[0].is_array()) {
          fail("layers model: ", layer.who(), " has inbound_nodes in the Keras 3 form; save it with Keras 2 / TensorFlow.js");
        }
        for (size_t j = 0; j < calls[0].size(); ++j) {
          layer.inbound.push_back(tensor_ref(calls[0][j], where + ".inbound_nodes[0][" + std::to_string(j) + "]"));
        }
      }
      layers_.push_back(std::move(layer));
    }
    for (const char* key : {"input_layers", "output_layers"}) {
      const json& refs = jf::as_array(jf::require(config, key, "model config"), std::string("model config.") + key);
      if (refs.size() != 1) fail("layers model: camlens needs exactly one ", key == std::string("input_layers") ? "input" : "output",
                                 ", the model has ", refs.size());
      const std::string name = tensor_ref(refs[0], std::string(key) + "[0]");
      (key == std::string("input_layers") ? input_ : output_) = name;
    }
  }

  const KerasLayer& layer_named(const std::string& name, const std::string& reader) const {
    for (const KerasLayer& layer : layers_) {
      if (layer.name == name) return layer;
    }
    fail("layers model: ", reader, " reads '", name, "', which is not a layer of the model");
  }

  // The layers the output depends on, each after the layers it reads.
  std::vector<const KerasLayer*> topological_order() const {
    std::vector<const KerasLayer*> order;
    std::unordered_map<std::string, int> state;  // 1: on the stack, 2: done
    std::vector<std::pair<const KerasLayer*, size_t>> stack{{&layer_named(output_, "output_layers"), 0}};
    state[output_] = 1;
    while (!stack.empty()) {
      auto& [current, next] = stack.back();
      if (next == current->inbound.size()) {
        state[current->name] = 2;
        order.push_back(current);
        stack.pop_back();
        continue;
      }
      const KerasLayer& input = layer_named(current->inbound[next++], current->who());
      int& input_state = state[input.name];
      if (input_state == 1) fail("layers model: the model has a cycle through '", input.name, "'");
      if (input_state == 0) {
        input_state = 1;
        stack.emplace_back(&input, 0);
      }
    }
    if (order.front()->class_name != "InputLayer" ||
        std::count_if(order.begin(), order.end(), [](const KerasLayer* l) { return l->class_name == "InputLayer"; }) != 1) {
      fail("layers model: camlens needs the output to depend on exactly one InputLayer");
    }
    if (!input_.empty() && order.front()->name != input_) {
      fail("layers model: the output does not depend on the input layer '", input_, "'");
    }
    return order;
  }

  // ---- building the Graph ----

  // The graph node holding the output of Keras layer `name`.
  const std::string& node_of(const std::string& name) const { return outputs_.at(name); }
  const Shape& shape_of(const std::string& node) const { return shapes_.at(node); }

  std::string single_input(const KerasLayer& layer) const {
    if (layer.inbound.size() != 1) fail("layers model: ", layer.who(), " needs one input, got ", layer.inbound.size());
    return node_of(layer.inbound[0]);
  }

  std::vector<std::string> all_inputs(const KerasLayer& layer) const {
    std::vector<std::string> nodes;
    for (const std::string& name : layer.inbound) nodes.push_back(node_of(name));
    return nodes;
  }

  void add(std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs) {
    std::string name = layer->name();
    shapes_[name] = graph_.add(std::move(layer), inputs);
  }

  // The node ends the Keras layer: later layers reading `layer` read `node`.
  void finish(const KerasLayer& layer, const std::string& node) { outputs_[layer.name] = node; }

  Tensor weight(const KerasLayer& layer, const std::string& weight_name) const {
    const std::string key = layer.name + "/" + weight_name;
    auto it = by_name_.find(key);
    if (it == by_name_.end()) {
      fail("layers model: ", layer.who(), " needs the weight '", key, "', which the weights manifest does not list");
    }
    return weights_.tensor(it->second->name, layer.who());
  }

  bool use_bias(const KerasLayer& layer) const { return jf::bool_or(*layer.config, "use_bias", layer.where(), true); }

  // Adds `layer` as `make(node name, activation)`, then a Softmax or value-by-value node named
  // after the Keras layer when its activation is one.
  template <typename Make>
  void add_with_activation(const KerasLayer& layer, const std::vector<std::string>& inputs, Make make) {
    const ActivationSpec activation = activation_of(layer);
    const std::string node = activation.softmax ? layer.name + "/logits"
                             : activation.pointwise ? layer.name + "/linear"
                                                    : layer.name;
    add(make(node, activation.fused), inputs);
    if (activation.softmax) add(std::make_unique<Softmax>(layer.name), {node});
    if (activation.pointwise) add(std::make_unique<Pointwise>(layer.name, *activation.pointwise), {node});
    finish(layer, layer.name);
  }

  void add_layer(const KerasLayer& layer) {
    const std::string& kind = layer.class_name;
    if (kind == "InputLayer") {
      add_input(layer);
    } else if (kind == "Conv2D" || kind == "DepthwiseConv2D") {
      add_convolution(layer);
    } else if (kind == "SeparableConv2D") {
      add_separable(layer);
    } else if (kind == "Dense") {
      add_dense(layer);
    } else if (kind == "MaxPooling2D" || kind == "AveragePooling2D") {
      const Window2D window = window_of(layer, "pool_size", true);
      if (kind == "MaxPooling2D") {
        add(std::make_unique<MaxPool>(layer.name, window), {single_input(layer)});
      } else {
        add(std::make_unique<AvgPool>(layer.name, window), {single_input(layer)});
      }
      finish(layer, layer.name);
    } else if (kind == "GlobalAveragePooling2D") {
      add_global_average(layer);
    } else if (kind == "Flatten") {
      expect_channels_last(layer);
      add(std::make_unique<Flatten>(layer.name), {single_input(layer)});
      finish(layer, layer.name);
    } else if (kind == "Reshape") {
      const json& target = jf::require(*layer.config, "target_shape", layer.where());
      add(std::make_unique<Reshape>(layer.name, jf::as_int_list(target, layer.where() + ".target_shape")),
          {single_input(layer)});
      finish(layer, layer.name);
    } else if (kind == "Activation") {
      add_activation(layer);
    } else if (kind == "BatchNormalization") {
      add_batch_norm(layer);
    } else if (kind == "Add" || kind == "Concatenate") {
      add_merge(layer);
    } else if (kind == "Dropout") {
      const double rate = jf::as_number(jf::require(*layer.config, "rate", layer.where()), layer.where() + ".rate");
      add(std::make_unique<Dropout>(layer.name, static_cast<float>(rate)), {single_input(layer)});
      finish(layer, layer.name);
    } else if (kind == "ZeroPadding2D") {
      add_zero_padding(layer);
    } else if (kind == "Rescaling") {
      add_rescaling(layer);
    } else {
      fail("layers model: layer class '", kind, "' (layer '", layer.name, "') is not supported; supported: ", kSupportedLayers);
    }
  }

  void add_input(const KerasLayer& layer) {
    const std::string dtype = jf::string_or(*layer.config, "dtype", layer.where(), "float32");
    if (dtype != "float32") fail("layers model: ", layer.who(), " has dtype ", dtype, "; only float32 is supported");
    const std::vector<int> dims = batch_input_shape(layer);
    switch (dims.size()) {
      case 1: graph_.add_input(layer.name, Shape{dims[0]}); break;
      case 2: graph_.add_input(layer.name, Shape{dims[0], dims[1]}); break;
      default: graph_.add_input(layer.name, Shape{dims[0], dims[1], dims[2]}); break;
    }
    shapes_[layer.name] = graph_.nodes().front().item_shape;
    finish(layer, layer.name);
  }

  void add_convolution(const KerasLayer& layer) {
    const bool depthwise = layer.class_name == "DepthwiseConv2D";
    if (!depthwise && jf::number_or(*layer.config, "groups", layer.where(), 1) != 1) {
      fail("layers model: ", layer.who(), " is a grouped convolution; supported: groups = 1");
    }
    ConvParams params;
    params.window = window_of(layer, "kernel_size", false);
    Tensor kernel = weight(layer, depthwise ? "depthwise_kernel" : "kernel");
    Tensor bias = use_bias(layer) ? weight(layer, "bias") : Tensor();
    add_with_activation(layer, {single_input(layer)}, [&](const std::string& node, Activation activation) -> std::unique_ptr<Layer> {
      params.activation = activation;
      if (depthwise) return std::make_unique<DepthwiseConv2D>(node, std::move(kernel), std::move(bias), params);
      return std::make_unique<Conv2D>(node, std::move(kernel), std::move(bias), params);
    });
  }

  // SeparableConv2D = a depthwise convolution (its window) then a 1x1 convolution (bias, activation).
  void add_separable(const KerasLayer& layer) {
    ConvParams depthwise_params;
    depthwise_params.window = window_of(layer, "kernel_size", false);
    const std::string depthwise_node = layer.name + "/depthwise";
    add(std::make_unique<DepthwiseConv2D>(depthwise_node, weight(layer, "depthwise_kernel"), Tensor(), depthwise_params),
        {single_input(layer)});
    Tensor kernel = weight(layer, "pointwise_kernel");
    Tensor bias = use_bias(layer) ? weight(layer, "bias") : Tensor();
    add_with_activation(layer, {depthwise_node}, [&](const std::string& node, Activation activation) {
      ConvParams pointwise;
      pointwise.activation = activation;
      return std::make_unique<Conv2D>(node, std::move(kernel), std::move(bias), pointwise);
    });
  }

  void add_dense(const KerasLayer& layer) {
    Tensor kernel = weight(layer, "kernel");
    Tensor bias = use_bias(layer) ? weight(layer, "bias") : Tensor();
    add_with_activation(layer, {single_input(layer)}, [&](const std::string& node, Activation activation) {
      return std::make_unique<Dense>(node, std::move(kernel), std::move(bias), activation);
    });
  }

  void add_global_average(const KerasLayer& layer) {
    expect_channels_last(layer);
    const std::string input = single_input(layer);
    if (!jf::bool_or(*layer.config, "keepdims", layer.where(), false)) {
      add(std::make_unique<GlobalAveragePool>(layer.name), {input});
      finish(layer, layer.name);
      return;
    }
    const std::string pooled = layer.name + "/global_average";
    add(std::make_unique<GlobalAveragePool>(pooled), {input});
    add(std::make_unique<Reshape>(layer.name, std::vector<int>{1, 1, shape_of(input).c()}), {pooled});
    finish(layer, layer.name);
  }

  void add_activation(const KerasLayer& layer) {
    const std::string input = single_input(layer);
    const std::string name = jf::as_string(jf::require(*layer.config, "activation", layer.where()), layer.where() + ".activation");
    if (name == "linear") {
      finish(layer, input);  // the identity: an alias of its input
    } else if (name == "relu" || name == "relu6") {
      add(std::make_unique<Relu>(layer.name, name == "relu" ? Relu::kNoCap : 6.0f), {input});
      finish(layer, layer.name);
    } else if (name == "softmax") {
      add(std::make_unique<Softmax>(layer.name), {input});
      finish(layer, layer.name);
    } else if (const std::optional<PointwiseParams> pointwise = keras_pointwise(name)) {
      add(std::make_unique<Pointwise>(layer.name, *pointwise), {input});
      finish(layer, layer.name);
    } else {
      fail("layers model: ", layer.who(), " uses activation ", jf::excerpt(json(name)), "; supported: ", kSupportedActivations);
    }
  }

  // The axis a BatchNormalization or Concatenate works on must be the last one.
  void expect_last_axis(const KerasLayer& layer, const std::string& input, int fallback) const {
    const json* value = jf::find(*layer.config, "axis");
    int axis = fallback;
    if (value != nullptr && !value->is_null()) {
      const std::vector<int> axes = value->is_array() ? jf::as_int_list(*value, layer.where() + ".axis")
                                                      : std::vector<int>{jf::as_int(*value, layer.where() + ".axis")};
      if (axes.size() != 1) fail("layers model: ", layer.who(), " works on axes ", jf::excerpt(*value), "; supported: the last axis only");
      axis = axes[0];
    }
    const int rank = shape_of(input).rank() + 1;  // with the batch axis
    if (axis != -1 && axis != rank - 1) {
      fail("layers model: ", layer.who(), " works on axis ", axis, " of a rank-", rank, " input; supported: the last axis (channels)");
    }
  }

  void add_batch_norm(const KerasLayer& layer) {
    const std::string input = single_input(layer);
    expect_last_axis(layer, input, -1);
    const int channels = shape_of(input).c();
    const double epsilon = jf::number_or(*layer.config, "epsilon", layer.where(), 1e-3);
    const double momentum = jf::number_or(*layer.config, "momentum", layer.where(), 0.99);
    auto bn = std::make_unique<BatchNorm>(layer.name, channels, static_cast<float>(epsilon), static_cast<float>(momentum));
    auto load = [&](Tensor& target, const std::string& weight_name) {
      Tensor value = weight(layer, weight_name);
      expect_shape(value.shape(), target.shape(), layer.who() + " weight '" + weight_name + "'");
      target = std::move(value);
    };
    if (jf::bool_or(*layer.config, "scale", layer.where(), true)) load(bn->gamma(), "gamma");
    if (jf::bool_or(*layer.config, "center", layer.where(), true)) load(bn->beta(), "beta");
    load(bn->moving_mean(), "moving_mean");
    load(bn->moving_variance(), "moving_variance");
    const Tensor& variance = bn->moving_variance();
    for (size_t c = 0; c < variance.size(); ++c) {
      // A negative variance puts a negative number (or NaN) under the normalisation's square root.
      if (variance[c] < 0.0f) {
        fail("layers model: ", layer.who(), " has moving_variance ", variance[c], " for channel ", c,
             "; a variance cannot be negative, so the weights file is corrupt");
      }
    }
    add(std::move(bn), {input});
    finish(layer, layer.name);
  }

  void add_merge(const KerasLayer& layer) {
    const std::vector<std::string> inputs = all_inputs(layer);
    if (layer.class_name == "Add") {
      add(std::make_unique<Add>(layer.name), inputs);
    } else {
      if (!inputs.empty()) expect_last_axis(layer, inputs[0], -1);
      add(std::make_unique<Concatenate>(layer.name), inputs);
    }
    finish(layer, layer.name);
  }

  void add_zero_padding(const KerasLayer& layer) {
    expect_channels_last(layer);
    const json* value = jf::find(*layer.config, "padding");
    const std::string where = layer.where() + ".padding";
    Padding pad{1, 1, 1, 1};  // Keras' default
    if (value != nullptr && !value->is_null()) {
      if (!value->is_array()) {
        const int p = jf::as_int(*value, where);
        pad = {p, p, p, p};
      } else if (value->size() == 2 && !(*value)[0].is_array()) {
        const std::vector<int> hw = jf::as_int_list(*value, where);  // symmetric: [height, width]
        pad = {hw[0], hw[0], hw[1], hw[1]};
      } else if (value->size() == 2) {
        const std::vector<int> tb = jf::as_int_list((*value)[0], where + "[0]");
        const std::vector<int> lr = jf::as_int_list((*value)[1], where + "[1]");
        if (tb.size() != 2 || lr.size() != 2) fail("layers model: ", layer.who(), " has padding ", jf::excerpt(*value));
        pad = {tb[0], tb[1], lr[0], lr[1]};
      } else {
        fail("layers model: ", layer.who(), " has padding ", jf::excerpt(*value),
             "; supported: p, [h, w] or [[top, bottom], [left, right]]");
      }
    }
    add(std::make_unique<ZeroPad2D>(layer.name, pad), {single_input(layer)});
    finish(layer, layer.name);
  }

  void add_rescaling(const KerasLayer& layer) {
    auto values = [&](const std::string& key, float fallback) {
      const json* value = jf::find(*layer.config, key);
      if (value == nullptr || value->is_null()) return std::vector<float>{fallback};
      const std::string where = layer.where() + "." + key;
      if (!value->is_array()) return std::vector<float>{static_cast<float>(jf::as_number(*value, where))};
      std::vector<float> list;
      for (const json& v : *value) list.push_back(static_cast<float>(jf::as_number(v, where)));
      return list;
    };
    add(std::make_unique<Affine>(layer.name, values("scale", 1.0f), values("offset", 0.0f)), {single_input(layer)});
    finish(layer, layer.name);
  }

  const Weights& weights_;
  std::unordered_map<std::string, const Weight*> by_name_;
  std::vector<KerasLayer> layers_;
  std::string input_, output_;
  std::unordered_map<std::string, std::string> outputs_;  // Keras layer -> graph node with its output
  std::unordered_map<std::string, Shape> shapes_;         // graph node -> per-item shape
  Graph graph_;
};

}  // namespace

Graph import_layers_model(const json& model, const Weights& weights) {
  return LayersImporter(model, weights).build();
}

}  // namespace camlens
