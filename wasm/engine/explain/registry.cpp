#include "explain/registry.h"

#include <string>

#include "core/error.h"
#include "explain/methods/methods.h"
#include "explain/pipeline.h"
#include "explain/run.h"
#include "io/model.h"

namespace camlens::explain {

namespace {

// name, title, description, slow, factory
const MethodInfo kMethods[] = {
    {"cam", "CAM",
     "CAM: channels weighted by the class's Dense weights after global average pooling (no backward)",
     false, make_cam},
    {"grad-cam", "Grad-CAM",
     "Grad-CAM: channels weighted by their mean gradient",
     false, make_grad_cam},
    {"grad-cam++", "Grad-CAM++",
     "Grad-CAM++: channels weighted by positive gradients with higher-order alphas",
     false, make_grad_cam_plus_plus},
    {"hires-cam", "HiResCAM",
     "HiResCAM: gradient times activation at each pixel, summed over channels",
     false, make_hires_cam},
    {"xgrad-cam", "XGrad-CAM",
     "XGrad-CAM: channels weighted by sum(gradient * activation) / sum(activation)",
     false, make_xgrad_cam},
    {"layer-cam", "LayerCAM",
     "LayerCAM: positive gradient times activation at each pixel, summed over channels",
     false, make_layer_cam},
    {"eigen-cam", "EigenCAM",
     "EigenCAM: the activations' first principal direction (class-agnostic, no backward)",
     false, make_eigen_cam},
    {"score-cam", "Score-CAM",
     "Score-CAM: channels weighted by the class score of the input masked by each (one forward per channel)",
     true, make_score_cam},
    {"saliency", "Saliency",
     "Saliency: the largest |gradient| of the logit over each pixel's channels",
     false, make_saliency},
    {"gradient-x-input", "Gradient x input",
     "Gradient x input: gradient times input value, summed over each pixel's channels",
     false, make_gradient_x_input},
    {"smooth-grad", "SmoothGrad",
     "SmoothGrad: saliency averaged over 25 noisy copies of the input (seeded)",
     true, make_smooth_grad},
    {"integrated-gradients", "Integrated Gradients",
     "Integrated Gradients: (input - black) times the gradient averaged along the path, 64 steps",
     true, make_integrated_gradients},
    {"guided-backprop", "Guided backpropagation",
     "Guided backpropagation: the gradient passing only positive signals back through ReLUs",
     false, make_guided_backprop},
    {"guided-grad-cam", "Guided Grad-CAM",
     "Guided Grad-CAM: guided backpropagation times the upsampled Grad-CAM map",
     false, make_guided_grad_cam},
    {"occlusion", "Occlusion",
     "Occlusion: the drop in the class probability when a gray patch covers each pixel (one forward per patch, computing only what the patch reaches)",
     true, make_occlusion},
};

}  // namespace

std::span<const MethodInfo> registered_methods() { return kMethods; }

std::unique_ptr<Method> make_method(std::string_view name) {
  std::string known;
  for (const MethodInfo& info : kMethods) {
    if (info.name == name) return info.make();
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  fail("explain: no method named '", name, "'; known methods: ", known);
}

std::optional<std::string> why_not_applicable(const Model& model, const Method& method, const std::string& layer) {
  if (!method.requirements().layer) return std::nullopt;
  if (GraphPaths(model.graph.nodes()).spatial_layers_feeding(model.logits).empty()) {
    return std::string(method.name()) + ": the model has no spatial [H, W, C] layer before its logits '" +
           model.logits + "', so no CAM method applies; use a per-pixel method";
  }
  const std::string node = layer_for(model, method, layer);
  try {
    check_layer(model, node);
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return method.unsupported(model, node);
}

}  // namespace camlens::explain
