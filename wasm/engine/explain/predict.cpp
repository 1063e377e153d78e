#include "explain/predict.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "graph/non_finite.h"
#include "layers/softmax.h"

namespace camlens::explain {

Prediction predict(Model& model, const Tensor& input) {
  if (input.shape().rank() < 2 || input.shape()[0] != 1) {
    fail("predict: predicts one image at a time: the input must have batch 1, got ", input.shape().str());
  }
  std::vector<std::string> keep{model.logits};
  if (!model.probabilities.empty()) keep.push_back(model.probabilities);
  model.graph.forward(input, {.keep = std::move(keep)});
  Prediction prediction = read_prediction(model);
  check_finite_prediction(model, input, prediction);
  return prediction;
}

void check_finite_prediction(Model& model, const Tensor& input, const Prediction& prediction) {
  check_finite_result(model.graph, input, prediction.logits, model.logits);
  check_finite_result(model.graph, input, prediction.probabilities,
                      model.probabilities.empty() ? "softmax of " + model.logits : model.probabilities);
}

Prediction read_prediction(const Model& model) {
  Prediction prediction;
  const Tensor& logits = model.graph.activation(model.logits);
  prediction.logits.assign(logits.values().begin(), logits.values().end());
  if (model.probabilities.empty()) {
    Tensor probabilities(logits.shape());
    softmax_forward(probabilities, logits);
    prediction.probabilities.assign(probabilities.values().begin(), probabilities.values().end());
  } else {
    const Tensor& probabilities = model.graph.activation(model.probabilities);
    prediction.probabilities.assign(probabilities.values().begin(), probabilities.values().end());
  }
  prediction.ranking = rank_classes(prediction.probabilities);
  return prediction;
}

}  // namespace camlens::explain
