// Vanilla saliency and gradient x input against central differences of the score, on a smooth
// nonlinear model (tests/support/pixel_models.h) so that differences see no ReLU kinks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// Central differences with eps 1e-2 on a smooth model of gradients ~1e-2: truncation error
// ~eps^2 * f''' and float rounding ~1e-7 / eps stay far below 2e-5 + 1% (measured worst ~3e-7).
void check_close(float analytic, float numeric) { CHECK(std::abs(analytic - numeric) <= 2e-5f + 1e-2f * std::abs(numeric)); }

}  // namespace

TEST_CASE("saliency: max over channels of |d score / d pixel|, against central differences") {
  PortableRng rng(5);
  Model model = smooth_model(rng);
  const Tensor x = rng.tensor(Shape::nhwc(1, 7, 5, 3));
  std::unique_ptr<Method> saliency = make_method("saliency");
  for (int target = 0; target < 3; ++target) {
    CAPTURE(target);
    const Explanation e = explain_target(model, x, *saliency, Target::of_class(target));
    CHECK(e.layer == "input");
    REQUIRE((e.raw.height == 7 && e.raw.width == 5));
    CHECK(e.channel_weights.empty());
    const Tensor numeric = numeric_input_gradient(model, x, target, 1e-2f);
    for (int p = 0; p < 35; ++p) {
      CAPTURE(p);
      float expected = 0.0f;
      for (int c = 0; c < 3; ++c) expected = std::max(expected, std::abs(numeric[p * 3 + c]));
      check_close(e.raw.values[p], expected);
    }
  }
}

TEST_CASE("gradient x input: sum over channels of input * d score / d input, signed (Captum's convention)") {
  PortableRng rng(6);
  Model model = smooth_model(rng);
  const Tensor x = rng.tensor(Shape::nhwc(1, 7, 5, 3));
  std::unique_ptr<Method> method = make_method("gradient-x-input");
  const Explanation e = explain_target(model, x, *method, Target::of_class(1));
  REQUIRE((e.raw.height == 7 && e.raw.width == 5));
  const Tensor numeric = numeric_input_gradient(model, x, 1, 1e-2f);
  bool some_negative = false;
  for (int p = 0; p < 35; ++p) {
    CAPTURE(p);
    float expected = 0.0f;
    for (int c = 0; c < 3; ++c) expected += x[p * 3 + c] * numeric[p * 3 + c];
    check_close(e.raw.values[p], expected);
    some_negative = some_negative || e.raw.values[p] < 0.0f;
  }
  CHECK(some_negative);  // the raw map keeps the sign; post-processing's ReLU drops it
  CHECK(std::all_of(e.normalized.values.begin(), e.normalized.values.end(), [](float v) { return v >= 0.0f; }));
}
