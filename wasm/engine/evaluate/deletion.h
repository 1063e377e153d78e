#pragma once
// Deletion (Petsiuk et al. 2018, RISE): the most important pixels first are set to 0.0 in the
// model's input tensor, `step` pixels at a time, until none is left; a faithful map makes the
// class's probability fall fast, so a lower area under the curve is better.
#include "evaluate/scoring.h"

namespace camlens::evaluate {

// The defaults are the RISE authors' evaluation's.
struct CurveOptions {
  int step = 0;                 // pixels per step; 0: the input's width
  double deletion_value = 0.0;  // what a deleted pixel becomes, in the model's input values
  int blur_taps = 11;           // insertion's starting blur (insertion.h)
  double blur_sigma = 5.0;
};

// `map` at the input's size ranks the pixels (rank_pixels).
PixelCurve deletion_curve(VariantScorer& scorer, const explain::Map& map, const CurveOptions& options = {});

// The step a curve takes: options.step, or the input's width.
int curve_step(const CurveOptions& options, const Tensor& input);

}  // namespace camlens::evaluate
