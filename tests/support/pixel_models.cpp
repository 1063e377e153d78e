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
#include "layers/softmax.h"
#include "support/explain_models.h"

namespace camlens::test {

namespace {

Window2D same_3x3() {
  Window2D w;
  w.kernel_h = w.kernel_w = 3;
  w.padding_mode = PaddingMode::same;
  return w;
}

}  // namespace

Model smooth_model(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{7, 5, 3});
  g.add(std::make_unique<Conv2D>("conv", rng.tensor(Shape{3, 3, 3, 4}, -0.5f, 0.5f), rng.tensor(Shape{4}, -0.1f, 0.1f),
                                 ConvParams{same_3x3()}),
        {"input"});
  g.add(std::make_unique<DepthwiseConv2D>("dw", rng.tensor(Shape{3, 3, 4, 1}, -0.6f, 0.6f), rng.tensor(Shape{4}, -0.1f, 0.1f),
                                          ConvParams{same_3x3()}),
        {"conv"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"dw"});
  g.add(std::make_unique<Dense>("dense", rng.tensor(Shape{4, 3}, -8.0f, 8.0f), rng.tensor(Shape{3}, -0.5f, 0.5f)), {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"dense"});
  return make_model(std::move(g), "probs", "");
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
  Rng rng(11);
  Tensor image = rng.tensor(Shape::nhwc(1, 16, 16, 1), 0.0f, 1.0f);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) image.at(0, y, x, 0) = 0.6f + 0.1f * static_cast<float>((y + 2 * x) % 4);
  }
  return image;
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
