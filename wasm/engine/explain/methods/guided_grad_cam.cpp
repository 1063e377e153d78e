// Guided Grad-CAM (Selvaraju et al. 2017): the guided backpropagation map at the input times the
// Grad-CAM map of the layer, post-processed (ReLU, min-max, bilinear to the input size, min-max)
// as every explanation's upsampled map. The Grad-CAM part uses the pipeline's backward to the
// layer; the guided part one more pass to the input through the context. Its map comes at the
// input's resolution; Explanation::layer names the Grad-CAM layer and the channel weights are
// Grad-CAM's.
#include "explain/input_space.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class GuidedGradCam final : public Method {
 public:
  std::string_view name() const override { return "guided-grad-cam"; }
  Requirements requirements() const override { return {.gradients = true}; }

  MethodMap compute(ExplainContext& context) override {
    MethodMap cam = grad_cam_->compute(context);
    const Shape& in = context.input().shape();
    const Map cam_at_input = postprocess(cam.raw, {in.h(), in.w()});
    Map map = channel_max_abs(context.input_gradients(context.input(), ReluBackward::guided), 0);
    for (size_t p = 0; p < map.values.size(); ++p) map.values[p] *= cam_at_input.values[p];
    return {std::move(map), std::move(cam.channel_weights)};
  }

 private:
  std::unique_ptr<Method> grad_cam_ = make_grad_cam();
};

}  // namespace

std::unique_ptr<Method> make_guided_grad_cam() { return std::make_unique<GuidedGradCam>(); }

}  // namespace camlens::explain
