#include "support/explain_models.h"

#include <memory>
#include <vector>

#include "io/metadata.h"
#include "layers/add.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/flatten.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/softmax.h"
#include "support/layer_params.h"

namespace camlens::test {

Model make_model(Graph graph, const std::string& logits, const std::string& probabilities) {
  Model model{std::move(graph), {}, logits, probabilities};
  model.metadata = resolve_metadata(nullptr, nullptr, model.graph, logits);
  return model;
}

Model patch_model() {
  Graph g;
  g.add_input("input", Shape{12, 12, 1});
  // HWIO [3, 3, 1, 2]: channel 0 = 4 * mean, channel 1 = -mean, over the 3x3 neighbourhood.
  std::vector<float> kernel;
  for (int tap = 0; tap < 9; ++tap) {
    kernel.push_back(4.0f / 9.0f);
    kernel.push_back(-1.0f / 9.0f);
  }
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{3, 3, 1, 2}, kernel), Tensor(Shape{2}, std::vector<float>{-2.0f, 0.3f}),
                                 ConvParams{Window2D::square(3, 2, PaddingMode::same), Activation::relu}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{2, 2}, std::vector<float>{2.0f, -2.0f, -1.0f, 1.0f}),
                                Tensor(Shape{2}, std::vector<float>{0.5f, -0.5f})),
        {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"logits"});
  return make_model(std::move(g), "logits", "probs");
}

Tensor patch_image() {
  Tensor image(Shape::nhwc(1, 12, 12, 1));
  for (int y = 0; y < 12; ++y) {
    for (int x = 0; x < 12; ++x) image.at(0, y, x, 0) = (y < 4 && x < 4) ? 1.0f : 0.1f;
  }
  return image;
}

Model residual_model(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{8, 8, 3});
  g.add(std::make_unique<Conv2D>("conv1", random_weights(rng, Shape{3, 3, 3, 4}, 27), rng.tensor(Shape{4}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(3, 2, PaddingMode::same), Activation::relu}),
        {"input"});
  g.add(std::make_unique<DepthwiseConv2D>("dw", random_weights(rng, Shape{3, 3, 4, 1}, 9),
                                          rng.tensor(Shape{4}, -0.1f, 0.1f), ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"conv1"});
  g.add(std::make_unique<MaxPool>("pool", Window2D::square(3, 2, PaddingMode::same)), {"dw"});
  g.add(std::make_unique<Conv2D>("shortcut", random_weights(rng, Shape{1, 1, 4, 4}, 4),
                                 rng.tensor(Shape{4}, -0.1f, 0.1f), ConvParams{Window2D::square(1, 2, PaddingMode::same)}),
        {"conv1"});
  g.add(std::make_unique<Add>("add"), {"pool", "shortcut"});
  g.add(std::make_unique<Conv2D>("conv2", random_weights(rng, Shape{3, 3, 4, 3}, 36), rng.tensor(Shape{3}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"add"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"conv2"});
  g.add(std::make_unique<Dense>("logits", random_weights(rng, Shape{3, 3}, 3), rng.tensor(Shape{3}, -0.1f, 0.1f)),
        {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"logits"});
  return make_model(std::move(g), "logits", "probs");
}

Model flatten_model(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{6, 6, 1});
  g.add(std::make_unique<Conv2D>("conv", random_weights(rng, Shape{3, 3, 1, 2}, 9), Tensor(),
                                 ConvParams{Window2D::square(3, 1, PaddingMode::valid), Activation::relu}),
        {"input"});
  g.add(std::make_unique<Flatten>("flat"), {"conv"});
  g.add(std::make_unique<Dense>("logits", random_weights(rng, Shape{32, 3}, 32), Tensor()), {"flat"});
  return make_model(std::move(g), "logits", "");
}

}  // namespace camlens::test
