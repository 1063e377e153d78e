// HiResCAM (Draelos & Carin 2020): the gradient times the activation, summed over channels at
// each pixel; no per-channel weights, so the map stays faithful to the logit's own pixels.
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class HiResCam final : public ElementwiseGradientMethod {
 public:
  std::string_view name() const override { return "hires-cam"; }

 protected:
  float gradient_weight(float gradient) const override { return gradient; }
};

}  // namespace

std::unique_ptr<Method> make_hires_cam() { return std::make_unique<HiResCam>(); }

}  // namespace camlens::explain
