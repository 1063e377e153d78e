#pragma once
// Small hand-built models for the explanation tests (tests/explain/).
#include "core/tensor.h"
#include "io/model.h"
#include "support/gradcheck.h"

namespace camlens::test {

// A Model around `graph`: labels and the rest of the metadata derived from the graph.
Model make_model(Graph graph, const std::string& logits, const std::string& probabilities);

// Input 12x12x1 -> "features" conv 3x3 stride 2 SAME + ReLU, 2 channels [6, 6, 2] -> "gap" ->
// "logits" Dense 2 -> "probs" Softmax. Channel 0 detects bright 3x3 neighbourhoods
// (relu(4 * mean - 2)), channel 1 dim ones (relu(0.3 - mean)); class 0's logit is
// 2 * mean(ch0) - mean(ch1) + 0.5, class 1's the opposite: only bright regions speak for class 0,
// and the bright detector is also the layer's strongest activation (for EigenCAM).
Model patch_model();
// The image patch_model explains: background 0.1 with a 4x4 bright patch (1.0) at the top left.
Tensor patch_image();

// input 8x8x3 -> conv 3x3 s2 SAME relu (4) -> depthwise 3x3 -> maxpool s2 / 1x1 s2 shortcut ->
// add -> "conv2" 3x3 (3 channels) [2, 2, 3] -> "gap" -> "logits" Dense 3 -> "probs": random weights.
Model residual_model(Rng& rng);

// input 6x6x1 -> "conv" 3x3 VALID (2) -> "flat" Flatten -> "logits" Dense 3: no global average pool.
Model flatten_model(Rng& rng);

}  // namespace camlens::test
