// camlens_graph_runner SPEC.json RESULT.json
// Builds the small graph SPEC describes, runs forward and one backward pass through the engine,
// and writes the requested activations and gradients. tests/node/oracle.test.mjs builds the same
// graph in TensorFlow.js and compares. A test tool only: the real model importers live elsewhere.
//
// SPEC:
//   "input":   {"name": "input", "shape": [N, H, W, C] or [N, C], "values": [...]}
//   "nodes":   [{"name": "...", "kind": "...", "inputs": ["..."], ...fields of the kind}, ...]
//   "outputs": ["node", ...]                      activations to report
//   "backward": {"from": "node", "grad": [...],   gradient at `from` (its activation's shape);
//                                                 plain ReLU backward, no weight gradients
//                "to": "node",                    stop node (optional: the graph input)
//                "wanted": ["node", ...]}         gradients to report
// Fields per kind (tensors are {"shape": [...], "values": [...]}):
//   Conv2D, DepthwiseConv2D: "kernel" (HWIO / [h, w, in_c, multiplier]), "bias" (optional),
//     "strides" [h, w], "dilations" [h, w], "padding" "same" | "valid" | [top, bottom, left, right],
//     "activation" "none" | "relu" | "relu6"
//   MaxPool, AvgPool: "pool" [h, w], "strides", "padding"
//   Dense: "kernel" [in_c, out_c], "bias" (optional), "activation"
//   ReLU, Add, GlobalAveragePool, Softmax: no fields
// RESULT: {"outputs": {"node": {"shape": [...], "values": [...]}}, "gradients": {...same}}
#include <nlohmann/json.hpp>

#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"
#include "layers/add.h"
#include "layers/avg_pool.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/relu.h"
#include "layers/softmax.h"

using nlohmann::json;

namespace camlens {
namespace {

Shape shape_from(const json& dims) {
  std::vector<int> d = dims.get<std::vector<int>>();
  switch (d.size()) {
    case 1: return Shape{d[0]};
    case 2: return Shape{d[0], d[1]};
    case 3: return Shape{d[0], d[1], d[2]};
    case 4: return Shape{d[0], d[1], d[2], d[3]};
  }
  fail("graph runner: shapes have rank 1 to 4, got ", dims.dump());
}

Tensor tensor_from(const json& t) {
  return Tensor(shape_from(t.at("shape")), t.at("values").get<std::vector<float>>());
}

json tensor_to_json(const Tensor& t) {
  std::vector<int> dims;
  for (int i = 0; i < t.shape().rank(); ++i) dims.push_back(t.shape()[i]);
  return {{"shape", dims}, {"values", std::vector<float>(t.values().begin(), t.values().end())}};
}

Activation activation_from(const json& node) {
  std::string name = node.value("activation", "none");
  if (name == "none") return Activation::none;
  if (name == "relu") return Activation::relu;
  if (name == "relu6") return Activation::relu6;
  fail("graph runner: node '", node.at("name").get<std::string>(), "' has unknown activation '", name, "'");
}

// The window fields shared by convolutions and pools; kernel_h/kernel_w come from `size`.
Window2D window_from(const json& node, int kernel_h, int kernel_w) {
  Window2D w;
  w.kernel_h = kernel_h;
  w.kernel_w = kernel_w;
  std::vector<int> strides = node.value("strides", std::vector<int>{1, 1});
  std::vector<int> dilations = node.value("dilations", std::vector<int>{1, 1});
  w.stride_h = strides.at(0);
  w.stride_w = strides.at(1);
  w.dilation_h = dilations.at(0);
  w.dilation_w = dilations.at(1);
  const json& padding = node.at("padding");
  if (padding.is_array()) {
    std::vector<int> p = padding.get<std::vector<int>>();
    w.padding_mode = PaddingMode::explicit_pads;
    w.explicit_padding = Padding{p.at(0), p.at(1), p.at(2), p.at(3)};
  } else if (padding == "same") {
    w.padding_mode = PaddingMode::same;
  } else if (padding == "valid") {
    w.padding_mode = PaddingMode::valid;
  } else {
    fail("graph runner: node '", node.at("name").get<std::string>(), "' has unknown padding ", padding.dump());
  }
  return w;
}

std::unique_ptr<Layer> layer_from(const json& node) {
  std::string name = node.at("name").get<std::string>();
  std::string kind = node.at("kind").get<std::string>();
  if (kind == "Conv2D" || kind == "DepthwiseConv2D") {
    Tensor kernel = tensor_from(node.at("kernel"));
    Tensor bias = node.contains("bias") ? tensor_from(node.at("bias")) : Tensor();
    ConvParams params{window_from(node, kernel.shape()[0], kernel.shape()[1]), activation_from(node)};
    if (kind == "Conv2D") return std::make_unique<Conv2D>(name, std::move(kernel), std::move(bias), params);
    return std::make_unique<DepthwiseConv2D>(name, std::move(kernel), std::move(bias), params);
  }
  if (kind == "MaxPool" || kind == "AvgPool") {
    std::vector<int> pool = node.at("pool").get<std::vector<int>>();
    Window2D window = window_from(node, pool.at(0), pool.at(1));
    if (kind == "MaxPool") return std::make_unique<MaxPool>(name, window);
    return std::make_unique<AvgPool>(name, window);
  }
  if (kind == "Dense") {
    Tensor bias = node.contains("bias") ? tensor_from(node.at("bias")) : Tensor();
    return std::make_unique<Dense>(name, tensor_from(node.at("kernel")), std::move(bias), activation_from(node));
  }
  if (kind == "ReLU") return std::make_unique<Relu>(name);
  if (kind == "Add") return std::make_unique<Add>(name);
  if (kind == "GlobalAveragePool") return std::make_unique<GlobalAveragePool>(name);
  if (kind == "Softmax") return std::make_unique<Softmax>(name);
  fail("graph runner: node '", name, "' has unknown kind '", kind, "'");
}

json run(const json& spec) {
  Graph graph;
  const json& input_spec = spec.at("input");
  Tensor input = tensor_from(input_spec);
  std::string input_name = input_spec.value("name", "input");
  Shape input_shape = input.shape();
  switch (input_shape.rank()) {
    case 2: graph.add_input(input_name, Shape{input_shape[1]}); break;
    case 4: graph.add_input(input_name, Shape{input_shape[1], input_shape[2], input_shape[3]}); break;
    default: fail("graph runner: the input must be [N, C] or [N, H, W, C], got ", input_shape.str());
  }
  for (const json& node : spec.at("nodes")) {
    graph.add(layer_from(node), node.at("inputs").get<std::vector<std::string>>());
  }

  json result = {{"outputs", json::object()}, {"gradients", json::object()}};
  graph.forward(input);
  for (const std::string& name : spec.value("outputs", std::vector<std::string>{})) {
    result["outputs"][name] = tensor_to_json(graph.activation(name));
  }
  if (spec.contains("backward")) {
    const json& b = spec.at("backward");
    BackwardOptions options;
    options.from = b.at("from").get<std::string>();
    options.to = b.value("to", std::string());
    options.wanted = b.at("wanted").get<std::vector<std::string>>();
    const Tensor& from = graph.activation(options.from);
    Tensor grad(from.shape(), b.at("grad").get<std::vector<float>>());
    NamedTensors grads = graph.backward(grad, options);
    for (const auto& [name, tensor] : grads) result["gradients"][name] = tensor_to_json(*tensor);
  }
  return result;
}

}  // namespace
}  // namespace camlens

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: camlens_graph_runner SPEC.json RESULT.json\n";
    return 2;
  }
  try {
    std::ifstream spec_file(argv[1]);
    if (!spec_file) camlens::fail("graph runner: cannot read ", argv[1]);
    json result = camlens::run(json::parse(spec_file));
    std::ofstream result_file(argv[2]);
    result_file << result.dump();
    if (!result_file) camlens::fail("graph runner: cannot write ", argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "camlens_graph_runner: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
