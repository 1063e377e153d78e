// The gradient-based methods against their formulas, evaluated directly on a tiny model whose
// activations and gradients are worked out by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "core/error.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// input 2x2x3 -> "features": 1x1 conv keeping channels 0 and 1 (A = input[..., :2]) ->
// "head": 1x1 conv K with ReLU -> "gap" -> "logits": Dense D.
constexpr std::array<std::array<double, 2>, 4> kA = {{{1.0, 0.5}, {0.2, 2.0}, {-1.0, -2.0}, {1.5, -1.0}}};
// d logit_0 / d A[p][k] = sum_j D[j][0] / 4 * [head_j(p) > 0] * K[k][j] with K = [[1, -1], [0.5, 1]]
// and D = [[1, -0.5], [2, 0.3]]; head = (A0 + 0.5 A1, -A0 + A1) is on at (j0), (j0, j1), (), (j0).
constexpr std::array<std::array<double, 2>, 4> kG = {{{0.25, 0.125}, {-0.25, 0.625}, {0.0, 0.0}, {0.25, 0.125}}};

Model tiny_model() {
  Graph g;
  g.add_input("input", Shape{2, 2, 3});
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{1, 1, 3, 2}, std::vector<float>{1, 0, 0, 1, 0, 0}), Tensor(),
                                 ConvParams{}),
        {"input"});
  g.add(std::make_unique<Conv2D>("head", Tensor(Shape{1, 1, 2, 2}, std::vector<float>{1, -1, 0.5f, 1}), Tensor(),
                                 ConvParams{Window2D{}, Activation::relu}),
        {"features"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"head"});
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{2, 2}, std::vector<float>{1, -0.5f, 2, 0.3f}), Tensor()), {"gap"});
  return make_model(std::move(g), "logits", "");
}

Tensor tiny_input() {
  Tensor x(Shape::nhwc(1, 2, 2, 3));
  for (int p = 0; p < 4; ++p) {
    x[p * 3 + 0] = static_cast<float>(kA[p][0]);
    x[p * 3 + 1] = static_cast<float>(kA[p][1]);
    x[p * 3 + 2] = 9.0f;  // dropped by "features"
  }
  return x;
}

Explanation explain_tiny(const char* method) {
  Model model = tiny_model();
  std::unique_ptr<Method> m = make_method(method);
  return explain_target(model, tiny_input(), *m, Target::of_class(0), {.layer = "features"});
}

double mean_gradient(int k) { return (kG[0][k] + kG[1][k] + kG[2][k] + kG[3][k]) / 4.0; }

double activation_sum(int k) {
  double sum = 0.0;
  for (int p = 0; p < 4; ++p) sum += kA[p][k];
  return sum;
}

}  // namespace

// Tolerances: float32 forward/backward on numbers of order one, against double formulas: 1e-6.

TEST_CASE("Grad-CAM: weights are the mean gradient, map = sum_k w_k A_k") {
  Explanation e = explain_tiny("grad-cam");
  REQUIRE(e.channel_weights.size() == 2);
  for (int k = 0; k < 2; ++k) {
    CHECK(e.channel_weights[k] == doctest::Approx(mean_gradient(k)).epsilon(1e-6));
  }
  for (int p = 0; p < 4; ++p) {
    const double expected = mean_gradient(0) * kA[p][0] + mean_gradient(1) * kA[p][1];
    CHECK(e.raw.values[p] == doctest::Approx(expected).epsilon(1e-6));
  }
}

TEST_CASE("Grad-CAM++: weights equal pytorch-grad-cam's formula evaluated directly") {
  Explanation e = explain_tiny("grad-cam++");
  REQUIRE(e.channel_weights.size() == 2);
  for (int k = 0; k < 2; ++k) {
    double weight = 0.0;
    for (int p = 0; p < 4; ++p) {
      const double g = kG[p][k], g2 = g * g, g3 = g2 * g;
      const double alpha = g == 0.0 ? 0.0 : g2 / (2.0 * g2 + activation_sum(k) * g3 + 1e-6);
      weight += std::max(g, 0.0) * alpha;
    }
    CHECK(e.channel_weights[k] == doctest::Approx(weight).epsilon(1e-6));
  }
  // Hand values: sA = (1.7, -0.5). Channel 0: three pixels with g = 0.25 (one negative, one zero):
  // 0.25 * 0.0625 / (0.125 + 1.7 * 0.015625 + 1e-6) each, twice.
  CHECK(e.channel_weights[0] == doctest::Approx(2 * 0.25 * 0.0625 / (0.125 + 1.7 * 0.015625 + 1e-6)).epsilon(1e-6));
}

TEST_CASE("XGrad-CAM: weights sum(G * A) / (sum(A) + 1e-7)") {
  Explanation e = explain_tiny("xgrad-cam");
  REQUIRE(e.channel_weights.size() == 2);
  for (int k = 0; k < 2; ++k) {
    double weighted = 0.0;
    for (int p = 0; p < 4; ++p) weighted += kG[p][k] * kA[p][k];
    CHECK(e.channel_weights[k] == doctest::Approx(weighted / (activation_sum(k) + 1e-7)).epsilon(1e-6));
  }
}

TEST_CASE("HiResCAM and LayerCAM: per-pixel sums over channels, no channel weights") {
  Explanation hires = explain_tiny("hires-cam");
  Explanation layer = explain_tiny("layer-cam");
  CHECK(hires.channel_weights.empty());
  CHECK(layer.channel_weights.empty());
  for (int p = 0; p < 4; ++p) {
    CHECK(hires.raw.values[p] == doctest::Approx(kG[p][0] * kA[p][0] + kG[p][1] * kA[p][1]).epsilon(1e-6));
    CHECK(layer.raw.values[p] ==
          doctest::Approx(std::max(kG[p][0], 0.0) * kA[p][0] + std::max(kG[p][1], 0.0) * kA[p][1]).epsilon(1e-6));
  }
}

TEST_CASE("CAM: refuses a layer that the global average pool does not read, naming the one it would take") {
  Model model = tiny_model();
  std::unique_ptr<Method> cam = make_method("cam");
  CHECK_THROWS_WITH_AS(explain_target(model, tiny_input(), *cam, Target::of_class(0), {.layer = "features"}),
                       doctest::Contains("the global average pool reads, 'head': pass that layer"), Error);
}
