#include "evaluate/similarity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/error.h"

namespace camlens::evaluate {

namespace {

// 1-based ranks, ties sharing their average.
std::vector<double> average_ranks(std::span<const float> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double spearman(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size() || a.size() < 2) {
    fail("evaluate: Spearman's correlation needs two lists of one length, at least 2, got ", a.size(), " and ", b.size());
  }
  const std::vector<double> ra = average_ranks(a), rb = average_ranks(b);
  const double mean = (static_cast<double>(a.size()) + 1.0) / 2.0;  // of ranks 1..n, ties or not
  double covariance = 0.0, va = 0.0, vb = 0.0;
  for (size_t i = 0; i < ra.size(); ++i) {
    covariance += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (va == 0.0 || vb == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return covariance / std::sqrt(va * vb);
}

double ssim(const explain::Map& a, const explain::Map& b, double data_range) {
  constexpr int kWindow = 7;
  if (a.height != b.height || a.width != b.width) {
    fail("evaluate: SSIM compares maps of one size, got ", a.height, " x ", a.width, " and ", b.height, " x ", b.width);
  }
  if (a.height < kWindow || a.width < kWindow) {
    fail("evaluate: SSIM needs maps of at least 7 x 7 (its window), got ", a.height, " x ", a.width);
  }
  const double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
  constexpr double kPoints = kWindow * kWindow;
  const double sample = kPoints / (kPoints - 1.0);
  double total = 0.0;
  int windows = 0;
  for (int y = 0; y + kWindow <= a.height; ++y) {
    for (int x = 0; x + kWindow <= a.width; ++x) {
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (int dy = 0; dy < kWindow; ++dy) {
        for (int dx = 0; dx < kWindow; ++dx) {
          const double va = a.at(y + dy, x + dx), vb = b.at(y + dy, x + dx);
          sa += va, sb += vb, saa += va * va, sbb += vb * vb, sab += va * vb;
        }
      }
      const double ma = sa / kPoints, mb = sb / kPoints;
      const double var_a = sample * (saa / kPoints - ma * ma), var_b = sample * (sbb / kPoints - mb * mb);
      const double cov = sample * (sab / kPoints - ma * mb);
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (var_a + var_b + c2));
      ++windows;
    }
  }
  return total / windows;
}

}  // namespace camlens::evaluate
