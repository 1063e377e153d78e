#pragma once
// From a model's metadata (io/metadata.h) to what image/preprocess.h takes: which box of a photo
// the model looks at, and how that box becomes the model's input. The CLI and the page both start
// here, so a photo gives the same input in both.
#include "image/preprocess.h"
#include "io/metadata.h"

namespace camlens {

// The box, in pixels of a width x height image, that the metadata's crop names:
//   full    the whole image;
//   center  the centred square of center_fraction times the shorter side (1: the largest), rounded to
//           whole pixels (the odd pixel, if any, stays on the right / bottom);
//   box     fractions of the width and height, rounded to whole pixels and kept inside the image.
CropBox default_crop_box(const DefaultCrop& crop, int image_width, int image_height);

// The model's input size, colour, gray weights and scaling from `metadata`, cropping `crop`.
PreprocessSpec preprocess_spec(const ModelMetadata& metadata, const CropBox& crop);

}  // namespace camlens
