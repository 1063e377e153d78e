#pragma once
// The built-in image classifiers, shaped for explanations: every one ends in a global average
// pool fed by its last feature maps, then one Dense layer to the logits, so CAM applies at
// explain_layer() and Grad-CAM there equals CAM / (H * W).
//
// An architecture is a stem of plain convolutions, then residual separable blocks, then an
// optional separable head, each with BatchNorm:
//   stem stage K:  convK (3x3 SAME, no bias) -> bnK (ReLU fused) -> (poolJ: 2x2 max-pool)
//   block K:       blockK_depthwise1 (3x3) -> blockK_pointwise1 (1x1) -> blockK_bn1 (ReLU fused)
//                  -> blockK_depthwise2 -> blockK_pointwise2 -> blockK_bn2 -> blockK_pool (3x3 stride 2 SAME)
//                  + blockK_shortcut (1x1 stride 2) -> blockK_shortcut_bn  =  blockK_add
//   head:          head_depthwise (3x3) -> head_pointwise (1x1) -> head_bn (ReLU fused)
//   then:          gap -> logits
// The inference graph has the same names without the BatchNorms: each is folded into the
// convolution before it (with its ReLU fused there), and a Softmax "probabilities" follows the logits.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace camlens {

struct ConvStage {
  int channels;
  bool pool_after;  // 2x2 max-pool, stride 2
};

struct Architecture {
  std::string name;
  Shape input;  // [H, W, C]
  int classes = 0;
  std::vector<ConvStage> stem;        // 3x3 convolutions; at least one
  std::vector<int> residual_blocks;   // each block's output channels; each block halves H and W (rounding up)
  int head_channels = 0;              // the separable head's output channels; 0: no head

  // The node feeding the global average pool in the inference graph: the CAM / Grad-CAM layer.
  std::string explain_layer() const;
  // How many times the architecture halves H and W: inputs need at least 2^pools() pixels a side.
  int pools() const;
};

// "vgg", "vgg-quick", "xception", "xception-quick".
const std::vector<std::string>& architecture_names();

// One line per preset, for --help: its name, what it is, and its cost at 28x28x1 with 10 classes.
std::string describe_architectures();

// The preset `name` for images of `input` [H, W, C] and `classes` classes. Throws an Error naming
// the presets when `name` is unknown, and when `input` is smaller than the preset's pools allow
// or `classes` is below 2.
Architecture make_architecture(std::string_view name, const Shape& input, int classes);

// He-uniform convolution kernels, Glorot-uniform dense kernel, zero biases, BatchNorm at identity
// (epsilon 1e-3, moving-statistics momentum 0.9); the same seed gives the same weights everywhere.
Graph build_training_graph(const Architecture& architecture, uint64_t seed);

// The deployable graph: every BatchNorm folded into its convolution with its moving statistics,
// ReLU fused, and a Softmax named "probabilities" after the logits. Its logits equal the training
// graph's logits in Phase::inference (up to rounding). Copies the weights: `trained` is untouched.
Graph build_inference_graph(const Architecture& architecture, const Graph& trained);

// Multiply-adds of one image through the graph's convolutions and dense layers.
uint64_t multiply_adds_per_image(const Graph& graph);

}  // namespace camlens
