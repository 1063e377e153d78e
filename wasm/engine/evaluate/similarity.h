#pragma once
// How alike two maps are, as the sanity checks (Adebayo et al. 2018) compare them: Spearman's rank
// correlation and the structural similarity index.
#include <span>

#include "explain/map.h"

namespace camlens::evaluate {

// Spearman's rank correlation of two equal-length value lists: Pearson's correlation of their ranks,
// equal values sharing their average rank (as scipy.stats.spearmanr); NaN when either is constant.
double spearman(std::span<const float> a, std::span<const float> b);

// The mean structural similarity (Wang et al. 2004) of two maps of one size, with scikit-image's
// defaults: 7x7 uniform windows, sample covariance, K1 = 0.01, K2 = 0.03, averaged over the windows
// wholly inside the map. data_range: the values' span (1 for the pipeline's normalised maps).
double ssim(const explain::Map& a, const explain::Map& b, double data_range = 1.0);

}  // namespace camlens::evaluate
