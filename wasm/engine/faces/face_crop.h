#pragma once
// From faces found to the box a face model sees, and faces as the result schema writes them.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "faces/face_detector.h"
#include "image/preprocess.h"

namespace camlens {

// How much wider than BlazeFace's box the crop is: its box stops at the brows and the chin, and
// FER-2013's faces (the emotion model's) are cropped with the forehead and some hair.
inline constexpr float kFaceCropScale = 1.25f;

// A square centred on the face, kFaceCropScale times its box's longer side, moved inside the image
// (and shrunk to the image's shorter side when it is larger).
CropBox face_crop_box(const Face& face, int image_width, int image_height);

// {"x", "y", "width", "height", "score", "keypoints": [[x, y] x 6]}, in the image's pixels.
nlohmann::json face_json(const Face& face);
nlohmann::json faces_json(const std::vector<Face>& faces);

}  // namespace camlens
