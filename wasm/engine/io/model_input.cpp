#include "io/model_input.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace camlens {

namespace {

// [start, start + length) in pixels of `size` from fractions, at least one pixel, inside [0, size).
std::pair<int, int> pixel_span(float start_fraction, float length_fraction, int size) {
  const int start = std::clamp(static_cast<int>(std::lround(start_fraction * size)), 0, size - 1);
  const int length = std::clamp(static_cast<int>(std::lround(length_fraction * size)), 1, size - start);
  return {start, length};
}

}  // namespace

CropBox default_crop_box(const DefaultCrop& crop, int image_width, int image_height) {
  if (image_width <= 0 || image_height <= 0) {
    fail("default_crop_box: the image is ", image_width, "x", image_height, "; it needs a positive width and height");
  }
  switch (crop.mode) {
    case CropMode::full: return {0, 0, image_width, image_height};
    case CropMode::center:
    case CropMode::face: {  // before a detector has found a face (faces/face_crop.h), the centre square
      const int shorter = std::min(image_width, image_height);
      const int side = std::clamp(static_cast<int>(std::lround(crop.center_fraction * shorter)), 1, shorter);
      return {(image_width - side) / 2, (image_height - side) / 2, side, side};
    }
    case CropMode::box: {
      const auto [x, width] = pixel_span(crop.x, crop.width, image_width);
      const auto [y, height] = pixel_span(crop.y, crop.height, image_height);
      return {x, y, width, height};
    }
  }
  fail("default_crop_box: unknown crop mode ", static_cast<int>(crop.mode));
}

PreprocessSpec preprocess_spec(const ModelMetadata& metadata, const CropBox& crop) {
  PreprocessSpec spec;
  spec.width = metadata.input_width;
  spec.height = metadata.input_height;
  spec.color = metadata.color == InputColor::gray ? ColorMode::gray
                : metadata.color == InputColor::bgr ? ColorMode::bgr
                                                    : ColorMode::rgb;
  spec.gray_weights = metadata.gray_weights;
  spec.scaling = metadata.scaling == InputScaling::scale_offset ? ValueScaling::scale_offset : ValueScaling::mean_std;
  spec.scale = metadata.scale;
  spec.offset = metadata.offset;
  spec.mean = metadata.mean;
  spec.std = metadata.std;
  spec.crop = crop;
  return spec;
}

}  // namespace camlens
