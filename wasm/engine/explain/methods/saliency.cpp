// Vanilla gradient saliency (Simonyan et al. 2014): the map is the largest |d logit / d pixel| over
// the input's channels, from the pipeline's one backward pass to the input.
#include "explain/input_space.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

class Saliency final : public Method {
 public:
  std::string_view name() const override { return "saliency"; }
  Requirements requirements() const override { return {.layer = false, .gradients = true}; }
  MethodMap compute(ExplainContext& context) override { return {channel_max_abs(context.gradients(), 0), {}}; }
};

}  // namespace

std::unique_ptr<Method> make_saliency() { return std::make_unique<Saliency>(); }

}  // namespace camlens::explain
