#pragma once
// A prediction without an explanation: one forward pass to the logits and probabilities.
#include "core/tensor.h"
#include "explain/pipeline.h"

namespace camlens::explain {

// The prediction for `input` ([1, ...model input]).
Prediction predict(Model& model, const Tensor& input);
// The prediction held by the model's graph after a forward pass that kept the logits and, when the
// model has one, its Softmax node: probabilities are the model's own, else the softmax of the logits.
Prediction read_prediction(const Model& model);

}  // namespace camlens::explain
