#pragma once
// Confidence change (Chattopadhay et al. 2018, Grad-CAM++): the class's probability on the input
// multiplied by the map (in the model's input tensor, as pytorch-grad-cam's
// CamMultImageConfidenceChange does) against its probability on the input. Over many images, the
// average drop is the mean of max(0, before - after) / before, and the increase in confidence the
// share of images where after > before.
#include "evaluate/scoring.h"

namespace camlens::evaluate {

struct ConfidenceChange {
  double before = 0.0, after = 0.0;
  double change = 0.0;  // after - before
  double drop = 0.0;    // max(0, before - after) / before: 0 (kept) .. 1 (lost)
  bool increase = false;
};

// `map` at the input's size, values in 0..1 (the pipeline's normalised maps).
ConfidenceChange confidence_change(VariantScorer& scorer, const explain::Map& map);

}  // namespace camlens::evaluate
