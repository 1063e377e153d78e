// RegionForward: inputs that differ from a base input inside a rectangle give the logits of a full
// forward pass, on a graph with every kind of step (strided, dilated and explicitly padded windows,
// max pooling, pixel-by-pixel layers, a residual sum, a layer computed whole) and on the shipped
// emotion model, while computing only part of each layer's output.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"
#include "graph/region_forward.h"
#include "io/model.h"
#include "layers/add.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/relu.h"
#include "layers/zero_pad.h"
#include "support/explain_models.h"
#include "support/gradcheck.h"
#include "support/layer_params.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::test;

namespace {

ConvParams conv(int kernel, int stride, PaddingMode padding) { return ConvParams{Window2D::square(kernel, stride, padding)}; }

// input [13, 11, 2] -> conv 3x3 same -> ReLU ("r1")
//   -> conv 3x3 stride 2, pads top 2 bottom 0 left 0 right 2 -> batch norm -> ReLU6
//      -> depthwise 3x3 dilation 2 same ("dw")
//   -> max pool 3x3 stride 2 same (r1) -> conv 1x1 ("proj")
// Add(dw, proj) -> zero pad 1 (computed whole) -> conv 3x3 valid -> ReLU -> global pool -> dense.
Graph mixed_graph() {
  Rng rng(17);
  Graph g;
  g.add_input("input", Shape{13, 11, 2});
  g.add(std::make_unique<Conv2D>("c1", random_weights(rng, Shape{3, 3, 2, 4}, 18), rng.tensor(Shape{4}, -0.2f, 0.2f),
                                 conv(3, 1, PaddingMode::same)),
        {"input"});
  g.add(std::make_unique<Relu>("r1"), {"c1"});
  ConvParams padded = conv(3, 2, PaddingMode::explicit_pads);
  padded.window.explicit_padding = {.top = 2, .bottom = 0, .left = 0, .right = 2};
  g.add(std::make_unique<Conv2D>("c2", random_weights(rng, Shape{3, 3, 4, 6}, 36), rng.tensor(Shape{6}, -0.2f, 0.2f), padded),
        {"r1"});
  auto bn = std::make_unique<BatchNorm>("bn", 6);
  for (NamedBuffer& buffer : bn->buffers()) buffer.value->values()[0] = 0.5f;  // not the identity
  for (Parameter& p : bn->parameters()) {
    for (float& v : p.value->values()) v = rng.uniform(0.5f, 1.5f);
  }
  g.add(std::move(bn), {"c2"});
  g.add(std::make_unique<Relu>("r2", 6.0f), {"bn"});
  ConvParams dilated = conv(3, 1, PaddingMode::same);
  dilated.window.dilation_h = dilated.window.dilation_w = 2;
  g.add(std::make_unique<DepthwiseConv2D>("dw", random_weights(rng, Shape{3, 3, 6, 1}, 9), Tensor{}, dilated), {"r2"});
  g.add(std::make_unique<MaxPool>("pool", Window2D::square(3, 2, PaddingMode::same)), {"r1"});
  g.add(std::make_unique<Conv2D>("proj", random_weights(rng, Shape{1, 1, 4, 6}, 4), Tensor{}, conv(1, 1, PaddingMode::valid)),
        {"pool"});
  g.add(std::make_unique<Add>("sum"), {"dw", "proj"});
  g.add(std::make_unique<ZeroPad2D>("pad", Padding{1, 1, 1, 1}), {"sum"});
  g.add(std::make_unique<Conv2D>("c3", random_weights(rng, Shape{3, 3, 6, 5}, 54), rng.tensor(Shape{5}, -0.2f, 0.2f),
                                 conv(3, 1, PaddingMode::valid)),
        {"pad"});
  g.add(std::make_unique<Relu>("r3"), {"c3"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"r3"});
  g.add(std::make_unique<Dense>("logits", random_weights(rng, Shape{5, 3}, 5), rng.tensor(Shape{3}, -0.2f, 0.2f)), {"gap"});
  return g;
}

// `batch` with item `item` replaced by `base` outside `region` and by new values inside it.
void change_inside(Tensor& batch, int item, const Tensor& base, const Region& region, Rng& rng) {
  const Shape& s = base.shape();
  for (int y = 0; y < s.h(); ++y) {
    for (int x = 0; x < s.w(); ++x) {
      const bool inside = y >= region.top && y < region.bottom && x >= region.left && x < region.right;
      for (int c = 0; c < s.c(); ++c) batch.at(item, y, x, c) = inside ? rng.uniform(-2.0f, 2.0f) : base.at(0, y, x, c);
    }
  }
}

void check_close(const Tensor& got, const Tensor& expected) {
  REQUIRE(got.shape() == expected.shape());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(1.0));
}

}  // namespace

TEST_CASE("RegionForward: the logits of a full pass for changes anywhere, on every kind of step") {
  Graph graph = mixed_graph();
  Rng rng(3);
  const Tensor base = rng.tensor(Shape{1, 13, 11, 2}, -2.0f, 2.0f);
  RegionForward regions(graph, base, "logits");
  // Corners, edges, one pixel, the whole input, nothing, and rectangles reaching past the map.
  const std::vector<Region> changed = {{0, 0, 3, 3},   {10, 8, 13, 11}, {5, 0, 9, 2},     {0, 4, 1, 5},
                                       {6, 5, 7, 6},   {0, 0, 13, 11},  {4, 4, 4, 9},     {11, -3, 20, 4},
                                       {2, 7, 12, 11}, {-5, -5, 2, 30}, {3, 2, 10, 9},    {12, 10, 13, 11}};
  for (int batch_size : {1, 3, 4}) {
    CAPTURE(batch_size);
    for (size_t first = 0; first < changed.size(); first += batch_size) {
      const int items = static_cast<int>(std::min<size_t>(batch_size, changed.size() - first));
      Tensor batch(Shape{items, 13, 11, 2});
      for (int item = 0; item < items; ++item) change_inside(batch, item, base, changed[first + item], rng);
      const std::span<const Region> these(changed.data() + first, items);
      const Tensor got = regions.forward(batch, these).clone();
      check_close(got, graph.forward(batch));
    }
  }
}

TEST_CASE("RegionForward: an item equal to the base gives the base logits; a bad batch is refused") {
  Graph graph = mixed_graph();
  Rng rng(4);
  const Tensor base = rng.tensor(Shape{1, 13, 11, 2}, -2.0f, 2.0f);
  const Tensor expected = graph.forward(base).clone();
  RegionForward regions(graph, base, "logits");
  const Region nothing{};
  check_close(regions.forward(base, std::span(&nothing, 1)), expected);

  const Tensor wrong(Shape{1, 12, 11, 2});
  CHECK_THROWS_WITH_AS(regions.forward(wrong, std::span(&nothing, 1)),
                       doctest::Contains("does not match the base input [1, 13, 11, 2]"), Error);
  const Tensor two(Shape{2, 13, 11, 2});
  CHECK_THROWS_WITH_AS(regions.forward(two, std::span(&nothing, 1)), doctest::Contains("1 changed regions for a batch of 2"),
                       Error);
  CHECK_THROWS_WITH_AS(RegionForward(graph, base, "nowhere"), doctest::Contains("no node 'nowhere'"), Error);
}

TEST_CASE("RegionForward: occlusion patches on the emotion model, a fraction of each layer computed") {
  Model model = load_model_file("models/emotion/model.json");
  const Tensor base = emotion_pattern();
  RegionForward regions(model.graph, base, model.logits);
  Rng rng(5);
  // 8 x 8 patches, as occlusion's defaults place them on a 64 x 64 input: a corner, the middle, an edge.
  const std::vector<Region> patches = {{0, 0, 8, 8}, {28, 28, 36, 36}, {56, 24, 64, 32}};
  Tensor batch(Shape{3, 64, 64, 1});
  for (int item = 0; item < 3; ++item) change_inside(batch, item, base, patches[item], rng);
  const Tensor got = regions.forward(batch, patches).clone();
  CHECK(regions.computed_fraction() < 0.5);
  model.graph.forward(batch, {.keep = std::vector<std::string>{model.logits}});
  check_close(got, model.graph.activation(model.logits));
}
