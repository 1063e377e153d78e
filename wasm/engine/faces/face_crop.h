#pragma once
// From faces found to the box a face model sees, and faces as the result schema writes them.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "faces/face_detector.h"
#include "image/preprocess.h"
#include "io/metadata.h"

namespace camlens {

// A square centred on the face, `scale` times its box's longer side (a model's metadata says how
// much: io/metadata.h), moved inside the image (and shrunk to the image's shorter side when larger).
CropBox face_crop_box(const Face& face, int image_width, int image_height, float scale = kFaceCropScale);

// {"x", "y", "width", "height", "score", "keypoints": [[x, y] x 6]}, in the image's pixels.
nlohmann::json face_json(const Face& face);
nlohmann::json faces_json(const std::vector<Face>& faces);

}  // namespace camlens
