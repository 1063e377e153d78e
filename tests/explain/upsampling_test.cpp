// Nearest-neighbour upsampling: the page's "raw cells" view of a map (ExplainOptions::upsampling).
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "explain/map.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;

namespace {

Map map_of(int height, int width, std::vector<float> values) {
  Map m(height, width);
  m.values = std::move(values);
  return m;
}

}  // namespace

TEST_CASE("resize_nearest: each cell becomes a block; shrinking reads the cell under each pixel centre") {
  const Map cells = map_of(2, 2, {1, 2, 3, 4});
  CHECK(resize_nearest(cells, {4, 4}).values == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // 2 rows -> 3: output centres fall at 0.33, 1.0 and 1.67 source cells.
  // 2 columns -> 1: its centre lands on the border between them, which floor gives to the second.
  CHECK(resize_nearest(cells, {3, 1}).values == std::vector<float>{2, 4, 4});
  // 3 columns -> 2: centres at 0.75 and 2.25 source cells.
  CHECK(resize_nearest(map_of(1, 3, {5, 6, 7}), {1, 2}).values == std::vector<float>{5, 7});
  CHECK(resize_nearest(cells, {2, 2}).values == cells.values);
  CHECK_THROWS_AS(resize_nearest(cells, {0, 3}), Error);
  CHECK_THROWS_AS(resize_nearest(Map(), {2, 2}), Error);
}

TEST_CASE("postprocess with nearest upsampling keeps the normalised cells' values; bilinear stays the default") {
  const Map raw = map_of(2, 2, {-1, 2, 4, 6});
  const Map blocks = postprocess(raw, {4, 6}, Upsampling::nearest);
  const Map cells = normalized(raw);
  REQUIRE((blocks.height == 4 && blocks.width == 6));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) CHECK(blocks.at(y, x) == doctest::Approx(cells.at(y / 2, x / 3)).epsilon(1e-6));
  }
  CHECK(postprocess(raw, {4, 6}).values == postprocess(raw, {4, 6}, Upsampling::bilinear).values);
  CHECK(postprocess(raw, {4, 6}).values != blocks.values);
}

TEST_CASE("the pipeline upsamples with ExplainOptions::upsampling") {
  Model model = test::patch_model();
  const Tensor image = test::patch_image();
  std::unique_ptr<Method> method = make_method("grad-cam");
  ExplainOptions options;
  options.sizes = {{12, 12}};
  options.upsampling = Upsampling::nearest;
  const Explanation e = explain_target(model, image, *method, Target::of_class(0), options);
  CHECK(e.upsampled.at(0).values == postprocess(e.raw, {12, 12}, Upsampling::nearest).values);
}
