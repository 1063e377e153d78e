#pragma once
// ONNX models (what torch.onnx.export writes, opsets 11 to 18) -> Graph. NCHW models run on the
// engine's NHWC layout: weights are reordered at import, so the graph's activations are the
// model's own transposed to channels-last. Engine nodes take the ONNX node names ("/layer4/Relu_1"),
// so layers can be picked by the names PyTorch's exporter gives them.
//
// Ops: Conv (2-D; groups: full, depthwise with any multiplier, and grouped, held as one
//   convolution with a block-diagonal kernel), BatchNormalization (inference), Relu, Clip (as ReLU
//   when min is 0 and max is absent, ReLU6 when max is 6), MaxPool (ceil_mode too), AveragePool (padding excluded
//   from the average, or no padding), GlobalAveragePool, Flatten, Gemm, MatMul (by a constant),
//   Add (two tensors, or a tensor and a per-channel constant), Concat (channels), Pad (zeros
//   around height and width), Reshape (to
//   [N, -1] and between [N, C] and [N, C, 1, 1]), Squeeze, Unsqueeze, Dropout, Identity, Softmax
//   (the last axis), and the constant chains exporters write around Flatten and Reshape (Constant,
//   Shape, Gather, Unsqueeze, Squeeze, Concat, Cast on constants), folded at import. Anything else
//   is an Error naming the op and the node.
#include <span>

#include "graph/graph.h"
#include "io/onnx_proto.h"

namespace camlens {

// The lowest and highest default-domain opsets the importer accepts.
inline constexpr int64_t kMinOnnxOpset = 11;
inline constexpr int64_t kMaxOnnxOpset = 18;

// Builds the graph of a parsed ONNX model; the graph's last node is the model's output.
Graph import_onnx_graph(const onnx::ModelData& model);

// Parses the bytes of a .onnx file (`external` reads external data files) and builds its graph.
Graph import_onnx_model(std::span<const uint8_t> bytes, const onnx::ExternalDataReader& external = nullptr);

}  // namespace camlens
