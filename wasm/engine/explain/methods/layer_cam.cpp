// LayerCAM (Jiang et al. 2021): relu(gradient) times the activation, summed over channels at each
// pixel: only pixels whose increase raises the logit count.
#include "explain/methods/methods.h"

#include <algorithm>

namespace camlens::explain {

namespace {

class LayerCam final : public ElementwiseGradientMethod {
 public:
  std::string_view name() const override { return "layer-cam"; }

 protected:
  float gradient_weight(float gradient) const override { return std::max(gradient, 0.0f); }
};

}  // namespace

std::unique_ptr<Method> make_layer_cam() { return std::make_unique<LayerCam>(); }

}  // namespace camlens::explain
