#pragma once
// TensorFlow.js graph models (model.json with "format": "graph-model", a frozen TensorFlow
// GraphDef) -> Graph. Node names are kept, so layers can be picked by their TensorFlow names;
// Identity nodes are aliases of what they read and leave no node behind. NHWC, float32 only.
//
// Ops: Placeholder (the one input, fixed size), Const (weights from the manifest),
//   Conv2D, DepthwiseConv2dNative, _FusedConv2D, FusedDepthwiseConv2dNative, MatMul, _FusedMatMul
//   (fused_ops BiasAdd, then optionally Relu or Relu6, which the layer fuses, or Elu, LeakyRelu,
//   Sigmoid or Prelu, a layer of its own that takes the node's name, the convolution or dense
//   layer before it "<node>/BiasAdd"), BiasAdd (folded into the Conv2D, DepthwiseConv2dNative or
//   MatMul before it when it is that node's only reader; else an Affine node), MaxPool, AvgPool,
//   Add/AddV2 (two tensors, or a tensor and a per-channel constant), Sub, Mul, RealDiv (two
//   tensors: a BroadcastBinary node; a tensor and a per-channel constant: an Affine node), Relu,
//   Relu6, Tanh, Sigmoid, LeakyRelu, Elu, Prelu (one slope per channel), FusedBatchNorm(V2, V3)
//   for inference (an Affine node per channel), Mean over H and W (global average pooling),
//   Reshape, Squeeze and ExpandDims (batch axis kept), StridedSlice of the last axis (a
//   ChannelSlice node; shrinking [N, C] to [N] gives a rank-1 value, held as [N, 1], which only
//   element-wise ops and ExpandDims may read), ConcatV2 along the last axis, Softmax, Pad (zeros
//   around H and W and around the channels: a ZeroPad2D node), MirrorPad (REFLECT or SYMMETRIC
//   around H and W: a MirrorPad2D node), ResizeBilinear and ResizeNearestNeighbor (to a constant
//   size, align_corners and half_pixel_centers as TensorFlow.js reads them: a Resize2D node),
//   Identity.
//   TensorFlow has no Swish op: tf.nn.silu and Keras' swish arrive as Sigmoid and Mul.
//   Anything else is an Error naming the op and the node.
//
// Outputs: those model.json's signature names (several: each is a node nobody reads; the one whose
// node name sorts last is the graph's last node), else the one node nobody reads.
#include <nlohmann/json_fwd.hpp>

#include "graph/graph.h"
#include "io/weights.h"

namespace camlens {

// `model` is the whole parsed model.json; the graph's last node is the model's (last) output.
Graph import_graph_model(const nlohmann::json& model, const Weights& weights);

}  // namespace camlens
