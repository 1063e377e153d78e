// Every registered method finds the only region that matters: on patch_model, class 0 depends on
// bright pixels only, and the image's bright patch is its top-left 4x4 corner.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("every method's map peaks inside the bright patch that decides the class") {
  Model model = patch_model();
  const Tensor image = patch_image();
  for (const MethodInfo& info : registered_methods()) {
    CAPTURE(std::string(info.name));
    std::unique_ptr<Method> method = info.make();
    Explanation e = explain_target(model, image, *method, Target::of_class(0));
    const Map& map = e.upsampled.at(0);
    REQUIRE((map.height == 12 && map.width == 12));
    const auto peak = std::max_element(map.values.begin(), map.values.end()) - map.values.begin();
    CHECK(peak / 12 < 4);
    CHECK(peak % 12 < 4);
    CHECK(map.values[peak] == doctest::Approx(1.0).epsilon(1e-6));  // min-max: the peak is 1
    // Far from the patch (bottom-right quarter) the map is at most half the peak.
    for (int y = 6; y < 12; ++y) {
      for (int x = 6; x < 12; ++x) CHECK(map.at(y, x) <= 0.5f);
    }
  }
}

TEST_CASE("the registry lists each method once with a one-line description") {
  CHECK(registered_methods().size() == 15);  // 8 CAM-family methods, 7 per-pixel ones
  for (const MethodInfo& info : registered_methods()) {
    CAPTURE(std::string(info.name));
    CHECK(!info.description.empty());
    CHECK(info.description.find('\n') == std::string_view::npos);
    CHECK(info.make()->name() == info.name);
    CHECK(make_method(info.name)->name() == info.name);
  }
}
