// Gradient x input (Shrikumar et al. 2016), in Captum's convention: the attribution of each input
// element is input * d logit / d input, signed (Captum's InputXGradient); the map sums it over
// channels, as Captum's visualize_image_attr reduces channels before choosing a sign. The shared
// post-processing's ReLU then shows the positive evidence (Captum's sign="positive").
#include "explain/input_space.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class GradientXInput final : public Method {
 public:
  std::string_view name() const override { return "gradient-x-input"; }
  Requirements requirements() const override { return {.layer = false, .gradients = true}; }

  MethodMap compute(ExplainContext& context) override {
    const Tensor& input = context.input();
    const Tensor& grads = context.gradients();
    Tensor products(input.shape());
    for (size_t i = 0; i < products.size(); ++i) products[i] = input[i] * grads[i];
    return {channel_sum(products, 0), {}};
  }
};

}  // namespace

std::unique_ptr<Method> make_gradient_x_input() { return std::make_unique<GradientXInput>(); }

}  // namespace camlens::explain
