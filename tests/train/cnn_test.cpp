#include "train/cnn.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "layers/batch_norm.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// FNV-1a over every parameter's name and the bits of its values, in the graph's order.
uint64_t parameter_fingerprint(Graph& graph) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&](const void* data, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) hash = (hash ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ull;
  };
  for (const Parameter& p : graph.parameters()) {
    mix(p.name.data(), p.name.size());
    mix(p.value->data(), p.value->size() * sizeof(float));
  }
  return hash;
}

}  // namespace

TEST_CASE("CNN: seed 1 draws the initial weights the shipped Fashion-MNIST model was trained from") {
  Graph graph = build_training_graph(fashion_mnist_architecture(), 1);
  CHECK(parameter_fingerprint(graph) == 6716679917816752525ull);
}

TEST_CASE("CNN: the Fashion-MNIST architecture ends at 7x7 convolutions, then GAP and 10 logits") {
  const CnnArchitecture architecture = fashion_mnist_architecture();
  Graph graph = build_training_graph(architecture, 1);
  std::vector<std::string> names;
  for (const NodeInfo& node : graph.nodes()) names.push_back(node.name);
  // Each BatchNorm carries its stage's ReLU fused.
  CHECK(names == std::vector<std::string>{"input", "conv1", "bn1", "pool1", "conv2", "bn2", "conv3", "bn3", "pool2",
                                          "conv4", "bn4", "gap", "logits"});
  for (const char* bn : {"bn1", "bn2", "bn3", "bn4"}) {
    CHECK(dynamic_cast<const BatchNorm&>(graph.layer(bn)).activation() == Activation::relu);
  }
  const std::vector<NodeInfo> nodes = graph.nodes();
  CHECK(nodes[9].item_shape == Shape{7, 7, 128});  // conv4: the maps CAM explains
  CHECK(architecture.last_conv() == "conv4");
  CHECK(nodes.back().item_shape == Shape{10});

  // Same seed, same weights; another seed, others.
  Graph same = build_training_graph(architecture, 1), other = build_training_graph(architecture, 2);
  const Tensor& kernel = *graph.parameters()[0].value;
  CHECK(max_abs_diff(kernel, *same.parameters()[0].value) == 0.0f);
  CHECK(max_abs_diff(kernel, *other.parameters()[0].value) > 0.0f);
  // He-uniform for conv1: fan_in 9, limit sqrt(6 / 9).
  for (float w : kernel.values()) CHECK(std::fabs(w) <= std::sqrt(6.0f / 9.0f));
}

TEST_CASE("CNN: the folded inference graph gives the training graph's inference logits") {
  // A small architecture with two stages keeps the test fast; the folding path is the same.
  const CnnArchitecture architecture{Shape{8, 8, 2}, {{4, true}, {6, false}}, 3};
  Graph trained = build_training_graph(architecture, 3);
  Rng rng(11);
  // Non-trivial BatchNorm state, as after training.
  for (const char* name : {"bn1", "bn2"}) {
    auto& bn = dynamic_cast<BatchNorm&>(trained.layer(name));
    for (float& v : bn.gamma().values()) v = rng.uniform(0.5f, 1.5f);
    for (float& v : bn.beta().values()) v = rng.uniform(-0.5f, 0.5f);
    for (float& v : bn.moving_mean().values()) v = rng.uniform(-0.3f, 0.3f);
    for (float& v : bn.moving_variance().values()) v = rng.uniform(0.5f, 2.0f);
  }
  Graph inference = build_inference_graph(architecture, trained);
  CHECK(inference.output_name() == "probabilities");
  CHECK(inference.layer("conv2").kind() == std::string("Conv2D"));
  CHECK_FALSE(inference.contains("bn1"));

  const Tensor input = rng.tensor(Shape::nhwc(2, 8, 8, 2));
  const Tensor expected = trained.forward(input).clone();
  inference.forward(input);
  // Folding reorders float rounding only: logits agree to ~1e-6 here; allow 1e-5.
  CHECK(max_abs_diff(inference.activation("logits"), expected) < 1e-5f);
  // Probabilities sum to 1 per image.
  const Tensor& probabilities = inference.activation("probabilities");
  CHECK(probabilities[0] + probabilities[1] + probabilities[2] == doctest::Approx(1.0f));
}

TEST_CASE("CNN: the inference graph saves as a TensorFlow.js layers model and loads back identical") {
  const CnnArchitecture architecture{Shape{8, 8, 1}, {{4, true}, {6, false}}, 3};
  Graph trained = build_training_graph(architecture, 4);
  Graph inference = build_inference_graph(architecture, trained);
  const SavedLayersModel saved = save_layers_model(inference);
  const ShardBytes shards[] = {{saved.weights_file, saved.weights}};
  Model reloaded = load_model(saved.model_json, shards);
  CHECK(reloaded.logits == "logits");
  CHECK(reloaded.probabilities == "probabilities");
  CHECK(reloaded.metadata.explain_layer == architecture.last_conv());  // the last spatial layer

  Rng rng(5);
  const Tensor input = rng.tensor(Shape::nhwc(2, 8, 8, 1), 0.0f, 1.0f);
  const Tensor expected = inference.forward(input).clone();
  const Tensor& actual = reloaded.graph.forward(input);
  REQUIRE(actual.shape() == expected.shape());
  for (size_t i = 0; i < expected.size(); ++i) CHECK(actual[i] == expected[i]);  // same weights, same kernels
}

TEST_CASE("CNN: the training graph (ReLUs fused into its BatchNorms) refuses to save as a layers model") {
  Graph trained = build_training_graph(CnnArchitecture{Shape{8, 8, 1}, {{4, false}}, 2}, 1);
  CHECK_THROWS_WITH_AS(save_layers_model(trained), doctest::Contains("BatchNorm 'bn1' has a fused activation"), Error);
}

TEST_CASE("CNN: a graph of another shape cannot be folded; bad architectures are errors") {
  const CnnArchitecture architecture{Shape{8, 8, 1}, {{4, false}}, 2};
  Graph graph;
  graph.add_input("input", Shape{8, 8, 1});
  CHECK_THROWS_AS(build_inference_graph(architecture, graph), Error);
  CHECK_THROWS_WITH_AS(build_training_graph(CnnArchitecture{Shape{8, 8, 1}, {}, 2}, 1),
                       doctest::Contains("at least one convolution stage"), Error);
  CHECK_THROWS_WITH_AS(build_training_graph(CnnArchitecture{Shape{8, 8}, {{4, false}}, 2}, 1),
                       doctest::Contains("input must be [H, W, C], got [8, 8]"), Error);
}
