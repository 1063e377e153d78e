// Every per-pixel method finds the only region that matters: corner_model's logits read the
// features of the input's top-left 4x4 corner only, which see the top-left 5x5 pixels.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("every per-pixel method puts its peak in the corner that decides the class, and all its mass near it") {
  Model model = corner_model();
  const Tensor image = corner_image();
  for (const char* name : {"saliency", "gradient-x-input", "smooth-grad", "integrated-gradients", "guided-backprop",
                           "guided-grad-cam", "occlusion"}) {
    CAPTURE(std::string(name));
    std::unique_ptr<Method> method = make_method(name);
    const Explanation e = explain_target(model, image, *method, Target::of_class(0));
    const Map& map = e.upsampled.at(0);
    REQUIRE((map.height == 16 && map.width == 16));
    const auto peak = std::max_element(map.values.begin(), map.values.end()) - map.values.begin();
    CHECK(peak / 16 < 4);
    CHECK(peak % 16 < 4);
    // Outside the top-left 6x6 (5x5 for the gradients, plus occlusion's 2-pixel patches reaching
    // one further) nothing changes a logit: no mass at all, up to rounding.
    double inside = 0.0, outside = 0.0;
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 16; ++x) (y < 6 && x < 6 ? inside : outside) += map.at(y, x);
    }
    CHECK(inside > 1.0);
    CHECK(outside <= 1e-5 * inside);
  }
}
