// Guided backpropagation on a case worked by hand, through a fused conv ReLU and through a ReLU
// layer; guided Grad-CAM as the product of the guided map and the upsampled Grad-CAM map.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "explain/map.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "layers/relu.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// Input 1x2x1 (pixels x0, x1) -> conv 1x2 VALID, three hidden units
//   h0 = relu(2 x0 - 1), h1 = relu(x0 + x1 - 3), h2 = relu(1.5 x1)
// -> GAP (1x1: the identity) -> logits, class 0 = h0 + 5 h1 - 2 h2 (class 1 = 0).
// At x = (1, 1): h = (1, 0, 1.5). Plain gradient: d/dh = (1, 0 [h1 off], -2), so
// d/dx0 = 2 * 1 = 2 and d/dx1 = 1.5 * -2 = -3. Guided: h2's gradient -2 is negative and stops, so
// d/dx = (2, 0): pixel 1 only reaches the score through a negative path.
Model hand_model(bool fused_relu) {
  Graph g;
  g.add_input("input", Shape{1, 2, 1});
  Window2D window;
  window.kernel_h = 1;
  window.kernel_w = 2;
  // HWIO [1, 2, 1, 3]: kernel[0, j, 0, k] is h_k's weight on pixel j.
  Tensor kernel(Shape{1, 2, 1, 3}, std::vector<float>{2.0f, 1.0f, 0.0f, 0.0f, 1.0f, 1.5f});
  Tensor bias(Shape{3}, std::vector<float>{-1.0f, -3.0f, 0.0f});
  const Activation activation = fused_relu ? Activation::relu : Activation::none;
  g.add(std::make_unique<Conv2D>("hidden", std::move(kernel), std::move(bias), ConvParams{window, activation}), {"input"});
  std::string last = "hidden";
  if (!fused_relu) {
    g.add(std::make_unique<Relu>("relu"), {"hidden"});
    last = "relu";
  }
  g.add(std::make_unique<GlobalAveragePool>("gap"), {last});
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{3, 2}, std::vector<float>{1.0f, 0.0f, 5.0f, 0.0f, -2.0f, 0.0f}),
                                Tensor(Shape{2})),
        {"gap"});
  return make_model(std::move(g), "logits", "");
}

}  // namespace

TEST_CASE("guided backprop: worked by hand, through a fused conv ReLU and through a ReLU layer") {
  const Tensor x(Shape::nhwc(1, 1, 2, 1), std::vector<float>{1.0f, 1.0f});
  std::unique_ptr<Method> guided = make_method("guided-backprop"), saliency = make_method("saliency");
  for (bool fused : {true, false}) {
    CAPTURE(fused);
    Model model = hand_model(fused);
    const Explanation plain = explain_target(model, x, *saliency, Target::of_class(0));
    CHECK(plain.raw.values == std::vector<float>{2.0f, 3.0f});  // |(2, -3)|
    const Explanation e = explain_target(model, x, *guided, Target::of_class(0));
    CHECK(e.layer == "input");
    CHECK(e.raw.values == std::vector<float>{2.0f, 0.0f});
  }
}

TEST_CASE("guided Grad-CAM = guided backprop map * Grad-CAM map upsampled to the input") {
  Rng rng(31);
  Model model = residual_model(rng);
  const Tensor x = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> guided_grad_cam = make_method("guided-grad-cam"), guided = make_method("guided-backprop"),
                          grad_cam = make_method("grad-cam");
  for (const char* layer : {"conv2", "conv1"}) {
    CAPTURE(layer);
    const Explanation e = explain_target(model, x, *guided_grad_cam, Target::of_class(1), {.layer = layer});
    const Explanation gb = explain_target(model, x, *guided, Target::of_class(1));
    const Explanation cam = explain_target(model, x, *grad_cam, Target::of_class(1), {.layer = layer});
    CHECK(e.layer == layer);
    CHECK(e.channel_weights == cam.channel_weights);
    REQUIRE((e.raw.height == 8 && e.raw.width == 8));
    const Map& cam_at_input = cam.upsampled.at(0);  // post-processed to the input's 8 x 8
    for (size_t p = 0; p < e.raw.values.size(); ++p) CHECK(e.raw.values[p] == gb.raw.values[p] * cam_at_input.values[p]);
  }
}
