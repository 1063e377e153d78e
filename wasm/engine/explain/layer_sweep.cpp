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
  const std::vector<std::string> layers = GraphPaths(model.graph.nodes()).spatial_layers_feeding(model.logits);
  if (layers.empty()) fail("explain: the model has no spatial layer before its logits '", model.logits, "' to sweep");

  Run run(model, input, options, static_cast<int>(layers.size()));
  if (needs.gradients) run.plan_backward(needs.relu, model.input(), layers);
  run.forward(layers);
  const int target_class = run.resolve(target);
  std::vector<Tensor> activations;
  for (const std::string& layer : layers) activations.push_back(model.graph.activation(layer).clone());
  run.report("forward", 0.0);

  std::vector<Explanation> explanations;
  for (size_t i = 0; i < layers.size(); ++i) {
    run.begin_unit(static_cast<int>(i));
    const Tensor* gradients = needs.gradients ? &run.gradients(target_class, needs.relu, layers[i]) : nullptr;
    ExplainContext context(run, layers[i], target_class, activations[i], gradients);
    explanations.push_back(run.finish(method, context));
  }
  return explanations;
}

}  // namespace camlens::explain
