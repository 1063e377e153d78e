// A layer and the ReLU reading it run as one pass (Graph's fusion): the same values and gradients
// as running them apart, the layer's own output computed only when asked for, and no fusion where
// another node reads the layer or its output could not be computed later.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"
#include "layers/add.h"
#include "layers/conv2d.h"
#include "layers/depthwise_conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "layers/relu.h"
#include "support/gradcheck.h"
#include "support/layer_params.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// y = 2x, able to apply a ReLU in its own pass; counts how each pass was asked for.
class CountingDouble : public Layer {
 public:
  explicit CountingDouble(std::string name) : Layer(std::move(name)) {}
  const char* kind() const override { return "CountingDouble"; }
  Shape output_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(Tensor& out, Inputs in, Phase) override {
    ++plain_passes;
    for (size_t i = 0; i < out.size(); ++i) out[i] = 2.0f * (*in[0])[i];
  }
  bool fuses_relu(float) const override { return true; }
  void forward_relu(Tensor& out, Inputs in, Phase, float cap) override {
    ++fused_passes;
    for (size_t i = 0; i < out.size(); ++i) out[i] = std::min(std::max(2.0f * (*in[0])[i], 0.0f), cap);
  }
  void backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) override {
    if (d_in[0] == nullptr) return;
    for (size_t i = 0; i < d_out.size(); ++i) (*d_in[0])[i] += 2.0f * d_out[i];
  }
  int plain_passes = 0, fused_passes = 0;
};

// conv (no activation) -> ReLU6 -> depthwise -> ReLU -> conv2 -> ReLU, with conv2 also read by a
// shortcut Add (so conv2 and its ReLU cannot fuse), the Add -> ReLU6, then pool and a dense head.
// Same seed, same weights.
Graph mixed_graph(int seed) {
  Rng rng(seed);
  Graph g;
  g.add_input("input", Shape{8, 8, 3});
  g.add(std::make_unique<Conv2D>("conv", random_weights(rng, Shape{3, 3, 3, 6}, 27), rng.tensor(Shape{6}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(3, 2, PaddingMode::same)}),
        {"input"});
  g.add(std::make_unique<Relu>("conv_relu6", 6.0f), {"conv"});
  g.add(std::make_unique<DepthwiseConv2D>("dw", random_weights(rng, Shape{3, 3, 6, 1}, 9), rng.tensor(Shape{6}, -0.1f, 0.1f),
                                          ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"conv_relu6"});
  g.add(std::make_unique<Relu>("dw_relu"), {"dw"});
  g.add(std::make_unique<Conv2D>("conv2", random_weights(rng, Shape{1, 1, 6, 6}, 6), rng.tensor(Shape{6}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(1, 1, PaddingMode::same)}),
        {"dw_relu"});
  g.add(std::make_unique<Relu>("conv2_relu"), {"conv2"});
  g.add(std::make_unique<Add>("sum"), {"conv2_relu", "conv2", "dw_relu"});
  g.add(std::make_unique<Relu>("sum_relu6", 6.0f), {"sum"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"sum_relu6"});
  g.add(std::make_unique<Dense>("logits", random_weights(rng, Shape{6, 4}, 6), rng.tensor(Shape{4}, -0.1f, 0.1f)), {"gap"});
  return g;
}

const std::vector<std::string> kNodes = {"conv",       "conv_relu6", "dw",  "dw_relu",  "conv2",
                                         "conv2_relu", "sum",        "sum_relu6", "logits"};

void check_same(const Tensor& a, const Tensor& b, const std::string& what) {
  CAPTURE(what);
  REQUIRE(a.shape() == b.shape());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-6).scale(1.0));
}

}  // namespace

TEST_CASE("Graph fusion: a counting layer runs once with its ReLU, and alone only when its output is read") {
  Graph g;
  g.add_input("input", Shape{4});
  auto layer = std::make_unique<CountingDouble>("double");
  CountingDouble& counting = *layer;
  g.add(std::move(layer), {"input"});
  g.add(std::make_unique<Relu>("relu6", 6.0f), {"double"});
  const Tensor x(Shape{1, 4}, std::vector<float>{-1.0f, 0.5f, 2.0f, 4.0f});

  const Tensor& out = g.forward(x);
  CHECK(std::vector<float>(out.values().begin(), out.values().end()) == std::vector<float>{0.0f, 1.0f, 4.0f, 6.0f});
  CHECK(counting.fused_passes == 1);
  CHECK(counting.plain_passes == 0);
  const Tensor& own = g.activation("double");
  CHECK(std::vector<float>(own.values().begin(), own.values().end()) == std::vector<float>{-2.0f, 1.0f, 4.0f, 8.0f});
  g.activation("double");
  CHECK(counting.plain_passes == 1);  // computed on the first read only

  // A backward pass through both needs no second pass of the layer.
  Tensor grad(Shape{1, 4}, std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f});
  g.forward(x);
  const NamedTensors grads = g.backward(grad, {.wanted = {"input", "double"}});
  CHECK(counting.plain_passes == 1);
  const Tensor& d_input = grads.at("input");
  CHECK(std::vector<float>(d_input.values().begin(), d_input.values().end()) == std::vector<float>{0.0f, 2.0f, 2.0f, 0.0f});

  g.set_fusion(false);
  g.forward(x);
  CHECK(counting.fused_passes == 2);
  CHECK(counting.plain_passes == 2);
}

TEST_CASE("Graph fusion: the same activations and gradients as every node run apart (batch 2)") {
  Graph fused = mixed_graph(5), apart = mixed_graph(5);
  apart.set_fusion(false);
  Rng rng(6);
  const Tensor x = rng.tensor(Shape{2, 8, 8, 3}, -4.0f, 4.0f);
  check_same(fused.forward(x), apart.forward(x), "logits");
  for (const std::string& node : kNodes) check_same(fused.activation(node), apart.activation(node), node);

  // Gradients from one logit, at the input and at a fused layer's own output (Grad-CAM there).
  Tensor one_hot(Shape{2, 4});
  one_hot[1] = one_hot[4 + 3] = 1.0f;
  for (ReluBackward relu : {ReluBackward::normal, ReluBackward::guided}) {
    CAPTURE(static_cast<int>(relu));
    for (Graph* g : {&fused, &apart}) g->forward(x);
    const BackwardOptions options{.wanted = {"input", "conv", "dw_relu", "sum"}, .request = {.weight_grads = true, .relu = relu}};
    const NamedTensors a = fused.backward(one_hot, options);
    const NamedTensors b = apart.backward(one_hot, options);
    for (const std::string& node : options.wanted) check_same(a.at(node), b.at(node), "d " + node);
    for (size_t p = 0; p < fused.parameters().size(); ++p) {
      check_same(*fused.parameters()[p].grad, *apart.parameters()[p].grad, fused.parameters()[p].name);
    }
  }
}

TEST_CASE("Graph fusion: a layer read elsewhere, or kept without its inputs, runs apart") {
  Graph g = mixed_graph(7), apart = mixed_graph(7);
  apart.set_fusion(false);
  Rng rng(8);
  const Tensor x = rng.tensor(Shape{1, 8, 8, 3}, -4.0f, 4.0f);
  // conv2 feeds its ReLU and the sum: both need its own output, so it is computed in full.
  g.forward(x);
  apart.forward(x);
  check_same(g.activation("conv2"), apart.activation("conv2"), "conv2");
  // Keeping dw but not its input: dw's output could not be computed later, so dw runs on its own.
  const std::vector<std::string> keep = {"dw", "dw_relu"};
  check_same(g.forward(x, {.keep = keep}), apart.forward(x, {.keep = keep}), "logits");
  check_same(g.activation("dw"), apart.activation("dw"), "dw");
  // Keeping neither conv nor its input: conv runs inside its ReLU's pass, and is not readable.
  const std::vector<std::string> relu_only = {"conv_relu6"};
  check_same(g.forward(x, {.keep = relu_only}), apart.forward(x, {.keep = relu_only}), "logits");
  check_same(g.activation("conv_relu6"), apart.activation("conv_relu6"), "conv_relu6");
  CHECK_THROWS_WITH_AS(g.activation("conv"), doctest::Contains("activation of 'conv'"), Error);
}

TEST_CASE("Graph fusion: adding a reader of a fused layer undoes the pair") {
  Graph g = mixed_graph(9), apart = mixed_graph(9);
  apart.set_fusion(false);
  Rng rng(10);
  const Tensor x = rng.tensor(Shape{1, 8, 8, 3}, -4.0f, 4.0f);
  g.forward(x);
  // dw now has a second reader: the next forward computes it in full, so both read its own output.
  for (Graph* graph : {&g, &apart}) graph->add(std::make_unique<Relu>("dw_relu_again"), {"dw"});
  g.forward(x);
  apart.forward(x);
  check_same(g.activation("dw_relu_again"), apart.activation("dw_relu_again"), "dw_relu_again");
  check_same(g.activation("dw"), apart.activation("dw"), "dw");
}
