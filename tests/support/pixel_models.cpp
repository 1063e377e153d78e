#include "support/pixel_models.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/flatten.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/softmax.h"
#include "support/explain_models.h"

namespace camlens::test {

namespace {

Window2D same_3x3() { return Window2D::square(3, 1, PaddingMode::same); }

}  // namespace

float PortableRng::uniform(float lo, float hi) {
  return lo + (hi - lo) * static_cast<float>(engine_() >> 8) * (1.0f / 16777216.0f);
}

Tensor PortableRng::tensor(const Shape& shape, float lo, float hi) {
  Tensor t(shape);
  for (float& v : t.values()) v = uniform(lo, hi);
  return t;
}

// Weights are drawn into named variables first: the order in which function arguments are
// evaluated differs between compilers, and the draws must not.
Model smooth_model(PortableRng& rng) {
  Graph g;
  g.add_input("input", Shape{7, 5, 3});
  Tensor conv_kernel = rng.tensor(Shape{3, 3, 3, 4}, -1.5f, 1.5f);
  Tensor conv_bias = rng.tensor(Shape{4}, -0.1f, 0.1f);
  g.add(std::make_unique<Conv2D>("conv", std::move(conv_kernel), std::move(conv_bias), ConvParams{same_3x3()}), {"input"});
  Tensor dw_kernel = rng.tensor(Shape{3, 3, 4, 1}, -1.8f, 1.8f);
  Tensor dw_bias = rng.tensor(Shape{4}, -0.1f, 0.1f);
  g.add(std::make_unique<DepthwiseConv2D>("dw", std::move(dw_kernel), std::move(dw_bias), ConvParams{same_3x3()}), {"conv"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"dw"});
  Tensor dense_kernel = rng.tensor(Shape{4, 3}, -8.0f, 8.0f);
  Tensor dense_bias = rng.tensor(Shape{3}, -0.5f, 0.5f);
  g.add(std::make_unique<Dense>("dense", std::move(dense_kernel), std::move(dense_bias)), {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"dense"});
  return make_model(std::move(g), "probs", "");
}

Model relu_model(PortableRng& rng) {
  Graph g;
  g.add_input("input", Shape{8, 8, 3});
  Tensor conv1_kernel = rng.tensor(Shape{3, 3, 3, 4}, -0.4f, 0.4f);
  Tensor conv1_bias = rng.tensor(Shape{4}, -0.1f, 0.1f);
  g.add(std::make_unique<Conv2D>("conv1", std::move(conv1_kernel), std::move(conv1_bias), ConvParams{same_3x3(), Activation::relu}),
        {"input"});
  Window2D pool = Window2D::square(2, 2, PaddingMode::valid);
  g.add(std::make_unique<MaxPool>("pool", pool), {"conv1"});
  Tensor conv2_kernel = rng.tensor(Shape{3, 3, 4, 4}, -0.4f, 0.4f);
  Tensor conv2_bias = rng.tensor(Shape{4}, -0.1f, 0.1f);
  g.add(std::make_unique<Conv2D>("conv2", std::move(conv2_kernel), std::move(conv2_bias), ConvParams{same_3x3(), Activation::relu}),
        {"pool"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"conv2"});
  Tensor dense_kernel = rng.tensor(Shape{4, 3}, -3.0f, 3.0f);
  Tensor dense_bias = rng.tensor(Shape{3}, -0.5f, 0.5f);
  g.add(std::make_unique<Dense>("logits", std::move(dense_kernel), std::move(dense_bias)), {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"logits"});
  return make_model(std::move(g), "logits", "probs");
}

Model corner_model() {
  Graph g;
  g.add_input("input", Shape{16, 16, 1});
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{3, 3, 1, 1}, std::vector<float>(9, 1.0f / 9.0f)),
                                 Tensor(Shape{1}, std::vector<float>{-0.1f}), ConvParams{same_3x3(), Activation::relu}),
        {"input"});
  g.add(std::make_unique<Flatten>("flat"), {"features"});
  std::vector<float> kernel(16 * 16 * 2, 0.0f);  // [256 features, 2 classes]
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      kernel[(y * 16 + x) * 2 + 0] = 1.0f;
      kernel[(y * 16 + x) * 2 + 1] = -1.0f;
    }
  }
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{256, 2}, kernel), Tensor(Shape{2})), {"flat"});
  return make_model(std::move(g), "logits", "");
}

Tensor corner_image() {
  PortableRng rng(11);
  Tensor image = rng.tensor(Shape::nhwc(1, 16, 16, 1), 0.0f, 1.0f);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) image.at(0, y, x, 0) = 0.6f + 0.1f * static_cast<float>((y + 2 * x) % 4);
  }
  return image;
}

Tensor emotion_pattern() {
  Tensor x(Shape::nhwc(1, 64, 64, 1));
  for (int y = 0; y < 64; ++y) {
    for (int c = 0; c < 64; ++c) x.at(0, y, c, 0) = std::sin(0.11f * y) * std::cos(0.07f * c) - 0.2f;
  }
  return x;
}

Tensor numeric_input_gradient(Model& model, const Tensor& input, int target, float eps) {
  Tensor x = input.clone();
  Tensor gradient(input.shape());
  const std::vector<std::string> keep{model.logits};
  auto score = [&] {
    model.graph.forward(x, {.keep = keep});
    return static_cast<double>(model.graph.activation(model.logits)[target]);
  };
  for (size_t i = 0; i < x.size(); ++i) {
    const float original = x[i], up = original + eps, down = original - eps;
    x[i] = up;
    const double f_up = score();
    x[i] = down;
    const double f_down = score();
    x[i] = original;
    gradient[i] = static_cast<float>((f_up - f_down) / (static_cast<double>(up) - down));  // the step float really took
  }
  return gradient;
}

}  // namespace camlens::test
