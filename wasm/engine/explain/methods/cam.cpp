// CAM (Zhou et al. 2016): for a head "layer -> global average pool -> Dense -> logits", the
// weights are the Dense kernel's column of the target class; when the pool's output already is
// the logits (one channel per class, as the emotion model), the weights pick the class's channel.
// The bias is a constant that moves every pixel alike, so it is left out.
#include "explain/methods/methods.h"

#include <optional>
#include <string>

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

// The head CAM reads: the Dense layer giving the logits (nullptr when the global average pool's
// output already is the logits), or why the model's head is not one CAM can read at `layer`.
struct CamHead {
  const Dense* dense = nullptr;
  std::string pooled;   // the layer the global average pool reads; empty when the head has none
  std::string problem;  // empty: CAM applies
};

CamHead cam_head(const Model& model, const std::string& layer) {
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  const NodeInfo& logits = *find_node(nodes, model.logits);
  CamHead head;
  const NodeInfo* pool = &logits;
  head.dense = dynamic_cast<const Dense*>(&model.graph.layer(logits.name));
  if (head.dense != nullptr) {
    if (head.dense->activation() != Activation::none) {
      head.problem = "its Dense logits have a fused activation";
      return head;
    }
    pool = find_node(nodes, logits.inputs.at(0));
  }
  if (pool->kind != "GlobalAveragePool") {
    head.problem = "the logits '" + logits.name + "' (" + logits.kind +
                   ") are not a global average pool, nor a Dense layer reading one";
    return head;
  }
  head.pooled = pool->inputs.at(0);
  if (head.pooled != layer) {
    head.problem = "CAM's identity holds only at the layer the global average pool reads, '" + pool->inputs.at(0) +
                   "': pass that layer";
  }
  return head;
}

std::string refusal(const Model& model, const std::string& layer, const std::string& why) {
  return "cam: CAM does not apply to layer '" + layer + "' of this model: " + why +
         ". CAM needs a head 'layer -> global average pool -> (linear Dense) -> logits' (logits '" + model.logits +
         "'); Grad-CAM works at any spatial layer and equals CAM / (H * W) where CAM applies";
}

class Cam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "cam"; }
  Requirements requirements() const override { return {}; }
  std::optional<std::string> unsupported(const Model& model, const std::string& layer) const override {
    const CamHead head = cam_head(model, layer);
    if (head.problem.empty()) return std::nullopt;
    return refusal(model, layer, head.problem);
  }
  std::optional<std::string> own_layer(const Model& model) const override {
    const CamHead head = cam_head(model, "");
    if (head.pooled.empty()) return std::nullopt;
    return head.pooled;
  }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Model& model = context.model();
    const CamHead head = cam_head(model, context.node());
    if (!head.problem.empty()) fail(refusal(model, context.node(), head.problem));
    const int channels = context.activations().shape().c();
    std::vector<float> weights(channels, 0.0f);
    if (head.dense == nullptr) {
      weights[context.target_class()] = 1.0f;
    } else {
      const Tensor& dense_weights = head.dense->weights();  // [channels, classes]
      const int classes = dense_weights.shape()[1];
      for (int k = 0; k < channels; ++k) {
        weights[k] = dense_weights[static_cast<size_t>(k) * classes + context.target_class()];
      }
    }
    return weights;
  }
};

}  // namespace

std::unique_ptr<Method> make_cam() { return std::make_unique<Cam>(); }

}  // namespace camlens::explain
