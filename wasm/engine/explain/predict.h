#pragma once
// A prediction without an explanation: one forward pass to the logits and probabilities.
#include "core/tensor.h"
#include "explain/pipeline.h"

namespace camlens::explain {

// The prediction for `input` ([1, ...model input]); a NonFiniteError when its values are not finite.
Prediction predict(Model& model, const Tensor& input);
// Throws NonFiniteError, naming the first layer whose output is not finite, unless the logits and
// probabilities of `prediction` (just read after a forward pass of `input`) are all finite.
void check_finite_prediction(Model& model, const Tensor& input, const Prediction& prediction);
// The prediction held by the model's graph after a forward pass that kept the logits and, when the
// model has one, its Softmax node: probabilities are the model's own, else the softmax of the logits.
Prediction read_prediction(const Model& model);

}  // namespace camlens::explain
