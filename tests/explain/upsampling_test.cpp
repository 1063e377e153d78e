// Nearest-neighbour upsampling: the page's "raw cells" view of a map (ExplainOptions::upsampling).
#include <doctest/doctest.h>

#include <algorithm>
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

// ReLU, then (v - min) / (max - min) with the maps' 1e-7 guard, written out here.
std::vector<float> relu_min_max(std::vector<float> values) {
  for (float& v : values) v = std::max(v, 0.0f);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const float low = *lo, range = *hi - *lo + 1e-7f;
  for (float& v : values) v = (v - low) / range;
  return values;
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
  // ReLU gives 0 2 / 4 6; divided by 6: 0, 1/3 / 2/3, 1. Each cell covers 2 rows and 3 columns.
  const float cells[2][2] = {{0.0f, 1.0f / 3}, {2.0f / 3, 1.0f}};
  REQUIRE((blocks.height == 4 && blocks.width == 6));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) CHECK(blocks.at(y, x) == doctest::Approx(cells[y / 2][x / 3]).epsilon(1e-6));
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
  // The 6x6 raw map, normalised, each cell a 2x2 block of the 12x12 map, normalised again.
  REQUIRE((e.raw.height == 6 && e.raw.width == 6));
  const std::vector<float> cells = relu_min_max(e.raw.values);
  std::vector<float> blocks;
  for (int y = 0; y < 12; ++y) {
    for (int x = 0; x < 12; ++x) blocks.push_back(cells[(y / 2) * 6 + x / 2]);
  }
  const std::vector<float> expected = relu_min_max(blocks);
  const Map& upsampled = e.upsampled.at(0);
  REQUIRE(upsampled.values.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(upsampled.values[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  }
}
