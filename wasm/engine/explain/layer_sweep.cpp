#include "explain/layer_sweep.h"

#include "core/error.h"
#include "explain/run.h"

namespace camlens::explain {

std::vector<Explanation> explain_layer_sweep(Model& model, const Tensor& input, Method& method, Target target,
                                             const ExplainOptions& options) {
  const Requirements needs = method.requirements();
  if (!needs.layer) {
    fail("explain: the layer sweep needs a layer method (Grad-CAM...); '", method.name(), "' works at the input");
  }
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  const std::vector<std::string> layers = spatial_layers_feeding(nodes, model.logits);
  if (layers.empty()) fail("explain: the model has no spatial layer before its logits '", model.logits, "' to sweep");

  Run run(model, input, options, static_cast<int>(layers.size()));
  run.forward(needs.gradients ? activations_for_backward(nodes, model.input(), model.logits) : layers);
  const int target_class = run.resolve(target);
  std::vector<Tensor> activations, gradients;
  for (const std::string& layer : layers) activations.push_back(model.graph.activation(layer).clone());
  run.report("forward", 0.0);
  if (needs.gradients) {
    const NamedTensors grads = run.backward(target_class, model.input(), layers, needs.relu, /*shared=*/true);
    for (const std::string& layer : layers) gradients.push_back(grads.at(layer).clone());
  }

  std::vector<Explanation> explanations;
  for (size_t i = 0; i < layers.size(); ++i) {
    run.begin_unit(static_cast<int>(i));
    ExplainContext context(run, layers[i], target_class, activations[i], needs.gradients ? &gradients[i] : nullptr);
    explanations.push_back(run.finish(method, context));
  }
  return explanations;
}

}  // namespace camlens::explain
