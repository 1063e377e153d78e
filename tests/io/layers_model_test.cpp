#include "io/layers_model.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "layers/affine.h"
#include "layers/batch_norm.h"
#include "layers/dense.h"
#include "layers/conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;
using nlohmann::json;

namespace {

// A Keras model config assembled layer by layer, with its weights in one shard.
struct LayersModelBuilder {
  json layers = json::array();
  json manifest = json::array();
  std::vector<uint8_t> bytes;
  std::string output;

  void layer(const std::string& class_name, const std::string& name, json config, std::vector<std::string> inputs) {
    config["name"] = name;
    json inbound = json::array();
    for (const std::string& input : inputs) inbound.push_back({input, 0, 0, json::object()});
    layers.push_back({{"class_name", class_name},
                      {"name", name},
                      {"config", config},
                      {"inbound_nodes", inputs.empty() ? json::array() : json::array({inbound})}});
    output = name;
  }
  void weight(const std::string& name, std::vector<int> shape, const std::vector<float>& values) {
    manifest.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
    const size_t start = bytes.size();
    bytes.resize(start + values.size() * sizeof(float));
    std::memcpy(bytes.data() + start, values.data(), values.size() * sizeof(float));
  }
  void random_weight(Rng& rng, const std::string& name, std::vector<int> shape, float lo = -0.5f, float hi = 0.5f) {
    size_t count = 1;
    for (int d : shape) count *= static_cast<size_t>(d);
    std::vector<float> values(count);
    for (float& v : values) v = rng.uniform(lo, hi);
    weight(name, shape, values);
  }
  json model() const {
    const std::string input = layers[0]["name"];
    json config = {{"name", "test"},
                   {"layers", layers},
                   {"input_layers", {{input, 0, 0}}},
                   {"output_layers", {{output, 0, 0}}}};
    return {{"format", "layers-model"},
            {"modelTopology", {{"class_name", "Model"}, {"config", config}}},
            {"weightsManifest", json::array({{{"paths", {"weights.bin"}}, {"weights", manifest}}})}};
  }
  Graph graph() const {
    const ShardBytes shards[] = {{"weights.bin", bytes}};
    const json m = model();
    return import_layers_model(m, read_weights(m["weightsManifest"], shards));
  }
};

// Every supported layer class once, on a 6x6x3 input.
LayersModelBuilder every_layer_model() {
  Rng rng(5);
  LayersModelBuilder b;
  b.layer("InputLayer", "img", {{"batch_input_shape", {nullptr, 6, 6, 3}}, {"dtype", "float32"}}, {});
  b.layer("Rescaling", "rescale", {{"scale", 2.0}, {"offset", -1.0}}, {"img"});
  b.layer("ZeroPadding2D", "pad", {{"padding", {{1, 0}, {0, 1}}}}, {"rescale"});
  b.layer("Conv2D", "conv",
          {{"filters", 3}, {"kernel_size", {3, 3}}, {"strides", {1, 1}}, {"padding", "valid"}, {"activation", "relu"},
           {"use_bias", true}, {"data_format", "channels_last"}},
          {"pad"});
  b.random_weight(rng, "conv/kernel", {3, 3, 3, 3});
  b.random_weight(rng, "conv/bias", {3});
  b.layer("BatchNormalization", "bn", {{"axis", -1}, {"epsilon", 0.001}}, {"conv"});
  b.random_weight(rng, "bn/gamma", {3}, 0.5f, 1.5f);
  b.random_weight(rng, "bn/beta", {3});
  b.random_weight(rng, "bn/moving_mean", {3});
  b.random_weight(rng, "bn/moving_variance", {3}, 0.5f, 2.0f);
  b.layer("SeparableConv2D", "sep",
          {{"filters", 4}, {"kernel_size", 3}, {"padding", "same"}, {"depth_multiplier", 2}, {"activation", "relu6"}},
          {"bn"});
  b.random_weight(rng, "sep/depthwise_kernel", {3, 3, 3, 2});
  b.random_weight(rng, "sep/pointwise_kernel", {1, 1, 6, 4});
  b.random_weight(rng, "sep/bias", {4});
  b.layer("DepthwiseConv2D", "dw", {{"kernel_size", {3, 3}}, {"padding", "same"}, {"use_bias", false}}, {"bn"});
  b.random_weight(rng, "dw/depthwise_kernel", {3, 3, 3, 1});
  b.layer("Concatenate", "cat", {{"axis", -1}}, {"sep", "dw"});
  b.layer("MaxPooling2D", "pool", {{"pool_size", {2, 2}}, {"strides", {1, 1}}, {"padding", "valid"}}, {"cat"});
  b.layer("AveragePooling2D", "avg", {{"pool_size", 2}, {"padding", "same"}}, {"pool"});
  b.layer("Activation", "act", {{"activation", "relu"}}, {"avg"});
  b.layer("Activation", "same", {{"activation", "linear"}}, {"avg"});
  b.layer("Add", "add", json::object(), {"act", "same"});
  b.layer("GlobalAveragePooling2D", "gap", {{"keepdims", true}}, {"add"});
  b.layer("Flatten", "flat", json::object(), {"gap"});
  b.layer("Dropout", "drop", {{"rate", 0.25}}, {"flat"});
  b.layer("Dense", "fc", {{"units", 5}, {"activation", "softmax"}}, {"drop"});
  b.random_weight(rng, "fc/kernel", {7, 5}, -2.0f, 2.0f);
  b.random_weight(rng, "fc/bias", {5});
  return b;
}

std::vector<std::string> names_and_kinds(const Graph& graph) {
  std::vector<std::string> out;
  for (const NodeInfo& node : graph.nodes()) out.push_back(node.name + ":" + node.kind + node.item_shape.str());
  return out;
}

}  // namespace

TEST_CASE("layers model: every supported layer class imports to the expected nodes") {
  const Graph graph = every_layer_model().graph();
  CHECK(names_and_kinds(graph) == std::vector<std::string>{
                                      "img:Input[6, 6, 3]",
                                      "rescale:Affine[6, 6, 3]",
                                      "pad:ZeroPad2D[7, 7, 3]",
                                      "conv:Conv2D[5, 5, 3]",
                                      "bn:BatchNorm[5, 5, 3]",
                                      "sep/depthwise:DepthwiseConv2D[5, 5, 6]",
                                      "sep:Conv2D[5, 5, 4]",
                                      "dw:DepthwiseConv2D[5, 5, 3]",
                                      "cat:Concatenate[5, 5, 7]",
                                      "pool:MaxPool[4, 4, 7]",
                                      "avg:AvgPool[2, 2, 7]",
                                      "act:ReLU[2, 2, 7]",
                                      "add:Add[2, 2, 7]",  // the linear Activation is an alias of avg
                                      "gap/global_average:GlobalAveragePool[7]",
                                      "gap:Reshape[1, 1, 7]",
                                      "flat:Flatten[7]",
                                      "drop:Dropout[7]",
                                      "fc/logits:Dense[5]",
                                      "fc:Softmax[5]",
                                  });
  CHECK(graph.nodes()[12].inputs == std::vector<std::string>{"act", "avg"});
}

TEST_CASE("layers model: a saved graph loads back with the same nodes and bit-identical outputs") {
  Graph original = every_layer_model().graph();
  const SavedLayersModel saved = save_layers_model(original);
  CHECK(saved.weights_file == "weights.bin");
  const ShardBytes shards[] = {{saved.weights_file, saved.weights}};
  Model reloaded = load_model(saved.model_json, shards);
  CHECK(names_and_kinds(reloaded.graph) == names_and_kinds(original));
  CHECK(reloaded.logits == "fc/logits");
  CHECK(reloaded.probabilities == "fc");

  Rng rng(9);
  Tensor input = rng.tensor(Shape::nhwc(3, 6, 6, 3), 0.0f, 1.0f);
  const Tensor& expected = original.forward(input);
  const Tensor& actual = reloaded.graph.forward(input);
  REQUIRE(actual.shape() == Shape{3, 5});
  for (size_t i = 0; i < expected.size(); ++i) CHECK(actual[i] == expected[i]);
}

TEST_CASE("layers model: the saver writes explicit convolution padding as a ZeroPadding2D and metadata as userDefinedMetadata") {
  Graph graph;
  graph.add_input("x", Shape{5, 5, 1});
  ConvParams params;
  params.window.kernel_h = params.window.kernel_w = 2;
  params.window.padding_mode = PaddingMode::explicit_pads;
  params.window.explicit_padding = Padding{0, 1, 2, 0};
  graph.add(std::make_unique<Conv2D>("c", Tensor(Shape{2, 2, 1, 2}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}),
                                     Tensor(Shape{2}, std::vector<float>{0.5f, -0.5f}), params),
            {"x"});
  graph.add(std::make_unique<GlobalAveragePool>("g"), {"c"});
  ModelMetadata metadata;
  metadata.labels = {"yes", "no"};
  metadata.input_height = metadata.input_width = 5;
  metadata.color = InputColor::gray;
  metadata.explain_layer = "c";
  const SavedLayersModel saved = save_layers_model(graph, &metadata, "tiny.bin");
  const json model = json::parse(saved.model_json);
  CHECK(model["weightsManifest"][0]["paths"] == json::array({"tiny.bin"}));
  CHECK(model["modelTopology"]["config"]["layers"][1]["name"] == "c/pad");
  CHECK(model["modelTopology"]["config"]["layers"][1]["config"]["padding"] == json::parse("[[0, 1], [2, 0]]"));
  CHECK(model["userDefinedMetadata"]["labels"] == json::array({"yes", "no"}));

  const ShardBytes shards[] = {{"tiny.bin", saved.weights}};
  Model reloaded = load_model(saved.model_json, shards);
  CHECK(reloaded.metadata.labels == metadata.labels);
  CHECK(reloaded.metadata.explain_layer == "c");
  Rng rng(3);
  Tensor input = rng.tensor(Shape::nhwc(2, 5, 5, 1));
  const Tensor& expected = graph.forward(input);
  const Tensor& actual = reloaded.graph.forward(input);
  for (size_t i = 0; i < expected.size(); ++i) CHECK(actual[i] == expected[i]);
}

TEST_CASE("layers model: a Sequential model computes what its layers say (hand-worked)") {
  // Conv2D 1x1 (x * 2 + 1, ReLU) -> GlobalAveragePooling2D -> Dense 1 -> 2, weights named as TF 2.2+ does.
  LayersModelBuilder b;
  json sequential = json::array(
      {{{"class_name", "Conv2D"},
        {"config", {{"name", "c"}, {"filters", 1}, {"kernel_size", 1}, {"activation", "relu"}, {"batch_input_shape", {nullptr, 2, 2, 1}}}}},
       {{"class_name", "GlobalAveragePooling2D"}, {"config", {{"name", "g"}}}},
       {{"class_name", "Dense"}, {"config", {{"name", "d"}, {"units", 2}, {"use_bias", false}}}}});
  b.weight("c/kernel", {1, 1, 1, 1}, {2});
  b.weight("c/bias", {1}, {1});
  b.weight("d/cell/kernel", {1, 2}, {3, -1});
  json model = {{"format", "layers-model"},
                {"modelTopology", {{"model_config", {{"class_name", "Sequential"}, {"config", {{"layers", sequential}}}}}}},
                {"weightsManifest", json::array({{{"paths", {"w.bin"}}, {"weights", b.manifest}}})}};
  const ShardBytes shards[] = {{"w.bin", b.bytes}};
  Graph graph = import_layers_model(model, read_weights(model["weightsManifest"], shards));
  CHECK(graph.input_name() == "c_input");
  Tensor input(Shape::nhwc(1, 2, 2, 1), std::vector<float>{-3, 0, 1, 2});
  const Tensor& out = graph.forward(input);
  // relu(2x + 1) = 0, 1, 3, 5 -> mean 2.25 -> [6.75, -2.25].
  CHECK(out[0] == doctest::Approx(6.75));
  CHECK(out[1] == doctest::Approx(-2.25));
}

TEST_CASE("layers model: unsupported layers, layouts and missing weights are Errors naming the layer") {
  LayersModelBuilder lstm = every_layer_model();
  lstm.layer("LSTM", "memory", {{"units", 3}}, {"fc"});
  CHECK_THROWS_WITH_AS(lstm.graph(), doctest::Contains("layer class 'LSTM' (layer 'memory') is not supported; supported: InputLayer"),
                       Error);
  LayersModelBuilder nchw = every_layer_model();
  nchw.layers[3]["config"]["data_format"] = "channels_first";
  CHECK_THROWS_WITH_AS(nchw.graph(),
                       doctest::Contains("Conv2D 'conv' has data_format \"channels_first\"; only channels_last is supported"),
                       Error);
  LayersModelBuilder mish = every_layer_model();
  mish.layers[3]["config"]["activation"] = "mish";
  CHECK_THROWS_WITH_AS(mish.graph(),
                       doctest::Contains("Conv2D 'conv' uses activation \"mish\"; supported: relu, relu6, softmax, linear, sigmoid, tanh"),
                       Error);
  LayersModelBuilder missing = every_layer_model();
  missing.manifest[0]["name"] = "other/kernel";
  CHECK_THROWS_WITH_AS(missing.graph(),
                       doctest::Contains("Conv2D 'conv' needs the weight 'conv/kernel', which the weights manifest does not list"),
                       Error);
  LayersModelBuilder shared = every_layer_model();
  shared.layers[1]["inbound_nodes"][0][0][1] = 1;
  CHECK_THROWS_WITH_AS(shared.graph(), doctest::Contains("shared layers) are not supported"), Error);
}

TEST_CASE("layers model saver: nodes Keras cannot express are Errors naming them") {
  Graph per_channel;
  per_channel.add_input("x", Shape{2, 2, 3});
  per_channel.add(std::make_unique<Affine>("bias", std::vector<float>{1.0f}, std::vector<float>{1, 2, 3}), {"x"});
  CHECK_THROWS_WITH_AS(save_layers_model(per_channel),
                       doctest::Contains("Affine 'bias' has per-channel values; Keras layers cannot express it"), Error);
  Graph padded_pool;
  padded_pool.add_input("x", Shape{4, 4, 1});
  Window2D window = Window2D::square(2, 1, PaddingMode::explicit_pads);
  window.explicit_padding = Padding{1, 0, 1, 0};
  padded_pool.add(std::make_unique<MaxPool>("pool", window), {"x"});
  CHECK_THROWS_WITH_AS(save_layers_model(padded_pool),
                       doctest::Contains("MaxPool 'pool' pads explicitly; Keras layers cannot express it"), Error);
}

TEST_CASE("layers model: a negative BatchNormalization moving_variance is refused at load") {
  Graph graph;
  graph.add_input("image", Shape{2, 2, 3});
  auto bn = std::make_unique<BatchNorm>("bn", 3);
  bn->moving_variance()[1] = -4.0f;
  graph.add(std::move(bn), {"image"});
  graph.add(std::make_unique<GlobalAveragePool>("pool"), {"bn"});
  Tensor kernel(Shape{3, 2});
  graph.add(std::make_unique<Dense>("logits", std::move(kernel), Tensor()), {"pool"});
  const SavedLayersModel saved = save_layers_model(graph);
  const ShardBytes shards[] = {{saved.weights_file, saved.weights}};
  CHECK_THROWS_WITH_AS(load_model(saved.model_json, shards),
                       doctest::Contains("BatchNormalization 'bn' has moving_variance -4 for channel 1; a variance cannot be negative"),
                       Error);
}
