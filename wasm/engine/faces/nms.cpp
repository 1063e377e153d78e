#include "faces/nms.h"

#include <algorithm>

namespace camlens {

float intersection_over_union(const Detection& a, const Detection& b) {
  const float area_a = std::max(0.0f, a.x_max - a.x_min) * std::max(0.0f, a.y_max - a.y_min);
  const float area_b = std::max(0.0f, b.x_max - b.x_min) * std::max(0.0f, b.y_max - b.y_min);
  if (area_a <= 0.0f || area_b <= 0.0f) return 0.0f;
  const float width = std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min);
  const float height = std::min(a.y_max, b.y_max) - std::max(a.y_min, b.y_min);
  if (width <= 0.0f || height <= 0.0f) return 0.0f;
  const float intersection = width * height;
  return intersection / (area_a + area_b - intersection);
}

std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, float iou_threshold) {
  // Stable: equal scores keep the model's anchor order, so the result does not depend on the sort.
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> merged;
  std::vector<Detection> remaining;
  while (!detections.empty()) {
    const Detection best = detections.front();
    Detection sum;
    float total = 0.0f;
    remaining.clear();
    for (const Detection& candidate : detections) {
      if (intersection_over_union(best, candidate) <= iou_threshold && &candidate != &detections.front()) {
        remaining.push_back(candidate);
        continue;
      }
      total += candidate.score;
      sum.x_min += candidate.x_min * candidate.score;
      sum.y_min += candidate.y_min * candidate.score;
      sum.x_max += candidate.x_max * candidate.score;
      sum.y_max += candidate.y_max * candidate.score;
      for (size_t k = 0; k < sum.keypoints.size(); ++k) {
        sum.keypoints[k].x += candidate.keypoints[k].x * candidate.score;
        sum.keypoints[k].y += candidate.keypoints[k].y * candidate.score;
      }
    }
    Detection mean = best;
    if (total > 0.0f) {
      mean.x_min = sum.x_min / total;
      mean.y_min = sum.y_min / total;
      mean.x_max = sum.x_max / total;
      mean.y_max = sum.y_max / total;
      for (size_t k = 0; k < mean.keypoints.size(); ++k) mean.keypoints[k] = {sum.keypoints[k].x / total, sum.keypoints[k].y / total};
    }
    merged.push_back(mean);
    detections.swap(remaining);
  }
  return merged;
}

}  // namespace camlens
