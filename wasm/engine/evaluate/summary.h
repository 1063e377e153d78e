#pragma once
// Metrics over many images: the mean of each with its 95% confidence interval, per method.
#include <span>
#include <string>
#include <vector>

#include "evaluate/evaluate.h"

namespace camlens::evaluate {

// A mean with its 95% confidence interval (Student's t on the sample's standard deviation).
struct Estimate {
  int count = 0;
  double mean = 0.0, low = 0.0, high = 0.0;  // low = high = mean for one value
};
Estimate mean_interval(std::span<const double> values);

// One method's (or baseline's) metrics over the images it was evaluated on; an estimate with
// count 0 was not asked for.
struct MethodSummary {
  std::string method;
  Estimate deletion_auc, insertion_auc;
  Estimate road_morf, road_lerf, road_combined;
  Estimate average_drop;  // of the confidence change, 0..1 (its interval cut to 0..1)
  Estimate increase;      // the share of images whose confidence rose, 0..1 (likewise)
};
MethodSummary summarise(const std::string& method, std::span<const MapEvaluation> evaluations);

// The mean of curves of one length, point by point (the curves of one model's input size).
std::vector<double> mean_curve(std::span<const std::vector<double>> curves);

}  // namespace camlens::evaluate
