// Which methods apply to which model and layer, known before running anything (the page greys out
// the others with the reason), and the registry's titles and slow flags.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "explain/run.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;

TEST_CASE("CAM applies only at the layer a global average pool head reads; the reason matches its error") {
  Model model = test::patch_model();  // features -> gap -> Dense logits
  std::unique_ptr<Method> cam = make_method("cam");
  CHECK(why_not_applicable(model, *cam) == std::nullopt);
  CHECK(why_not_applicable(model, *cam, "features") == std::nullopt);

  test::Rng rng(3);
  Model residual = test::residual_model(rng);
  const std::string first_conv = residual.graph.nodes()[1].name;
  CAPTURE(first_conv);
  const std::optional<std::string> why = why_not_applicable(residual, *cam, first_conv);
  REQUIRE(why.has_value());
  CHECK(why->find("CAM's identity holds only at the layer the global average pool reads, 'conv2'") != std::string::npos);
  CHECK(why_not_applicable(residual, *cam, "conv2") == std::nullopt);

  Model flat = test::flatten_model(rng);  // conv -> Flatten -> Dense: no global average pool
  const std::optional<std::string> no_gap = why_not_applicable(flat, *cam);
  REQUIRE(no_gap.has_value());
  CHECK(no_gap->find("are not a global average pool, nor a Dense layer reading one") != std::string::npos);
  try {
    explain_target(flat, Tensor(Shape::nhwc(1, 6, 6, 1)), *cam);
    FAIL("CAM explained a model without a global average pool");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == *no_gap);
  }
  // Grad-CAM and the per-pixel methods work on it.
  CHECK(why_not_applicable(flat, *make_method("grad-cam")) == std::nullopt);
  CHECK(why_not_applicable(flat, *make_method("saliency")) == std::nullopt);
}

TEST_CASE("a layer that cannot be explained is a reason for layer methods, not for per-pixel ones") {
  Model model = test::patch_model();
  const std::optional<std::string> why = why_not_applicable(model, *make_method("grad-cam"), "logits");
  REQUIRE(why.has_value());
  CHECK(why->find("not a spatial [H, W, C] map") != std::string::npos);
  CHECK(why_not_applicable(model, *make_method("saliency"), "logits") == std::nullopt);
}

TEST_CASE("every method has a title; the slow ones are those that run many extra passes") {
  for (const MethodInfo& info : registered_methods()) {
    CAPTURE(std::string(info.name));
    CHECK(!info.title.empty());
    const bool many_passes = info.name == "score-cam" || info.name == "smooth-grad" ||
                             info.name == "integrated-gradients" || info.name == "occlusion";
    CHECK(info.slow == many_passes);
  }
}
