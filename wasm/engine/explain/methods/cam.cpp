// CAM (Zhou et al. 2016): for a head "layer -> global average pool -> Dense -> logits", the
// weights are the Dense kernel's column of the target class; when the pool's output already is
// the logits (one channel per class, as the emotion model), the weights pick the class's channel.
// The bias is a constant that moves every pixel alike, so it is left out.
#include "explain/methods/methods.h"

#include "graph/graph.h"
#include "io/model.h"
#include "layers/dense.h"

namespace camlens::explain {

namespace {

const NodeInfo* find_node(const std::vector<NodeInfo>& nodes, const std::string& name) {
  for (const NodeInfo& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

class Cam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "cam"; }
  Requirements requirements() const override { return {}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Model& model = context.model();
    const std::vector<NodeInfo> nodes = model.graph.nodes();
    const NodeInfo& logits = *find_node(nodes, model.logits);
    const int channels = context.activations().shape().c();
    std::vector<float> weights(channels, 0.0f);

    const NodeInfo* pool = &logits;
    const Dense* dense = dynamic_cast<const Dense*>(&model.graph.layer(logits.name));
    if (dense != nullptr) {
      if (dense->activation() != Activation::none) refuse(model, context.node(), "its Dense logits have a fused activation");
      pool = find_node(nodes, logits.inputs.at(0));
    }
    if (pool->kind != "GlobalAveragePool") {
      refuse(model, context.node(), "the logits '" + logits.name + "' (" + logits.kind +
                                        ") are not a global average pool, nor a Dense layer reading one");
    }
    const std::string& pooled = pool->inputs.at(0);
    if (pooled != context.node()) {
      refuse(model, context.node(), "CAM's identity holds only at the layer the global average pool reads, '" + pooled +
                                        "': pass that layer");
    }
    if (dense == nullptr) {
      weights[context.target_class()] = 1.0f;
    } else {
      const Tensor& kernel = dense->kernel();  // [channels, classes]
      const int classes = kernel.shape()[1];
      for (int k = 0; k < channels; ++k) weights[k] = kernel[static_cast<size_t>(k) * classes + context.target_class()];
    }
    return weights;
  }

 private:
  [[noreturn]] static void refuse(const Model& model, const std::string& layer, const std::string& why) {
    fail("cam: CAM does not apply to layer '", layer, "' of this model: ", why,
         ". CAM needs a head 'layer -> global average pool -> (linear Dense) -> logits' (logits '", model.logits,
         "'); Grad-CAM works at any spatial layer and equals CAM / (H * W) where CAM applies");
  }
};

}  // namespace

std::unique_ptr<Method> make_cam() { return std::make_unique<Cam>(); }

}  // namespace camlens::explain
