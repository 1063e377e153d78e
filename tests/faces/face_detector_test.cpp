#include "faces/face_detector.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "image/decode.h"
#include "image/preprocess.h"

using namespace camlens;

namespace {

FaceDetector& blazeface() {
  static FaceDetector detector = FaceDetector::from_folder("models/blazeface");
  return detector;
}

// The front-camera model (128x128, short range), which the page runs on webcam frames.
FaceDetector& blazeface_front() {
  static FaceDetector detector = FaceDetector::from_folder("models/blazeface-front");
  return detector;
}

float intersection_over_union(const Face& a, const Face& b) {
  const float width = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const float height = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const float both = width * height;
  return both / (a.width * a.height + b.width * b.height - both);
}

// `face` pasted twice side by side on a gray canvas, with a margin around each.
Image two_faces(const Image& face) {
  const int margin = face.width() / 2;
  Image canvas(2 * face.width() + 3 * margin, face.height() + 2 * margin, face.channels());
  std::fill(canvas.data(), canvas.data() + canvas.size(), std::uint8_t{128});
  for (int copy = 0; copy < 2; ++copy) {
    const int left = margin + copy * (face.width() + margin);
    for (int y = 0; y < face.height(); ++y) {
      std::memcpy(canvas.pixel(left, margin + y), face.pixel(0, y), face.row_size());
    }
  }
  return canvas;
}

}  // namespace

TEST_CASE("face detector: the astronaut photo has one face, around her head") {
  const Image photo = decode_image_file("web/samples/astronaut.jpg");
  const std::vector<Face> faces = blazeface().detect(photo);
  REQUIRE(faces.size() == 1);
  const Face& face = faces[0];
  CAPTURE(face.x);
  CAPTURE(face.y);
  CAPTURE(face.width);
  CAPTURE(face.height);
  CHECK(face.score > 0.8f);
  // Her face is about x 158..298, y 48..188 in the 512x512 photo: the box's centre lies inside it
  // and its size is a face's, not the photo's.
  const float scale = photo.width() / 512.0f;
  CHECK(face.x + face.width / 2 == doctest::Approx(228 * scale).epsilon(0.1));
  CHECK(face.y + face.height / 2 == doctest::Approx(118 * scale).epsilon(0.15));
  CHECK(face.width > 70 * scale);
  CHECK(face.width < 200 * scale);
  // The keypoints lie inside the box: eyes above the mouth.
  for (const Point2& p : face.keypoints) {
    CHECK(p.x >= face.x - face.width * 0.2f);
    CHECK(p.x <= face.x + face.width * 1.2f);
  }
  CHECK(face.keypoints[0].y < face.keypoints[3].y);
}

TEST_CASE("face detector: two copies of a face side by side are two faces, in the image's pixels") {
  const Image photo = decode_image_file("web/samples/astronaut.jpg");
  const float scale = photo.width() / 512.0f;
  const int side = static_cast<int>(180 * scale);
  const Image face = crop_image(photo, CropBox{static_cast<int>(138 * scale), static_cast<int>(30 * scale), side, side});
  const Image pair = two_faces(face);
  std::vector<Face> faces = blazeface().detect(pair);
  REQUIRE(faces.size() == 2);
  std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.x < b.x; });
  const float margin = face.width() / 2.0f;
  // Each box sits on its own copy, at the same place within it (the canvas is wider than tall:
  // the letterbox must be undone correctly for both).
  CHECK(faces[0].x + faces[0].width / 2 > margin);
  CHECK(faces[0].x + faces[0].width / 2 < margin + face.width());
  CHECK(faces[1].x - faces[0].x == doctest::Approx(face.width() + margin).epsilon(0.03));
  CHECK(faces[1].y == doctest::Approx(faces[0].y).epsilon(0.05));
  CHECK(faces[0].y > margin - 0.2f * face.height());
}

TEST_CASE("face detector: the front-camera model finds the astronaut's face where the back-camera model does") {
  const Image photo = decode_image_file("web/samples/astronaut.jpg");
  const std::vector<Face> front = blazeface_front().detect(photo);
  const std::vector<Face> back = blazeface().detect(photo);
  REQUIRE(front.size() == 1);
  REQUIRE(back.size() == 1);
  CAPTURE(front[0].x);
  CAPTURE(front[0].y);
  CAPTURE(front[0].width);
  CHECK(front[0].score > 0.8f);
  CHECK(intersection_over_union(front[0], back[0]) > 0.5f);
  CHECK(front[0].keypoints[0].y < front[0].keypoints[3].y);
}

TEST_CASE("face detector: the cat has no face") {
  const Image cat = decode_image_file("web/samples/chelsea.jpg");
  CHECK(blazeface().detect(cat).empty());
}

TEST_CASE("face detector: a classifier is refused with what BlazeFace needs") {
  CHECK_THROWS_WITH_AS(FaceDetector::from_folder("models/emotion"), doctest::Contains("face detector: the model's input is [64, 64, 1]"),
                       Error);
}
