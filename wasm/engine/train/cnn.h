#pragma once
// The built-in image classifier, shaped for explanations: blocks of 3x3 SAME convolutions, each
// followed by BatchNorm and ReLU, max-pooling 2x2 between resolutions, then global average pooling
// and one Dense layer to the logits. The last convolution's maps feed the GAP -> Dense head
// directly, so CAM applies, and Grad-CAM there equals CAM / (H * W).
//
// Two graphs share the layer names:
//   training:  input -> [convK (no bias) -> bnK (ReLU fused) -> (poolJ)]... -> gap -> logits
//   inference: input -> [convK (folded BatchNorm as bias, fused ReLU) -> (poolJ)]... -> gap -> logits
//              -> probabilities (Softmax)
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace camlens {

struct ConvStage {
  int channels;
  bool pool_after;  // 2x2 max-pool, stride 2
};

struct CnnArchitecture {
  Shape input;  // [H, W, C]
  std::vector<ConvStage> stages;
  int classes;
  // The name of the last convolution: the layer CAM and Grad-CAM explain.
  std::string last_conv() const { return "conv" + std::to_string(stages.size()); }
};

// Fashion-MNIST: 28x28x1 -> conv32 -> pool (14) -> conv64 -> conv64 -> pool (7) -> conv128 -> GAP ->
// dense 10; 14.7 M multiply-adds and 131 k weights per image. One conv at full resolution: a second
// one costs more time per epoch than it adds in accuracy.
CnnArchitecture fashion_mnist_architecture();

// He-uniform convolution kernels, Glorot-uniform dense kernel, zero biases, BatchNorm at identity
// (epsilon 1e-3, moving-statistics momentum 0.9); the same seed gives the same weights everywhere.
Graph build_training_graph(const CnnArchitecture& architecture, uint64_t seed);

// The deployable graph: every BatchNorm folded into its convolution with its moving statistics,
// ReLU fused, and a Softmax named "probabilities" after the logits. Its logits equal the training
// graph's logits in Phase::inference (up to rounding). Copies the weights: `trained` is untouched.
Graph build_inference_graph(const CnnArchitecture& architecture, const Graph& trained);

}  // namespace camlens
