#include "explain/registry.h"

#include <string>

#include "core/error.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

const MethodInfo kMethods[] = {
    {"cam", "CAM: channels weighted by the class's Dense weights after global average pooling (no backward)",
     make_cam},
    {"grad-cam", "Grad-CAM: channels weighted by their mean gradient", make_grad_cam},
    {"grad-cam++", "Grad-CAM++: channels weighted by positive gradients with higher-order alphas", make_grad_cam_plus_plus},
    {"hires-cam", "HiResCAM: gradient times activation at each pixel, summed over channels", make_hires_cam},
    {"xgrad-cam", "XGrad-CAM: channels weighted by sum(gradient * activation) / sum(activation)", make_xgrad_cam},
    {"layer-cam", "LayerCAM: positive gradient times activation at each pixel, summed over channels", make_layer_cam},
    {"eigen-cam", "EigenCAM: the activations' first principal direction (class-agnostic, no backward)", make_eigen_cam},
    {"score-cam", "Score-CAM: channels weighted by the class score of the input masked by each (one forward per channel)",
     make_score_cam},
    {"saliency", "Saliency: the largest |gradient| of the logit over each pixel's channels", make_saliency},
    {"gradient-x-input", "Gradient x input: gradient times input value, summed over each pixel's channels",
     make_gradient_x_input},
    {"smooth-grad", "SmoothGrad: saliency averaged over 25 noisy copies of the input (seeded)", make_smooth_grad},
    {"integrated-gradients", "Integrated Gradients: (input - black) times the gradient averaged along the path, 64 steps",
     make_integrated_gradients},
    {"guided-backprop", "Guided backpropagation: the gradient passing only positive signals back through ReLUs",
     make_guided_backprop},
    {"guided-grad-cam", "Guided Grad-CAM: guided backpropagation times the upsampled Grad-CAM map", make_guided_grad_cam},
    {"occlusion", "Occlusion: the drop in the class probability when a gray patch covers each pixel (one forward per patch)",
     make_occlusion},
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

}  // namespace camlens::explain
