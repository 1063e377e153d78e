#pragma once
// A hand-built model for the faithfulness metric tests (tests/evaluate/).
#include "core/tensor.h"
#include "io/model.h"

namespace camlens::test {

// corner_model's features (a 3x3 mean minus 0.1, ReLU, over a 16x16x1 input) read through its
// top-left 4x4 corner only, so pixels outside the top-left 5x5 never matter; but class 0's logit is
// the sum of those 16 features plus `bias` (class 1's is 0), so that a bias near minus that sum keeps
// the probability off saturation, where removing pixels shows.
Model region_model(float bias);

}  // namespace camlens::test
