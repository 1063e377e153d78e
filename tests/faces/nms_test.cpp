#include "faces/nms.h"

#include <doctest/doctest.h>

using namespace camlens;

namespace {

Detection box(float x_min, float y_min, float x_max, float y_max, float score, float keypoint_x = 0.0f) {
  Detection d{x_min, y_min, x_max, y_max, score, {}};
  d.keypoints[0] = {keypoint_x, 0.0f};
  return d;
}

}  // namespace

TEST_CASE("intersection over union: hand-worked overlaps, and none for boxes without area") {
  CHECK(intersection_over_union(box(0, 0, 2, 2, 1), box(1, 0, 3, 2, 1)) == doctest::Approx(2.0 / 6.0));
  CHECK(intersection_over_union(box(0, 0, 1, 1, 1), box(2, 2, 3, 3, 1)) == 0.0f);
  CHECK(intersection_over_union(box(0, 0, 0, 1, 1), box(0, 0, 0, 1, 1)) == 0.0f);
}

TEST_CASE("weighted NMS merges an overlapping group into its score-weighted mean, keeps the best score, best first") {
  // Two overlapping boxes (IoU 0.6) with scores 0.9 and 0.6, and one far away with 0.7.
  const std::vector<Detection> merged = weighted_non_max_suppression(
      {box(1, 0, 6, 5, 0.6f, 4), box(10, 10, 12, 12, 0.7f, 9), box(0, 0, 5, 5, 0.9f, 2)}, 0.3f);
  REQUIRE(merged.size() == 2);
  CHECK(merged[0].score == doctest::Approx(0.9));
  CHECK(merged[0].x_min == doctest::Approx((0 * 0.9 + 1 * 0.6) / 1.5));
  CHECK(merged[0].x_max == doctest::Approx((5 * 0.9 + 6 * 0.6) / 1.5));
  CHECK(merged[0].y_max == doctest::Approx(5.0));
  CHECK(merged[0].keypoints[0].x == doctest::Approx((2 * 0.9 + 4 * 0.6) / 1.5));
  CHECK(merged[1].score == doctest::Approx(0.7));
  CHECK(merged[1].x_min == doctest::Approx(10.0));
  // Above the threshold, nothing merges.
  CHECK(weighted_non_max_suppression({box(1, 0, 6, 5, 0.6f), box(0, 0, 5, 5, 0.9f)}, 0.7f).size() == 2);
}
