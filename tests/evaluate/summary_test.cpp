// Metrics over many images: the mean and its 95% interval worked by hand, mean curves, and the
// per-method summary reading only the metrics that were run.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "evaluate/summary.h"

using namespace camlens::evaluate;

TEST_CASE("summary: the mean with Student's t interval, worked by hand") {
  const std::vector<double> values{1.0, 2.0, 3.0};  // mean 2, standard deviation 1, t(2) = 4.303
  const Estimate e = mean_interval(values);
  CHECK(e.count == 3);
  CHECK(e.mean == doctest::Approx(2.0));
  CHECK(e.high - e.mean == doctest::Approx(4.303 / std::sqrt(3.0)));
  CHECK(e.mean - e.low == doctest::Approx(4.303 / std::sqrt(3.0)));
  const std::vector<double> one{0.4};
  const Estimate single = mean_interval(one);
  CHECK((single.low == 0.4 && single.high == 0.4));
  CHECK(mean_interval(std::vector<double>{}).count == 0);
  std::vector<double> many(100, 1.0);  // past 30 degrees of freedom: 1.96
  many[0] = 0.0;
  const Estimate large = mean_interval(many);
  const double sd = std::sqrt((0.99 * 0.99 + 99 * 0.01 * 0.01) / 99);
  CHECK(large.high - large.mean == doctest::Approx(1.96 * sd / 10));
}

TEST_CASE("summary: curves averaged point by point; a method's summary reads only what was run") {
  const std::vector<std::vector<double>> curves{{1.0, 0.5, 0.0}, {0.8, 0.3, 0.2}};
  CHECK(mean_curve(curves) == std::vector<double>{0.9, 0.4, 0.1});
  const std::vector<std::vector<double>> ragged{{1.0, 0.5}, {0.8}};
  CHECK_THROWS_WITH(mean_curve(ragged), doctest::Contains("cannot be averaged"));

  MapEvaluation a, b;
  a.deletion = PixelCurve{.step = 1, .changed = {0, 1}, .scores = {1.0, 0.0}, .auc = 0.5};
  b.deletion = PixelCurve{.step = 1, .changed = {0, 1}, .scores = {1.0, 0.5}, .auc = 0.75};
  a.confidence = ConfidenceChange{.before = 0.5, .after = 0.6, .change = 0.1, .drop = 0.0, .increase = true};
  b.confidence = ConfidenceChange{.before = 0.5, .after = 0.25, .change = -0.25, .drop = 0.5, .increase = false};
  const std::vector<MapEvaluation> both{a, b};
  const MethodSummary s = summarise("grad-cam", both);
  CHECK(s.deletion_auc.mean == doctest::Approx(0.625));
  CHECK(s.average_drop.mean == doctest::Approx(0.25));
  CHECK(s.increase.mean == doctest::Approx(0.5));
  CHECK(s.increase.low == 0.0);  // 0.5 -/+ 12.706 * 0.5: cut to the share's range
  CHECK(s.increase.high == 1.0);
  CHECK(s.insertion_auc.count == 0);
  CHECK(s.road_combined.count == 0);
}
