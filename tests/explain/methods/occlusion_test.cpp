// Occlusion on models worked by hand: the drop in probability, averaged over the patches covering
// each pixel; patch positions, the default patch, stride and fill, batching, progress and cancel.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// Input side x side x 1 -> flatten -> logits: class 0 = 2 * pixel (y, x), class 1 = 0.
Model one_pixel_model(int side, int y, int x) {
  Graph g;
  g.add_input("input", Shape{side, side, 1});
  g.add(std::make_unique<Flatten>("flat"), {"input"});
  Tensor kernel(Shape{side * side, 2});
  kernel[(y * side + x) * 2] = 2.0f;
  g.add(std::make_unique<Dense>("logits", std::move(kernel), Tensor(Shape{2})), {"flat"});
  return make_model(std::move(g), "logits", "");
}

// The image: 1 at (y, x), 0 elsewhere. p0 = softmax(2, 0)[0]; with the pixel covered by 0, p0 = 1/2.
Tensor one_pixel_image(int side, int y, int x) {
  Tensor image(Shape::nhwc(1, side, side, 1));
  image.at(0, y, x, 0) = 1.0f;
  return image;
}

const double kDrop = 1.0 / (1.0 + std::exp(-2.0)) - 0.5;

}  // namespace

TEST_CASE("occlusion: the drop averaged over covering patches, worked by hand (patch 2, stride 1, fill 0)") {
  Model model = one_pixel_model(4, 0, 0);
  std::unique_ptr<Method> occlusion = make_occlusion({.patch = 2, .stride = 1, .fill = 0.0f});
  const Explanation e = explain_target(model, one_pixel_image(4, 0, 0), *occlusion, Target::of_class(0), {.batch_size = 4});
  CHECK(e.layer == "input");
  // Starts 0, 1, 2 on each axis: 9 patches; only the patch at (0, 0) covers the pixel that matters.
  // (0, 0) is covered by 1 patch, (0, 1) by 2, (1, 1) by 4, of which one drops the probability.
  CHECK(e.raw.at(0, 0) == doctest::Approx(kDrop));
  CHECK(e.raw.at(0, 1) == doctest::Approx(kDrop / 2));
  CHECK(e.raw.at(1, 0) == doctest::Approx(kDrop / 2));
  CHECK(e.raw.at(1, 1) == doctest::Approx(kDrop / 4));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      if (y > 1 || x > 1) CHECK(e.raw.at(y, x) == 0.0f);
    }
  }
}

TEST_CASE("occlusion: a last patch flush with the far edge covers what the stride misses") {
  // Side 5, patch 2, stride 2: starts 0, 2 and then 3 (flush with the edge) on each axis.
  Model model = one_pixel_model(5, 4, 4);
  std::unique_ptr<Method> occlusion = make_occlusion({.patch = 2, .stride = 2, .fill = 0.0f});
  const Explanation e = explain_target(model, one_pixel_image(5, 4, 4), *occlusion, Target::of_class(0));
  CHECK(e.raw.at(4, 4) == doctest::Approx(kDrop));      // only the patch at (3, 3)
  CHECK(e.raw.at(3, 4) == doctest::Approx(kDrop / 2));  // patches at (2, 3) and (3, 3)
  CHECK(e.raw.at(3, 3) == doctest::Approx(kDrop / 4));  // (2, 2), (2, 3), (3, 2), (3, 3)
  CHECK(e.raw.at(2, 2) == 0.0f);
}

TEST_CASE("occlusion: defaults are an eighth of the side, half of it as stride, mid-gray as the model sees it") {
  // Inputs in [-1, 1] (scale 2, offset -1): mid-gray is 0, which gives the hand-worked drop again.
  Model model = one_pixel_model(16, 0, 0);
  model.metadata.scale = 2.0f;
  model.metadata.offset = -1.0f;
  std::vector<std::string> stages;
  ExplainOptions options;
  options.progress = [&](const Progress& p) {
    stages.emplace_back(p.stage);
    return true;
  };
  std::unique_ptr<Method> occlusion = make_method("occlusion");
  const Explanation e = explain_target(model, one_pixel_image(16, 0, 0), *occlusion, Target::of_class(0), options);
  // Patch 2, stride 1: 15 x 15 = 225 positions, 16 per batch: 15 batches.
  REQUIRE(stages.size() == 17);
  CHECK(stages[1] == "occlusion patches 16/225");
  CHECK(stages[15] == "occlusion patches 225/225");
  CHECK(e.raw.at(0, 0) == doctest::Approx(kDrop));
  CHECK(e.raw.at(1, 1) == doctest::Approx(kDrop / 4));
  CHECK(e.raw.at(2, 2) == 0.0f);

  options.progress = [](const Progress& p) { return p.stage != "occlusion patches 32/225"; };
  CHECK_THROWS_WITH_AS(explain_target(model, one_pixel_image(16, 0, 0), *occlusion, Target::of_class(0), options),
                       doctest::Contains("cancelled by the progress callback after occlusion patches 32/225"), Cancelled);
}

TEST_CASE("occlusion: bad patch sizes are refused") {
  Model model = patch_model();
  std::unique_ptr<Method> too_big = make_occlusion({.patch = 13});
  CHECK_THROWS_WITH_AS(explain_target(model, patch_image(), *too_big),
                       doctest::Contains("the patch (13 pixels) is larger than the 12 x 12 input"), Error);
  CHECK_THROWS_WITH_AS(make_occlusion({.patch = -1}), doctest::Contains("patch and stride must be positive"), Error);
}
