// Guided backpropagation (Springenberg et al. 2015): the input gradient when every ReLU (standalone
// or fused into a conv / dense layer) passes back only positive gradients where its input was
// positive (ReluBackward::guided). The map reduces it as saliency does: max over channels of |g|.
#include "explain/input_space.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class GuidedBackprop final : public Method {
 public:
  std::string_view name() const override { return "guided-backprop"; }
  Requirements requirements() const override {
    return {.layer = false, .gradients = true, .relu = ReluBackward::guided};
  }
  MethodMap compute(ExplainContext& context) override { return {channel_max_abs(context.gradients(), 0), {}}; }
};

}  // namespace

std::unique_ptr<Method> make_guided_backprop() { return std::make_unique<GuidedBackprop>(); }

}  // namespace camlens::explain
