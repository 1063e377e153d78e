#include "io/layers_model_saver.h"

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "layers/affine.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/pointwise.h"
#include "layers/pool_window.h"
#include "layers/reshape.h"
#include "layers/zero_pad.h"

namespace camlens {

using nlohmann::json;

namespace {

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::none: return "linear";
    case Activation::relu: return "relu";
    case Activation::relu6: return "relu6";
  }
  return "linear";
}

std::vector<int> dims_of(const Shape& shape) {
  std::vector<int> dims;
  for (int i = 0; i < shape.rank(); ++i) dims.push_back(shape[i]);
  return dims;
}

class Saver {
 public:
  Saver(const Graph& graph, std::string weights_file) : graph_(graph), weights_file_(std::move(weights_file)) {}

  SavedLayersModel save(const ModelMetadata* metadata) {
    const std::vector<NodeInfo> nodes = graph_.nodes();
    for (const NodeInfo& node : nodes) add_node(node);
    json config = {{"name", "camlens"},
                   {"layers", layers_},
                   {"input_layers", json::array({json::array({nodes.front().name, 0, 0})})},
                   {"output_layers", json::array({json::array({nodes.back().name, 0, 0})})}};
    json model = {{"format", "layers-model"},
                  {"generatedBy", "camlens"},
                  {"convertedBy", nullptr},
                  {"modelTopology", {{"class_name", "Model"}, {"config", config}, {"backend", "tensor_flow.js"}}},
                  {"weightsManifest", json::array({{{"paths", {weights_file_}}, {"weights", manifest_}}})}};
    if (metadata != nullptr) model["userDefinedMetadata"] = metadata_to_json(*metadata);
    return {model.dump(1), weights_file_, std::move(bytes_)};
  }

 private:
  void add_layer(const std::string& class_name, const std::string& name, json config,
                 const std::vector<std::string>& inputs) {
    config["name"] = name;
    config["trainable"] = true;
    config["dtype"] = "float32";
    json inbound = json::array();
    for (const std::string& input : inputs) inbound.push_back(json::array({input, 0, 0, json::object()}));
    layers_.push_back({{"class_name", class_name},
                       {"name", name},
                       {"config", std::move(config)},
                       {"inbound_nodes", inputs.empty() ? json::array() : json::array({inbound})}});
  }

  void add_weight(const std::string& layer, const std::string& weight, const Tensor& value) {
    manifest_.push_back({{"name", layer + "/" + weight}, {"shape", dims_of(value.shape())}, {"dtype", "float32"}});
    const size_t start = bytes_.size();
    bytes_.resize(start + value.size() * sizeof(float));
    std::memcpy(bytes_.data() + start, value.data(), value.size() * sizeof(float));  // little-endian on every target
  }

  [[noreturn]] void cannot_save(const NodeInfo& node, const std::string& why) const {
    fail("layers model saver: ", node.kind, " '", node.name, "' ", why, "; Keras layers cannot express it");
  }

  // The Keras activation computing `p` exactly, as the importer reads it back.
  const char* keras_activation(const NodeInfo& node, const PointwiseParams& p) const {
    switch (p.function) {
      case PointwiseFunction::sigmoid: return "sigmoid";
      case PointwiseFunction::tanh: return "tanh";
      case PointwiseFunction::swish: return "swish";
      case PointwiseFunction::elu:
        if (p.alpha == 1.0f) return "elu";
        break;
      case PointwiseFunction::hard_sigmoid:
        if (p.alpha == 0.2f && p.beta == 0.5f) return "hard_sigmoid";
        break;
      default: break;
    }
    cannot_save(node, "has no Keras activation with its constants");
  }

  // Keras has valid/same padding only: explicit pads become a ZeroPadding2D in front.
  std::string window_config(const NodeInfo& node, const Window2D& window, json& config, bool pool) {
    std::string input = node.inputs.at(0);
    const Padding& pad = window.explicit_padding;
    if (window.padding_mode == PaddingMode::explicit_pads) {
      if (pool) cannot_save(node, "pads explicitly");
      const std::string pad_name = node.name + "/pad";
      add_layer("ZeroPadding2D", pad_name,
                {{"padding", {{pad.top, pad.bottom}, {pad.left, pad.right}}}, {"data_format", "channels_last"}}, {input});
      input = pad_name;
    }
    config[pool ? "pool_size" : "kernel_size"] = {window.kernel_h, window.kernel_w};
    config["strides"] = {window.stride_h, window.stride_w};
    config["padding"] = window.padding_mode == PaddingMode::same ? "same" : "valid";
    config["data_format"] = "channels_last";
    if (!pool) config["dilation_rate"] = {window.dilation_h, window.dilation_w};
    return input;
  }

  void add_node(const NodeInfo& node) {
    if (node.kind == "Input") {
      json shape = json::array({nullptr});
      for (int d : dims_of(node.item_shape)) shape.push_back(d);
      add_layer("InputLayer", node.name, {{"batch_input_shape", shape}, {"sparse", false}}, {});
      return;
    }
    const Layer& layer = graph_.layer(node.name);
    if (const auto* conv = dynamic_cast<const ConvolutionLayer*>(&layer)) {
      add_convolution(node, *conv);
    } else if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      add_layer("Dense", node.name,
                {{"units", dense->weights().shape()[1]},
                 {"activation", activation_name(dense->activation())},
                 {"use_bias", dense->has_bias()}},
                node.inputs);
      add_weight(node.name, "kernel", dense->weights());
      if (dense->has_bias()) add_weight(node.name, "bias", dense->bias());
    } else if (node.kind == "MaxPool" || node.kind == "AvgPool") {
      const Window2D& window = dynamic_cast<const WindowPoolLayer&>(layer).window();
      json config;
      const std::string input = window_config(node, window, config, true);
      add_layer(node.kind == "MaxPool" ? "MaxPooling2D" : "AveragePooling2D", node.name, config, {input});
    } else if (node.kind == "GlobalAveragePool") {
      add_layer("GlobalAveragePooling2D", node.name, {{"data_format", "channels_last"}}, node.inputs);
    } else if (node.kind == "Flatten") {
      add_layer("Flatten", node.name, {{"data_format", "channels_last"}}, node.inputs);
    } else if (node.kind == "Reshape") {
      add_layer("Reshape", node.name, {{"target_shape", dynamic_cast<const Reshape&>(layer).target()}}, node.inputs);
    } else if (node.kind == "ReLU" || node.kind == "ReLU6" || node.kind == "Softmax") {
      const char* activation = node.kind == "ReLU" ? "relu" : node.kind == "ReLU6" ? "relu6" : "softmax";
      add_layer("Activation", node.name, {{"activation", activation}}, node.inputs);
    } else if (const auto* pointwise = dynamic_cast<const Pointwise*>(&layer)) {
      add_layer("Activation", node.name, {{"activation", keras_activation(node, pointwise->params())}}, node.inputs);
    } else if (node.kind == "BatchNorm") {
      add_batch_norm(node, dynamic_cast<const BatchNorm&>(layer));
    } else if (node.kind == "Add") {
      add_layer("Add", node.name, json::object(), node.inputs);
    } else if (node.kind == "Concatenate") {
      add_layer("Concatenate", node.name, {{"axis", -1}}, node.inputs);
    } else if (node.kind == "Dropout") {
      add_layer("Dropout", node.name, {{"rate", dynamic_cast<const Dropout&>(layer).rate()}}, node.inputs);
    } else if (node.kind == "ZeroPad2D") {
      const auto& zero_pad = dynamic_cast<const ZeroPad2D&>(layer);
      if (zero_pad.channel_padding() != ChannelPadding{}) cannot_save(node, "pads channels, which ZeroPadding2D cannot");
      const Padding& pad = zero_pad.padding();
      add_layer("ZeroPadding2D", node.name,
                {{"padding", {{pad.top, pad.bottom}, {pad.left, pad.right}}}, {"data_format", "channels_last"}},
                node.inputs);
    } else if (node.kind == "Affine") {
      const auto& affine = dynamic_cast<const Affine&>(layer);
      if (affine.scale().size() != 1 || affine.offset().size() != 1) cannot_save(node, "has per-channel values");
      add_layer("Rescaling", node.name, {{"scale", affine.scale()[0]}, {"offset", affine.offset()[0]}}, node.inputs);
    } else {
      cannot_save(node, "is of a kind the saver does not know");
    }
  }

  void add_convolution(const NodeInfo& node, const ConvolutionLayer& conv) {
    const bool depthwise = node.kind == "DepthwiseConv2D";
    json config;
    const std::string input = window_config(node, conv.params().window, config, false);
    config["activation"] = activation_name(conv.params().activation);
    config["use_bias"] = conv.has_bias();
    if (depthwise) {
      config["depth_multiplier"] = conv.weights().shape()[3];
    } else {
      config["filters"] = conv.weights().shape()[3];
    }
    add_layer(depthwise ? "DepthwiseConv2D" : "Conv2D", node.name, config, {input});
    add_weight(node.name, depthwise ? "depthwise_kernel" : "kernel", conv.weights());
    if (conv.has_bias()) add_weight(node.name, "bias", conv.bias());
  }

  void add_batch_norm(const NodeInfo& node, const BatchNorm& bn) {
    if (bn.activation() != Activation::none) {
      fail("save_layers_model: BatchNorm '", node.name, "' has a fused activation, which a Keras ",
           "BatchNormalization layer cannot hold; save the folded inference graph (build_inference_graph) instead");
    }
    add_layer("BatchNormalization", node.name,
              {{"axis", -1}, {"epsilon", bn.epsilon()}, {"momentum", bn.momentum()}, {"center", true}, {"scale", true}},
              node.inputs);
    add_weight(node.name, "gamma", bn.gamma());
    add_weight(node.name, "beta", bn.beta());
    add_weight(node.name, "moving_mean", bn.moving_mean());
    add_weight(node.name, "moving_variance", bn.moving_variance());
  }

  const Graph& graph_;
  std::string weights_file_;
  json layers_ = json::array();
  json manifest_ = json::array();
  std::vector<uint8_t> bytes_;
};

void write_file(const std::filesystem::path& path, const void* data, size_t size) {
  std::ofstream file(path, std::ios::binary);
  file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!file) fail("layers model saver: cannot write '", path.string(), "'");
}

}  // namespace

SavedLayersModel save_layers_model(const Graph& graph, const ModelMetadata* metadata, const std::string& weights_file) {
  return Saver(graph, weights_file).save(metadata);
}

void save_layers_model_files(const Graph& graph, const ModelMetadata* metadata, const std::filesystem::path& directory) {
  const SavedLayersModel saved = save_layers_model(graph, metadata);
  write_file(directory / "model.json", saved.model_json.data(), saved.model_json.size());
  write_file(directory / saved.weights_file, saved.weights.data(), saved.weights.size());
}

}  // namespace camlens
