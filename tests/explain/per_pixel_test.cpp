// The pipeline's extension point for per-pixel methods (Requirements::layer false): the method
// works at the graph input, gets d logit / d input through the ReLU mode it asks for, and its map
// comes at input resolution. A test-only gradient x input method exercises it.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "explain/pipeline.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

class GradientTimesInput final : public Method {
 public:
  explicit GradientTimesInput(ReluBackward relu) : relu_(relu) {}
  std::string_view name() const override { return "test gradient x input"; }
  Requirements requirements() const override { return {.layer = false, .gradients = true, .relu = relu_}; }
  MethodMap compute(ExplainContext& context) override {
    const Tensor& x = context.activations();
    const Tensor& g = context.gradients();
    const int channels = x.shape().c();
    MethodMap result{Map(x.shape().h(), x.shape().w()), {}};
    for (size_t p = 0; p < result.raw.values.size(); ++p) {
      for (int i = 0; i < channels; ++i) result.raw.values[p] += g[p * channels + i] * x[p * channels + i];
    }
    return result;
  }

 private:
  ReluBackward relu_;
};

// input 3x4x3 -> "features": 1x1 conv K (3 -> 2) with ReLU -> "gap" -> "logits": Dense D (2 -> 2).
constexpr float kK[3][2] = {{1.0f, -0.5f}, {0.5f, 1.0f}, {-1.0f, 0.25f}};
constexpr float kD[2][2] = {{2.0f, -1.0f}, {-3.0f, 1.0f}};

Model relu_model() {
  Graph g;
  g.add_input("input", Shape{3, 4, 3});
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{1, 1, 3, 2}, std::vector<float>(&kK[0][0], &kK[0][0] + 6)),
                                 Tensor(), ConvParams{Window2D{}, Activation::relu}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"features"});
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{2, 2}, std::vector<float>(&kD[0][0], &kD[0][0] + 4)), Tensor()),
        {"gap"});
  return make_model(std::move(g), "logits", "");
}

// d logit_0 / d x[p, i] = sum over channels k with y_k(p) > 0 (and, guided, D[k][0] > 0) of
// K[i][k] * D[k][0] / 12: the ReLU's gradient is D[k][0] / 12 at every pixel.
std::vector<float> expected_map(const Tensor& x, bool guided) {
  std::vector<float> map(12, 0.0f);
  for (int p = 0; p < 12; ++p) {
    for (int k = 0; k < 2; ++k) {
      float y = 0.0f;
      for (int i = 0; i < 3; ++i) y += x[p * 3 + i] * kK[i][k];
      if (y <= 0.0f || (guided && kD[k][0] <= 0.0f)) continue;
      for (int i = 0; i < 3; ++i) map[p] += x[p * 3 + i] * kK[i][k] * kD[k][0] / 12.0f;
    }
  }
  return map;
}

}  // namespace

TEST_CASE("per-pixel methods: gradients at the input, map at input resolution, ReLU mode as requested") {
  Model model = relu_model();
  Rng rng(81);
  const Tensor x = rng.tensor(Shape::nhwc(1, 3, 4, 3));
  for (bool guided : {false, true}) {
    CAPTURE(guided);
    GradientTimesInput method(guided ? ReluBackward::guided : ReluBackward::normal);
    // The layer option is ignored: per-pixel methods work at the input.
    Explanation e = explain_target(model, x, method, Target::of_class(0), {.layer = "features"});
    CHECK(e.layer == "input");
    CHECK((e.raw.height == 3 && e.raw.width == 4));
    REQUIRE(e.upsampled.size() == 1);
    CHECK((e.upsampled[0].height == 3 && e.upsampled[0].width == 4));
    CHECK(e.channel_weights.empty());
    const std::vector<float> expected = expected_map(x, guided);
    // The same float32 products summed in another order: 1e-5 relative (1e-8 absolute near zero).
    for (int p = 0; p < 12; ++p) CHECK(e.raw.values[p] == doctest::Approx(expected[p]).epsilon(1e-5).scale(1e-3));
  }
}
