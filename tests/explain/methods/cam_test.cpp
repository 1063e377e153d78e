// CAM, and the identity that ties it to Grad-CAM on a GAP head: Grad-CAM = CAM / (H * W).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "core/error.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "explain/run.h"
#include "layers/conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/softmax.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// Raw maps agree to 1e-5 relative to the map's scale (float32 sums of a few products).
void check_grad_cam_is_cam_over_area(Model& model, const Tensor& input, Target target) {
  std::unique_ptr<Method> cam = make_method("cam"), grad_cam = make_method("grad-cam");
  Explanation c = explain_target(model, input, *cam, target);
  Explanation g = explain_target(model, input, *grad_cam, target);
  REQUIRE(c.layer == g.layer);
  REQUIRE(c.raw.values.size() == g.raw.values.size());
  const float area = static_cast<float>(c.raw.height * c.raw.width);
  float scale = 0.0f;
  for (float v : c.raw.values) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < c.raw.values.size(); ++i) {
    CHECK(g.raw.values[i] == doctest::Approx(c.raw.values[i] / area).scale(scale / area).epsilon(1e-5));
  }
  for (size_t k = 0; k < c.channel_weights.size(); ++k) {
    CHECK(g.channel_weights[k] == doctest::Approx(c.channel_weights[k] / area).epsilon(1e-5));
  }
  // Min-max removes the scale: the normalised and upsampled maps agree.
  for (size_t i = 0; i < c.normalized.values.size(); ++i) {
    CHECK(g.normalized.values[i] == doctest::Approx(c.normalized.values[i]).epsilon(1e-5).scale(1.0));
  }
  for (size_t i = 0; i < c.upsampled[0].values.size(); ++i) {
    CHECK(g.upsampled[0].values[i] == doctest::Approx(c.upsampled[0].values[i]).epsilon(1e-5).scale(1.0));
  }
}

}  // namespace

TEST_CASE("CAM: weights are the Dense kernel's column of the target class") {
  Model model = patch_model();
  std::unique_ptr<Method> cam = make_method("cam");
  Explanation e = explain_target(model, patch_image(), *cam, Target::of_class(1));
  CHECK(e.layer == "features");
  CHECK(e.channel_weights == std::vector<float>{-2.0f, 1.0f});  // kernel [[2, -2], [-1, 1]], column 1
  CHECK(e.timings.backward_ms == 0.0);                          // CAM needs no backward pass
}

TEST_CASE("CAM vs Grad-CAM on a GAP -> Dense head: Grad-CAM = CAM / (H * W), equal after normalisation") {
  Rng rng(41);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  for (int c = 0; c < 3; ++c) {
    CAPTURE(c);
    check_grad_cam_is_cam_over_area(model, input, Target::of_class(c));
  }
  Model patch = patch_model();
  check_grad_cam_is_cam_over_area(patch, patch_image(), Target::top());
}

TEST_CASE("CAM when the global average pool gives the logits (one channel per class): the class's channel") {
  Rng rng(42);
  Graph g;
  g.add_input("input", Shape{5, 7, 1});
  Window2D same = Window2D::square(3, 1, PaddingMode::same);
  g.add(std::make_unique<Conv2D>("classes", rng.tensor(Shape{3, 3, 1, 4}), rng.tensor(Shape{4}), ConvParams{same}),
        {"input"});
  g.add(std::make_unique<GlobalAveragePool>("mean"), {"classes"});
  g.add(std::make_unique<Softmax>("probs"), {"mean"});
  Model model = make_model(std::move(g), "mean", "probs");
  const Tensor input = rng.tensor(Shape::nhwc(1, 5, 7, 1));
  std::unique_ptr<Method> cam = make_method("cam");
  Explanation e = explain_target(model, input, *cam, Target::of_class(2));
  CHECK(e.channel_weights == std::vector<float>{0.0f, 0.0f, 1.0f, 0.0f});
  const Tensor& classes = model.graph.activation("classes");  // kept by the forward pass
  for (int p = 0; p < 35; ++p) CHECK(e.raw.values[p] == classes[p * 4 + 2]);
  for (int c = 0; c < 4; ++c) {
    CAPTURE(c);
    check_grad_cam_is_cam_over_area(model, input, Target::of_class(c));
  }
}

TEST_CASE("CAM: a model without a global average pool head gets an Error suggesting Grad-CAM") {
  Rng rng(43);
  Model model = flatten_model(rng);
  std::unique_ptr<Method> cam = make_method("cam");
  const Tensor input = rng.tensor(Shape::nhwc(1, 6, 6, 1));
  CHECK_THROWS_WITH_AS(explain_target(model, input, *cam),
                       doctest::Contains("CAM does not apply to layer 'conv' of this model: the logits 'logits' (Dense) "
                                         "are not a global average pool, nor a Dense layer reading one"),
                       Error);
  CHECK_THROWS_WITH_AS(explain_target(model, input, *cam), doctest::Contains("Grad-CAM works at any spatial layer"), Error);
  // Grad-CAM applies to the same model.
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  CHECK(explain_target(model, input, *grad_cam).raw.height == 4);
}

TEST_CASE("CAM explains the layer its global average pool reads when no layer is asked for") {
  Rng rng(44);
  Model model = residual_model(rng);
  const Tensor input = rng.tensor(Shape::nhwc(1, 8, 8, 3));
  std::unique_ptr<Method> cam = make_method("cam"), grad_cam = make_method("grad-cam");
  const std::string pooled = explain_target(model, input, *cam).layer;
  // Another default layer in the metadata moves Grad-CAM there, but not CAM.
  std::string other;
  for (const std::string& layer : GraphPaths(model.graph.nodes()).spatial_layers_feeding(model.logits)) {
    if (layer != pooled) other = layer;
  }
  REQUIRE(!other.empty());
  model.metadata.explain_layer = other;
  CHECK(explain_target(model, input, *grad_cam).layer == other);
  CHECK(explain_target(model, input, *cam).layer == pooled);
  CHECK(layer_for(model, *cam, "") == pooled);
  CHECK(layer_for(model, *grad_cam, "") == other);
  // Asked for another layer, CAM still refuses it.
  ExplainOptions options;
  options.layer = other;
  CHECK_THROWS_WITH_AS(explain_target(model, input, *cam, Target::top(), options),
                       doctest::Contains("CAM's identity holds only at the layer the global average pool reads"), Error);
}
