#pragma once
// Insertion (Petsiuk et al. 2018, RISE): starting from the input blurred, the most important
// pixels first get their original values back, `step` pixels at a time, until all have; a faithful
// map makes the class's probability rise fast, so a higher area under the curve is better.
#include <array>

#include "evaluate/deletion.h"
#include "evaluate/scoring.h"

namespace camlens::evaluate {

// The RISE authors' blur: gkern(11, 5), SciPy's gaussian_filter (sigma 5, truncated at 4 sigma,
// reflected edges) of an 11-tap impulse, so not a plain sampled Gaussian. This is one axis of it
// (the 2-D kernel is its outer product); it sums to 1.
std::array<double, 11> rise_kernel();

// `input` [N, H, W, C] blurred channel by channel with rise_kernel() and zero padding, as the
// authors' conv2d(x, kernel, padding = 5) does.
Tensor rise_blur(const Tensor& input);

// `map` at the input's size ranks the pixels (rank_pixels).
PixelCurve insertion_curve(VariantScorer& scorer, const explain::Map& map, const CurveOptions& options = {});

}  // namespace camlens::evaluate
