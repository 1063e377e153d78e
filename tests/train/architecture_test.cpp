#include "train/architecture.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "layers/batch_norm.h"
#include "support/gradcheck.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/random.h"

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

std::vector<std::string> node_names(const Graph& graph) {
  std::vector<std::string> names;
  for (const NodeInfo& node : graph.nodes()) names.push_back(node.name);
  return names;
}

// `count` images of `side` x `side` x 1 in 4 classes: a bright square in the class's quadrant, on noise.
struct Batch {
  Tensor images;
  std::vector<int> labels;
};
Batch quadrant_images(int count, int side, uint64_t seed) {
  SeededRandom random(seed);
  Batch batch{Tensor(Shape::nhwc(count, side, side, 1)), {}};
  const int half = side / 2;
  for (int n = 0; n < count; ++n) {
    const int label = n % 4;
    batch.labels.push_back(label);
    float* image = batch.images.data() + static_cast<size_t>(n) * side * side;
    for (int i = 0; i < side * side; ++i) image[i] = random.uniform(0.0f, 0.3f);
    const int top = half * (label / 2), left = half * (label % 2);
    for (int y = top; y < top + half; ++y)
      for (int x = left; x < left + half; ++x) image[y * side + x] = 1.0f;
  }
  return batch;
}

// One training step (forward with batch statistics, which moves the moving statistics, backward,
// Adam); returns the loss before the step.
float train_step(Graph& graph, Optimizer& optimizer, const Batch& batch) {
  optimizer.zero_grads();
  Tensor probabilities;
  const Tensor& logits = graph.forward(batch.images, ForwardOptions{Phase::training, std::nullopt});
  const float loss = softmax_cross_entropy_forward(probabilities, logits, batch.labels);
  Tensor d_logits(logits.shape());
  softmax_cross_entropy_backward(d_logits, probabilities, batch.labels);
  BackwardOptions backward;
  backward.request.weight_grads = true;
  graph.backward(d_logits, backward);
  optimizer.step(0.01f);
  return loss;
}

float training_mode_loss(Graph& graph, const Tensor& images, const std::vector<int>& labels) {
  Tensor probabilities;
  return softmax_cross_entropy_forward(probabilities, graph.forward(images, ForwardOptions{Phase::training, std::nullopt}),
                                       labels);
}

// A tiny mini-Xception: every kind of node the xception presets use, cheap enough for finite differences.
Architecture tiny_xception() { return Architecture{"tiny-xception", Shape{16, 16, 1}, 3, {{3, false}}, {4, 5}, 4}; }

}  // namespace

TEST_CASE("architecture: vgg at 28x28x1 is the shipped Fashion-MNIST CNN, weights drawn as before") {
  const Architecture vgg = make_architecture("vgg", Shape{28, 28, 1}, 10);
  Graph graph = build_training_graph(vgg, 1);
  CHECK(node_names(graph) == std::vector<std::string>{"input", "conv1", "bn1", "pool1", "conv2", "bn2", "conv3", "bn3",
                                                      "pool2", "conv4", "bn4", "gap", "logits"});
  for (const char* bn : {"bn1", "bn2", "bn3", "bn4"}) {
    CHECK(dynamic_cast<const BatchNorm&>(graph.layer(bn)).activation() == Activation::relu);
  }
  CHECK(vgg.explain_layer() == "conv4");
  CHECK(graph.nodes()[9].item_shape == Shape{7, 7, 128});
  // Seed 1's initial weights as the code that trained models/fashion-mnist drew them: a change
  // here means a re-run no longer reproduces the shipped model.
  CHECK(parameter_fingerprint(graph) == 6716679917816752525ull);
  // He-uniform for conv1: fan_in 9, limit sqrt(6 / 9).
  for (float w : graph.parameters()[0].value->values()) CHECK(std::fabs(w) <= std::sqrt(6.0f / 9.0f));
}

TEST_CASE("architecture: xception is entry conv, residual separable blocks, separable head, GAP, dense") {
  const Architecture xception = make_architecture("xception", Shape{28, 28, 1}, 10);
  Graph graph = build_training_graph(xception, 1);
  const std::vector<std::string> block1{"block1_depthwise1", "block1_pointwise1", "block1_bn1", "block1_depthwise2",
                                        "block1_pointwise2", "block1_bn2", "block1_pool", "block1_shortcut",
                                        "block1_shortcut_bn", "block1_add"};
  const std::vector<std::string> names = node_names(graph);
  REQUIRE(names.size() > 4 + block1.size());
  CHECK(std::vector<std::string>(names.begin() + 3, names.begin() + 3 + static_cast<long>(block1.size())) == block1);
  CHECK(graph.layer("block1_add").kind() == std::string("Add"));
  CHECK(graph.layer("block1_depthwise1").kind() == std::string("DepthwiseConv2D"));
  CHECK(xception.explain_layer() == "head_pointwise");
  Graph inference = build_inference_graph(xception, graph);
  std::vector<NodeInfo> nodes = inference.nodes();
  const auto head = std::find_if(nodes.begin(), nodes.end(), [](const NodeInfo& n) { return n.name == "head_pointwise"; });
  REQUIRE(head != nodes.end());
  CHECK(head->item_shape == Shape{7, 7, 128});
  CHECK((head + 1)->name == "gap");
}

TEST_CASE("architecture: multiply-adds per 28x28x1 image; xception costs no more than vgg, the quick ones ~2 M") {
  auto cost = [](const std::string& name) {
    Graph graph = build_training_graph(make_architecture(name, Shape{28, 28, 1}, 10), 1);
    size_t weights = 0;
    for (const Parameter& p : graph.parameters()) weights += p.value->size();
    MESSAGE(name, ": ", multiply_adds_per_image(graph), " multiply-adds, ", weights, " weights");
    return multiply_adds_per_image(graph);
  };
  // conv1 28*28*9*32, conv2 14*14*9*32*64, conv3 14*14*9*64*64, conv4 7*7*9*64*128, dense 128*10.
  const uint64_t vgg = cost("vgg");
  CHECK(vgg == 225792u + 3612672u + 7225344u + 3612672u + 1280u);
  CHECK(cost("xception") <= vgg);
  CHECK(cost("vgg-quick") <= 2'200'000u);
  CHECK(cost("xception-quick") <= 2'200'000u);
  CHECK(describe_architectures().find("xception-quick") != std::string::npos);
}

TEST_CASE("architecture: same seed, same initial weights; another seed, others") {
  for (const std::string& name : architecture_names()) {
    CAPTURE(name);
    const Architecture architecture = make_architecture(name, Shape{16, 16, 1}, 4);
    Graph a = build_training_graph(architecture, 7), b = build_training_graph(architecture, 7);
    Graph other = build_training_graph(architecture, 8);
    CHECK(parameter_fingerprint(a) == parameter_fingerprint(b));
    CHECK(parameter_fingerprint(a) != parameter_fingerprint(other));
  }
}

TEST_CASE("architecture: unknown names, too-small inputs and fewer than 2 classes are clear errors") {
  CHECK_THROWS_WITH_AS(make_architecture("resnet", Shape{28, 28, 1}, 10),
                       doctest::Contains("unknown architecture 'resnet'; choose one of vgg, vgg-quick, xception, "
                                         "xception-quick"),
                       Error);
  CHECK_THROWS_WITH_AS(make_architecture("vgg", Shape{3, 28, 1}, 10),
                       doctest::Contains("needs images of at least 4x4 pixels; got 28x3"), Error);
  CHECK_THROWS_WITH_AS(make_architecture("xception", Shape{3, 3, 1}, 10),
                       doctest::Contains("needs images of at least 4x4 pixels"), Error);
  CHECK_THROWS_WITH_AS(make_architecture("xception-quick", Shape{7, 7, 1}, 10),
                       doctest::Contains("halves its input 3 times, so it needs images of at least 8x8 pixels"), Error);
  CHECK_NOTHROW(make_architecture("xception-quick", Shape{8, 8, 3}, 2));
  CHECK_THROWS_WITH_AS(make_architecture("vgg", Shape{28, 28, 1}, 1), doctest::Contains("at least 2 classes, got 1"),
                       Error);
  CHECK_THROWS_WITH_AS(make_architecture("vgg", Shape{28, 28}, 10), doctest::Contains("input must be [H, W, C]"),
                       Error);
  Graph other;
  other.add_input("input", Shape{8, 8, 1});
  CHECK_THROWS_WITH_AS(build_inference_graph(tiny_xception(), other), doctest::Contains("no node named 'conv1'"), Error);
}

TEST_CASE("architecture: every preset's folded inference graph gives the trained graph's inference logits") {
  const Batch batch = quadrant_images(8, 16, 3);
  for (const std::string& name : architecture_names()) {
    CAPTURE(name);
    const Architecture architecture = make_architecture(name, Shape{16, 16, 1}, 4);
    Graph trained = build_training_graph(architecture, 5);
    Optimizer optimizer(trained, OptimizerOptions{});
    // A few steps move the weights, BatchNorms' gammas and betas and their moving statistics.
    for (int step = 0; step < 3; ++step) train_step(trained, optimizer, batch);
    Graph inference = build_inference_graph(architecture, trained);
    CHECK(inference.output_name() == "probabilities");
    for (const NodeInfo& node : inference.nodes()) CHECK(node.kind != "BatchNorm");

    const Tensor expected = trained.forward(batch.images).clone();
    inference.forward(batch.images);
    // Folding reorders float rounding only.
    CHECK(max_abs_diff(inference.activation("logits"), expected) < 1e-5f);
  }
}

TEST_CASE("architecture: a few training steps lower the loss on a small synthetic set") {
  const Batch batch = quadrant_images(16, 16, 4);
  for (const std::string& name : architecture_names()) {
    CAPTURE(name);
    Graph graph = build_training_graph(make_architecture(name, Shape{16, 16, 1}, 4), 2);
    Optimizer optimizer(graph, OptimizerOptions{});
    const float before = training_mode_loss(graph, batch.images, batch.labels);
    for (int step = 0; step < 12; ++step) train_step(graph, optimizer, batch);
    const float after = training_mode_loss(graph, batch.images, batch.labels);
    CHECK(after < 0.8f * before);
  }
}

TEST_CASE("architecture: a tiny xception's parameter and input gradients match central differences") {
  // Training mode end to end: BatchNorm through its batch statistics, separable convolutions,
  // max-pools, the Add, and the block inputs whose gradients sum over both branches.
  Graph graph = build_training_graph(tiny_xception(), 9);
  SeededRandom random(22);
  Tensor images(Shape::nhwc(4, 16, 16, 1));
  for (float& v : images.values()) v = random.uniform(0.0f, 1.0f);
  const std::vector<int> labels{0, 2, 1, 2};

  Optimizer optimizer(graph, OptimizerOptions{});
  optimizer.zero_grads();
  Tensor probabilities;
  const Tensor& logits = graph.forward(images, ForwardOptions{Phase::training, std::nullopt});
  softmax_cross_entropy_forward(probabilities, logits, labels);
  Tensor d_logits(logits.shape());
  softmax_cross_entropy_backward(d_logits, probabilities, labels);
  BackwardOptions backward;
  backward.request.weight_grads = true;
  backward.wanted = {"input"};
  const Tensor d_input = graph.backward(d_logits, backward).at("input").clone();

  // With 2x2 maps and 16 values per BatchNorm channel in the last block, a ReLU or max-pool kink
  // often lies within +-eps of a value: there the two one-sided slopes disagree and the central
  // difference averages them, so such elements are skipped (PyTorch's double-precision autograd
  // agrees with these gradients to 1e-6 there). Elsewhere, as in the training test: eps 1e-3 on a
  // float loss of size ~1 gives ~1e-4 of rounding noise, and abs 1e-3 + 5% relative separates a
  // right gradient from a wrong one (a missing term is O(1)).
  const float eps = 1e-3f;
  const double at_rest = training_mode_loss(graph, images, labels);
  int checked = 0, skipped = 0;
  auto check_derivative = [&](float& value, Layer* layer, float analytic, const std::string& what) {
    const float saved = value;
    auto loss_at = [&](float v) {
      value = v;
      if (layer != nullptr) layer->parameters_changed();
      return static_cast<double>(training_mode_loss(graph, images, labels));
    };
    const double plus = loss_at(saved + eps), minus = loss_at(saved - eps);
    loss_at(saved);
    const double right = (plus - at_rest) / eps, left = (at_rest - minus) / eps, numeric = (plus - minus) / (2.0 * eps);
    if (std::fabs(right - left) > 2e-3 + 0.1 * std::fabs(numeric)) {
      ++skipped;
      return;
    }
    CHECK_MESSAGE(std::fabs(analytic - numeric) <= 1e-3 + 5e-2 * std::fabs(numeric),
                  what << ": analytic " << analytic << " vs numeric " << numeric);
    ++checked;
  };
  for (const Parameter& p : graph.parameters()) {
    Layer& layer = graph.layer(p.name.substr(0, p.name.find('/')));
    for (size_t i = 0; i < p.value->size(); i += 1 + p.value->size() / 8) {
      check_derivative((*p.value)[i], &layer, (*p.grad)[i], p.name + "[" + std::to_string(i) + "]");
    }
  }
  for (size_t i = 0; i < images.size(); i += 17) {
    check_derivative(images[i], nullptr, d_input[i], "input[" + std::to_string(i) + "]");
  }
  MESSAGE(checked, " derivatives checked, ", skipped, " skipped at kinks");
  CHECK(checked >= 150);
  CHECK(skipped * 4 <= checked);
}

TEST_CASE("architecture: every preset's inference graph saves as a layers model and loads back with equal logits") {
  // A fresh folder: the native and WebAssembly suites may run at once.
  std::random_device random;
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("camlens_architecture_test_" + std::to_string(random()));
  const Batch batch = quadrant_images(4, 16, 6);
  for (const std::string& name : architecture_names()) {
    CAPTURE(name);
    const Architecture architecture = make_architecture(name, Shape{16, 16, 1}, 4);
    Graph trained = build_training_graph(architecture, 4);
    Optimizer optimizer(trained, OptimizerOptions{});
    train_step(trained, optimizer, batch);
    Graph inference = build_inference_graph(architecture, trained);
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    save_layers_model_files(inference, nullptr, folder);
    Model reloaded = load_model_file(folder / "model.json");
    CHECK(reloaded.logits == "logits");
    CHECK(reloaded.probabilities == "probabilities");
    CHECK(reloaded.metadata.explain_layer == architecture.explain_layer());

    const Tensor expected = inference.forward(batch.images).clone();
    const Tensor& actual = reloaded.graph.forward(batch.images);
    REQUIRE(actual.shape() == expected.shape());
    CHECK(max_abs_diff(actual, expected) == 0.0f);  // same weights, same kernels
  }
  std::filesystem::remove_all(folder);
}

TEST_CASE("architecture: the training graph (activations fused into its BatchNorms) refuses to save as a layers model") {
  Graph trained = build_training_graph(tiny_xception(), 1);
  CHECK_THROWS_WITH_AS(save_layers_model(trained), doctest::Contains("BatchNorm 'bn1' has a fused activation"), Error);
}
