#include "train/optimizer.h"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "layers/dense.h"

using namespace camlens;

namespace {

// f(w) = 0.5 * a * (w - c)^2 per element: grad = a * (w - c), minimum at c.
void quadratic_grad(Tensor& grad, const Tensor& w, const std::vector<float>& a, float c) {
  for (size_t i = 0; i < w.size(); ++i) grad[i] = a[i] * (w[i] - c);
}

}  // namespace

TEST_CASE("SGD with momentum: two steps on a quadratic, worked by hand") {
  // a = 2, c = 3, w0 = 1, lr 0.1, momentum 0.9:
  //   g0 = 2 (1 - 3) = -4;   v1 = -4;               w1 = 1 - 0.1 (-4)     = 1.4
  //   g1 = 2 (1.4 - 3) = -3.2; v2 = 0.9 (-4) - 3.2 = -6.8; w2 = 1.4 - 0.1 (-6.8) = 2.08
  // With decoupled weight decay 0.5 (w -= lr * 0.5 * w as well):
  //   w1 = 1 - 0.1 (-4 + 0.5)    = 1.35;  g1 = -3.3; v2 = -6.9;
  //   w2 = 1.35 - 0.1 (-6.9 + 0.675) = 1.9725
  const std::vector<float> a{2.0f};
  struct Case {
    float decay, w1, w2;
  };
  for (const Case& c : {Case{0.0f, 1.4f, 2.08f}, Case{0.5f, 1.35f, 1.9725f}}) {
    const float decay = c.decay;
    CAPTURE(decay);
    Tensor w(Shape{1}, std::vector<float>{1.0f}), grad(Shape{1}), velocity(Shape{1});
    quadratic_grad(grad, w, a, 3.0f);
    sgd_momentum_update(w, grad, velocity, 0.1f, 0.9f, decay);
    CHECK(w[0] == doctest::Approx(c.w1).epsilon(1e-6));
    quadratic_grad(grad, w, a, 3.0f);
    sgd_momentum_update(w, grad, velocity, 0.1f, 0.9f, decay);
    CHECK(w[0] == doctest::Approx(c.w2).epsilon(1e-6));
  }
}

TEST_CASE("Adam: two steps on a quadratic, worked by hand") {
  // a = 2, c = 3, w0 = 1, lr 0.1, beta1 0.9, beta2 0.999, epsilon 1e-7 (negligible here):
  //   t=1: g = -4; m = -0.4, v = 0.016; m^ = -4, v^ = 16; step -4/4 = -1      -> w1 = 1.1
  //   t=2: g = -3.8; m = -0.74, v = 0.030424; m^ = -0.74/0.19 = -3.894737,
  //        v^ = 0.030424/0.001999 = 15.219610, sqrt 3.901232; step -0.998335 -> w2 = 1.1998335
  // A second element with a 100x steeper quadratic (a = 200) moves by exactly lr on the first
  // step too: Adam's first step is sign(g) * lr whatever the gradient's scale.
  const std::vector<float> a{2.0f, 200.0f};
  Tensor w(Shape{2}, std::vector<float>{1.0f, 1.0f}), grad(Shape{2}), m(Shape{2}), v(Shape{2});
  quadratic_grad(grad, w, a, 3.0f);
  adam_update(w, grad, m, v, 1, 0.1f, AdamParams{}, 0.0f);
  CHECK(w[0] == doctest::Approx(1.1f).epsilon(1e-6));
  CHECK(w[1] == doctest::Approx(1.1f).epsilon(1e-6));
  quadratic_grad(grad, w, a, 3.0f);
  adam_update(w, grad, m, v, 2, 0.1f, AdamParams{}, 0.0f);
  CHECK(w[0] == doctest::Approx(1.1998335f).epsilon(1e-6));

  // AdamW: decay 0.5 subtracts lr * 0.5 * w beside the Adam step:
  //   w1 = 1 - 0.1 (-1 + 0.5) = 1.05;  t=2 gives w2 = 1.0974260 (same arithmetic, g1 = -3.9).
  Tensor wd(Shape{1}, std::vector<float>{1.0f}), gd(Shape{1}), md(Shape{1}), vd(Shape{1});
  quadratic_grad(gd, wd, {2.0f}, 3.0f);
  adam_update(wd, gd, md, vd, 1, 0.1f, AdamParams{}, 0.5f);
  CHECK(wd[0] == doctest::Approx(1.05f).epsilon(1e-6));
  quadratic_grad(gd, wd, {2.0f}, 3.0f);
  adam_update(wd, gd, md, vd, 2, 0.1f, AdamParams{}, 0.5f);
  CHECK(wd[0] == doctest::Approx(1.0974260f).epsilon(1e-6));
}

TEST_CASE("Adam and SGD approach the minimum of a quadratic") {
  for (OptimizerKind kind : {OptimizerKind::sgd_momentum, OptimizerKind::adam}) {
    Tensor w(Shape{3}, std::vector<float>{-2.0f, 0.0f, 5.0f}), grad(Shape{3}), m(Shape{3}), v(Shape{3});
    const std::vector<float> a{1.0f, 3.0f, 0.5f};
    for (int step = 1; step <= 300; ++step) {
      quadratic_grad(grad, w, a, 1.0f);
      if (kind == OptimizerKind::adam) {
        adam_update(w, grad, m, v, step, 0.05f, AdamParams{}, 0.0f);
      } else {
        sgd_momentum_update(w, grad, m, 0.05f, 0.9f, 0.0f);
      }
    }
    for (float x : w.values()) CHECK(x == doctest::Approx(1.0f).epsilon(0.01));
  }
}

TEST_CASE("Optimizer: steps every graph parameter, decays kernels only, repacks layers") {
  // input [2] -> Dense 'fc' (kernel [2, 1], bias [1]).
  Graph graph;
  graph.add_input("x", Shape{2});
  graph.add(std::make_unique<Dense>("fc", Tensor(Shape{2, 1}, std::vector<float>{1.0f, 2.0f}),
                                    Tensor(Shape{1}, std::vector<float>{0.5f})),
            {"x"});
  Tensor x(Shape{1, 2}, std::vector<float>{1.0f, 1.0f});
  CHECK(graph.forward(x)[0] == doctest::Approx(3.5f));  // packs the weights

  OptimizerOptions options;
  options.kind = OptimizerKind::sgd_momentum;
  options.weight_decay = 0.1f;
  Optimizer optimizer(graph, options);
  optimizer.zero_grads();
  // L = y; dL/dy = 1 -> d kernel = x = [1, 1], d bias = 1.
  graph.forward(x);
  BackwardOptions backward;
  backward.request.weight_grads = true;
  graph.backward(Tensor(Shape{1, 1}, std::vector<float>{1.0f}), backward);
  optimizer.step(0.5f);
  CHECK(optimizer.steps_taken() == 1);

  // kernel: w -= 0.5 (1 + 0.1 w) -> [1 - 0.55, 2 - 0.6] = [0.45, 1.4]; bias (not decayed): 0.5 - 0.5 = 0.
  const Dense& fc = dynamic_cast<const Dense&>(graph.layer("fc"));
  CHECK(fc.weights()[0] == doctest::Approx(0.45f));
  CHECK(fc.weights()[1] == doctest::Approx(1.4f));
  CHECK(fc.bias()[0] == doctest::Approx(0.0f));
  // A forward after the step sees the new weights (the packed kernel was rebuilt): 0.45 + 1.4 + 0.
  CHECK(graph.forward(x)[0] == doctest::Approx(1.85f));

  optimizer.zero_grads();
  for (const Parameter& p : graph.parameters()) {
    for (float g : p.grad->values()) CHECK(g == 0.0f);
  }
}

TEST_CASE("Optimizer: a graph without parameters and mismatched buffers are errors") {
  Graph graph;
  graph.add_input("x", Shape{2});
  CHECK_THROWS_WITH_AS(Optimizer(graph, OptimizerOptions{}), doctest::Contains("no trainable parameters"), Error);

  Tensor w(Shape{2}), g(Shape{3}), v(Shape{2});
  CHECK_THROWS_WITH_AS(sgd_momentum_update(w, g, v, 0.1f, 0.9f, 0.0f),
                       doctest::Contains("the gradient has shape [3] but the parameter has [2]"), Error);
  Tensor g2(Shape{2});
  CHECK_THROWS_WITH_AS(adam_update(w, g2, v, v, 0, 0.1f, AdamParams{}, 0.0f), doctest::Contains("step counts from 1"),
                       Error);
}
