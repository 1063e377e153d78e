#pragma once
// Weighted non-maximum suppression as MediaPipe's NonMaxSuppressionCalculator does it for face
// detection: take the best remaining detection, gather every remaining one that overlaps it by more
// than the threshold (itself included), and replace the group by its score-weighted mean box and
// keypoints, keeping the best one's score. Averaging the group steadies the box, which plain
// suppression (keep the best, drop the rest) does not.
#include <array>
#include <vector>

namespace camlens {

struct Point2 {
  float x = 0.0f;
  float y = 0.0f;
};

// A detection in any one coordinate frame: a box by its corners, a score, six keypoints (BlazeFace's:
// right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion, as the person sees them).
struct Detection {
  float x_min = 0.0f, y_min = 0.0f, x_max = 0.0f, y_max = 0.0f;
  float score = 0.0f;
  std::array<Point2, 6> keypoints{};
};

// Intersection over union of two boxes; 0 when either has no area.
float intersection_over_union(const Detection& a, const Detection& b);

// The merged detections, best score first.
std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, float iou_threshold);

}  // namespace camlens
