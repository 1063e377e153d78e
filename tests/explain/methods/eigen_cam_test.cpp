// EigenCAM: the projection of the activations (HW x C) on their first right singular vector.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

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

// input 5x7x1 image u -> "features": 1x1 conv 1 -> 4 with kernel v, no bias: A = u v^T, rank 1.
Model rank_one_model(const std::vector<float>& v) {
  Rng rng(51);
  Graph g;
  g.add_input("input", Shape{5, 7, 1});
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{1, 1, 1, 4}, v), Tensor(), ConvParams{}), {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{4, 2}), Tensor()), {"gap"});
  return make_model(std::move(g), "logits", "");
}

Tensor image_of(const std::vector<float>& u) { return Tensor(Shape::nhwc(1, 5, 7, 1), u); }

float norm(const std::vector<float>& v) { return std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0f)); }

}  // namespace

TEST_CASE("EigenCAM recovers a rank-1 activation u v^T: weights v / |v|, map |v| u") {
  const std::vector<float> v = {0.5f, -1.0f, 2.0f, 0.25f};
  std::vector<float> u(35);
  for (int p = 0; p < 35; ++p) u[p] = 0.1f + std::exp(-0.3f * static_cast<float>((p / 7 - 1) * (p / 7 - 1) + (p % 7 - 5) * (p % 7 - 5)));
  Model model = rank_one_model(v);
  std::unique_ptr<Method> eigen = make_method("eigen-cam");
  Explanation e = explain_target(model, image_of(u), *eigen);
  CHECK(e.timings.backward_ms == 0.0);  // gradient-free
  REQUIRE(e.channel_weights.size() == 4);
  // Power iteration converges to 1e-6 here (a rank-1 Gram matrix converges in one step).
  for (int k = 0; k < 4; ++k) CHECK(e.channel_weights[k] == doctest::Approx(v[k] / norm(v)).epsilon(1e-6));
  for (int p = 0; p < 35; ++p) CHECK(e.raw.values[p] == doctest::Approx(norm(v) * u[p]).epsilon(1e-5));
  // Its peak is u's: row 1, column 5.
  const auto peak = std::max_element(e.normalized.values.begin(), e.normalized.values.end()) - e.normalized.values.begin();
  CHECK(peak == 1 * 7 + 5);
}

TEST_CASE("EigenCAM: the singular vector's sign makes the map sum to >= 0") {
  // u mostly negative: the projection on +v / |v| would sum below zero, so the map is -|v| u.
  const std::vector<float> v = {1.0f, 2.0f, -0.5f, 0.0f};
  std::vector<float> u(35);
  for (int p = 0; p < 35; ++p) u[p] = p == 17 ? 3.0f : -1.0f;
  Model model = rank_one_model(v);
  std::unique_ptr<Method> eigen = make_method("eigen-cam");
  Explanation e = explain_target(model, image_of(u), *eigen);
  for (int k = 0; k < 4; ++k) CHECK(e.channel_weights[k] == doctest::Approx(-v[k] / norm(v)).epsilon(1e-6));
  for (int p = 0; p < 35; ++p) CHECK(e.raw.values[p] == doctest::Approx(-norm(v) * u[p]).epsilon(1e-5));
  CHECK(std::accumulate(e.raw.values.begin(), e.raw.values.end(), 0.0f) > 0.0f);
}

TEST_CASE("EigenCAM on a rank-2 activation picks the stronger component") {
  // Two channels with disjoint supports: the Gram matrix is diagonal, its top eigenvector is the
  // channel with the larger sum of squares (channel 1 here: 4 * 2^2 > 6 * 1^2).
  Rng rng(52);
  Graph g;
  g.add_input("input", Shape{2, 5, 3});
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{1, 1, 3, 2}, std::vector<float>{1, 0, 0, 1, 0, 0}), Tensor(),
                                 ConvParams{}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", rng.tensor(Shape{2, 2}), Tensor()), {"gap"});
  Model model = make_model(std::move(g), "logits", "");
  Tensor x(Shape::nhwc(1, 2, 5, 3));
  for (int p = 0; p < 10; ++p) {
    if (p < 6) x[p * 3 + 0] = 1.0f;
    else x[p * 3 + 1] = 2.0f;
  }
  std::unique_ptr<Method> eigen = make_method("eigen-cam");
  Explanation e = explain_target(model, x, *eigen);
  CHECK(e.channel_weights[0] == doctest::Approx(0.0).scale(1.0));
  CHECK(e.channel_weights[1] == doctest::Approx(1.0));
}
