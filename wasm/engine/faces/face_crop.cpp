#include "faces/face_crop.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace camlens {

CropBox face_crop_box(const Face& face, int image_width, int image_height, float scale) {
  if (image_width <= 0 || image_height <= 0) fail("face crop: the image is ", image_width, "x", image_height);
  if (!(scale > 0.0f && std::isfinite(scale))) fail("face crop: the scale ", scale, " must be a positive number");
  const float wanted = scale * std::max(face.width, face.height);
  const int side = std::clamp(static_cast<int>(std::lround(wanted)), 1, std::min(image_width, image_height));
  const float centre_x = face.x + face.width / 2, centre_y = face.y + face.height / 2;
  const int x = std::clamp(static_cast<int>(std::lround(centre_x - side / 2.0f)), 0, image_width - side);
  const int y = std::clamp(static_cast<int>(std::lround(centre_y - side / 2.0f)), 0, image_height - side);
  return {x, y, side, side};
}

nlohmann::json face_json(const Face& face) {
  nlohmann::json keypoints = nlohmann::json::array();
  for (const Point2& p : face.keypoints) keypoints.push_back({p.x, p.y});
  return {{"x", face.x},
          {"y", face.y},
          {"width", face.width},
          {"height", face.height},
          {"score", face.score},
          {"keypoints", keypoints}};
}

nlohmann::json faces_json(const std::vector<Face>& faces) {
  nlohmann::json list = nlohmann::json::array();
  for (const Face& face : faces) list.push_back(face_json(face));
  return list;
}

}  // namespace camlens
