#pragma once
// Insertion (Petsiuk et al. 2018, RISE): starting from the input blurred, the most important
// pixels first get their original values back, `step` pixels at a time, until all have; a faithful
// map makes the class's probability rise fast, so a higher area under the curve is better.
#include "evaluate/deletion.h"
#include "evaluate/scoring.h"

namespace camlens::evaluate {

// The RISE authors' blur kernel gkern(taps, sigma), by default gkern(11, 5): SciPy's
// gaussian_filter (truncated at 4 sigma, reflected edges) of a `taps`-long impulse, so not a plain
// sampled Gaussian. This is one axis of it (the 2-D kernel is its outer product); it sums to 1.
// taps: odd and positive; sigma: positive.
std::vector<double> rise_kernel(int taps = 11, double sigma = 5.0);

// `input` [N, H, W, C] blurred channel by channel with rise_kernel(taps, sigma) and zero padding,
// as the authors' conv2d(x, kernel, padding = taps / 2) does.
Tensor rise_blur(const Tensor& input, int taps = 11, double sigma = 5.0);

// `map` at the input's size ranks the pixels (rank_pixels).
PixelCurve insertion_curve(VariantScorer& scorer, const explain::Map& map, const CurveOptions& options = {});

}  // namespace camlens::evaluate
