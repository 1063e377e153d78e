#pragma once
// TensorFlow.js layers models (model.json with "format": "layers-model": a Keras Sequential or
// functional model config, in modelTopology.model_config or modelTopology itself) -> Graph.
// Layer names become node names; a Keras layer that becomes two nodes keeps its name on the one
// that gives its output (SeparableConv2D: "<name>/depthwise" then "<name>"; an activation that
// cannot be fused: "<name>/logits" then "<name>"). channels_last only.
//
// Layers: InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, MaxPooling2D,
//   AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Activation and the `activation` of
//   Conv/Dense layers (relu, relu6 fused; softmax; linear), BatchNormalization, Add, Concatenate,
//   Dropout, ZeroPadding2D (a ZeroPad2D node), Rescaling (an Affine node).
// Weights are found by "<layer name>/<weight name>" in the manifest (kernel, bias,
// depthwise_kernel, pointwise_kernel, gamma, beta, moving_mean, moving_variance), also written
// "<layer name>/<cell name>/<weight name>" as TensorFlow 2.2+ does.
#include <nlohmann/json_fwd.hpp>

#include "graph/graph.h"
#include "io/weights.h"

namespace camlens {

// `model` is the whole parsed model.json; the graph's last node is the model's output.
Graph import_layers_model(const nlohmann::json& model, const Weights& weights);

}  // namespace camlens
