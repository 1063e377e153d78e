#include "faces/face_crop.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace camlens;

TEST_CASE("face crop: a square 1.25 times the box's longer side, centred, moved inside the image") {
  Face face;
  face.x = 100, face.y = 50, face.width = 80, face.height = 60;  // centre (140, 80)
  CHECK(face_crop_box(face, 400, 300) == CropBox{90, 30, 100, 100});
  // Near the top-left corner: moved in, not cut.
  face.x = -10, face.y = -5;
  CHECK(face_crop_box(face, 400, 300) == CropBox{0, 0, 100, 100});
  // Larger than the image's short side: shrunk to it.
  face.x = 0, face.y = 0, face.width = 200, face.height = 200;
  CHECK(face_crop_box(face, 300, 120) == CropBox{40, 0, 120, 120});
}

TEST_CASE("face crop: faces as JSON, in the image's pixels, keypoints as pairs") {
  Face face{1.5f, 2, 3, 4, 0.9f, {}};
  face.keypoints[5] = {7, 8};
  const nlohmann::json written = faces_json({face});
  REQUIRE(written.size() == 1);
  CHECK(written[0]["x"] == 1.5);
  CHECK(written[0]["keypoints"].size() == 6);
  CHECK(written[0]["keypoints"][5] == nlohmann::json({7.0, 8.0}));
}
