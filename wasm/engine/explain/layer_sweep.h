#pragma once
// Layer sweep: one map per spatial layer feeding the logits, from ONE forward and ONE backward
// pass (from the logits to the input, keeping the gradient of every spatial layer). Grad-CAM is
// the usual method; any layer method that applies at every layer works (CAM does not: it only
// applies at the layer its global average pool reads).
#include <vector>

#include "explain/pipeline.h"

namespace camlens::explain {

// One explanation per spatial layer, in graph order (input side first).
std::vector<Explanation> explain_layer_sweep(Model& model, const Tensor& input, Method& method, Target target = {},
                                             const ExplainOptions& options = {});

}  // namespace camlens::explain
