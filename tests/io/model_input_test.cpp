#include "io/model_input.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace camlens;

namespace {

bool same_box(const CropBox& a, const CropBox& b) {
  return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height;
}

}  // namespace

TEST_CASE("default crop box: full, the largest centred square, fractions rounded inside the image") {
  CHECK(same_box(default_crop_box({.mode = CropMode::full}, 300, 200), {0, 0, 300, 200}));
  CHECK(same_box(default_crop_box({.mode = CropMode::center}, 300, 200), {50, 0, 200, 200}));
  CHECK(same_box(default_crop_box({.mode = CropMode::center}, 201, 300), {0, 49, 201, 201}));
  CHECK(same_box(default_crop_box({.mode = CropMode::center}, 7, 7), {0, 0, 7, 7}));
  CHECK(same_box(default_crop_box({.mode = CropMode::center}, 6, 1), {2, 0, 1, 1}));  // the odd pixel: right
  // torchvision's Resize(256) + CenterCrop(224) on a 512 x 384 photo: a 336-pixel square (0.875 * 384).
  CHECK(same_box(default_crop_box({.mode = CropMode::center, .center_fraction = 0.875f}, 512, 384), {88, 24, 336, 336}));
  CHECK(same_box(default_crop_box({.mode = CropMode::center, .center_fraction = 0.001f}, 5, 9), {2, 4, 1, 1}));
  CHECK(same_box(default_crop_box({.mode = CropMode::face}, 300, 200), {50, 0, 200, 200}));  // no face known yet
  // 0.1 * 300 = 30, 0.8 * 300 = 240; 0.25 * 200 = 50, 0.5 * 200 = 100.
  CHECK(same_box(default_crop_box({CropMode::box, 0.1f, 0.25f, 0.8f, 0.5f}, 300, 200), {30, 50, 240, 100}));
  // A sliver rounds to one pixel; a box reaching the edge stays inside after rounding.
  CHECK(same_box(default_crop_box({CropMode::box, 0.0f, 0.0f, 0.001f, 0.001f}, 10, 10), {0, 0, 1, 1}));
  CHECK(same_box(default_crop_box({CropMode::box, 0.35f, 0.95f, 0.65f, 0.05f}, 3, 10), {1, 9, 2, 1}));
  CHECK_THROWS_WITH_AS(default_crop_box({}, 0, 5), doctest::Contains("the image is 0x5"), Error);
}

TEST_CASE("preprocess spec: every input field of the metadata, and the crop") {
  ModelMetadata m;
  m.input_height = 64;
  m.input_width = 48;
  m.color = InputColor::gray;
  m.gray_weights = {0.25f, 0.5f, 0.25f};
  m.scale = 2.0f;
  m.offset = -1.0f;
  PreprocessSpec spec = preprocess_spec(m, {3, 4, 50, 60});
  CHECK(spec.width == 48);
  CHECK(spec.height == 64);
  CHECK(spec.color == ColorMode::gray);
  CHECK(spec.gray_weights == m.gray_weights);
  CHECK(spec.scaling == ValueScaling::scale_offset);
  CHECK(spec.scale == 2.0f);
  CHECK(spec.offset == -1.0f);
  REQUIRE(spec.crop.has_value());
  CHECK(same_box(*spec.crop, {3, 4, 50, 60}));

  m.color = InputColor::rgb;
  m.scaling = InputScaling::mean_std;
  m.mean = {0.485f, 0.456f, 0.406f};
  m.std = {0.229f, 0.224f, 0.225f};
  spec = preprocess_spec(m, {0, 0, 1, 1});
  CHECK(spec.color == ColorMode::rgb);
  CHECK(spec.scaling == ValueScaling::mean_std);
  CHECK(spec.mean == m.mean);
  CHECK(spec.std == m.std);
}
