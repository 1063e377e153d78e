#include "evaluate/summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace camlens::evaluate {

namespace {

// Student's t at 0.975 for 1..30 degrees of freedom; past 30 the normal's 1.96 is within 2%.
double t_975(int degrees) {
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  return degrees <= 30 ? kTable[degrees - 1] : 1.96;
}

// A share's interval cut to 0..1: Student's t knows nothing of the bounds.
Estimate within_unit(Estimate e) {
  e.low = std::max(0.0, e.low);
  e.high = std::min(1.0, e.high);
  return e;
}

}  // namespace

Estimate mean_interval(std::span<const double> values) {
  Estimate e;
  e.count = static_cast<int>(values.size());
  if (values.empty()) return e;
  e.mean = std::accumulate(values.begin(), values.end(), 0.0) / e.count;
  e.low = e.high = e.mean;
  if (e.count < 2) return e;
  double squares = 0.0;
  for (double v : values) squares += (v - e.mean) * (v - e.mean);
  const double half = t_975(e.count - 1) * std::sqrt(squares / (e.count - 1) / e.count);
  e.low = e.mean - half;
  e.high = e.mean + half;
  return e;
}

MethodSummary summarise(const std::string& method, std::span<const MapEvaluation> evaluations) {
  std::vector<double> deletion, insertion, morf, lerf, combined, drop, increase;
  for (const MapEvaluation& e : evaluations) {
    if (e.deletion) deletion.push_back(e.deletion->auc);
    if (e.insertion) insertion.push_back(e.insertion->auc);
    if (e.road) {
      morf.push_back(e.road->morf_mean);
      lerf.push_back(e.road->lerf_mean);
      combined.push_back(e.road->combined);
    }
    if (e.confidence) {
      drop.push_back(e.confidence->drop);
      increase.push_back(e.confidence->increase ? 1.0 : 0.0);
    }
  }
  return {method,
          mean_interval(deletion),
          mean_interval(insertion),
          mean_interval(morf),
          mean_interval(lerf),
          mean_interval(combined),
          within_unit(mean_interval(drop)),
          within_unit(mean_interval(increase))};
}

std::vector<double> mean_curve(std::span<const std::vector<double>> curves) {
  if (curves.empty()) return {};
  std::vector<double> mean(curves.front().size(), 0.0);
  for (const std::vector<double>& curve : curves) {
    if (curve.size() != mean.size()) fail("evaluate: curves of ", mean.size(), " and ", curve.size(), " points cannot be averaged");
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += curve[i] / static_cast<double>(curves.size());
  }
  return mean;
}

}  // namespace camlens::evaluate
