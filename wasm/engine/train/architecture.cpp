#include "train/architecture.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "layers/add.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/softmax.h"
#include "train/random.h"

namespace camlens {

namespace {

constexpr int kKernelSize = 3;
constexpr float kBatchNormEpsilon = 1e-3f;
// Keras' 0.99 leaves the moving statistics lagging for hundreds of steps (after 78 steps they
// still weigh the initial mean 0 / variance 1 by 0.99^78 = 0.46, and test accuracy reads 17%
// where training reads 62%); 0.9 (PyTorch's default) tracks within ~20 steps.
constexpr float kBatchNormMomentum = 0.9f;

struct Preset {
  const char* name;
  const char* what;
  std::vector<ConvStage> stem;
  std::vector<int> residual_blocks;
  int head_channels;
};

// The VGG stem: one convolution at full resolution, as a second one costs more time per epoch than
// it adds in accuracy. The Xception widths keep its cost per image below the VGG's. The quick ones
// cost about 2 M multiply-adds per 28x28 image or less; xception-quick pools before its blocks
// (4x4 maps at 28x28), as blocks at full resolution cost three times the time for less accuracy.
const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"vgg", "VGG-style: 3x3 conv-BN-ReLU 32, pool, 64, 64, pool, 128; GAP, dense",
       {{32, true}, {64, false}, {64, true}, {128, false}}, {}, 0},
      {"vgg-quick", "VGG-style for live training: 3x3 conv-BN-ReLU 12, pool, 24, pool, 48, 48; GAP, dense",
       {{12, true}, {24, true}, {48, false}, {48, false}}, {}, 0},
      {"xception", "mini-Xception: 3x3 conv 32, residual separable blocks 64, 128, separable 128; GAP, dense",
       {{32, false}}, {64, 128}, 128},
      {"xception-quick", "mini-Xception for live training: 3x3 conv 16, pool, blocks 32, 64, separable 64; GAP, dense",
       {{16, true}}, {32, 64}, 64},
  };
  return all;
}

Window2D same_3x3() { return Window2D::square(kKernelSize, 1, PaddingMode::same); }

Tensor uniform_tensor(const Shape& shape, float limit, SeededRandom& random) {
  Tensor t(shape);
  for (float& v : t.values()) v = random.uniform(-limit, limit);
  return t;
}

// He-uniform: the limit that keeps a ReLU network's activations at unit scale.
Tensor he_uniform(const Shape& shape, int fan_in, SeededRandom& random) {
  return uniform_tensor(shape, std::sqrt(6.0f / static_cast<float>(fan_in)), random);
}

std::string numbered(const char* prefix, size_t index) { return prefix + std::to_string(index + 1); }
std::string block_node(size_t block, const char* part) { return numbered("block", block) + "_" + part; }

template <typename LayerType>
const LayerType& layer_as(const Graph& graph, const std::string& name) {
  const auto* layer = dynamic_cast<const LayerType*>(&graph.layer(name));
  if (layer == nullptr) {
    fail("build_inference_graph: node '", name, "' of the trained graph is a ", graph.layer(name).kind(),
         "; the architecture expects another kind there. Was it built by build_training_graph with this architecture?");
  }
  return *layer;
}

void validate(const Architecture& architecture) {
  const std::string who = "architecture '" + architecture.name + "'";
  const Shape& input = architecture.input;
  if (input.rank() != 3) fail(who, ": input must be [H, W, C], got ", input.str());
  if (input[0] < 1 || input[1] < 1 || input[2] < 1) fail(who, ": input sizes must be positive, got ", input.str());
  if (architecture.stem.empty()) fail(who, ": needs at least one convolution stage");
  if (architecture.classes < 2) fail(who, ": needs at least 2 classes, got ", architecture.classes);
  const int minimum = 1 << architecture.pools();
  if (input[0] < minimum || input[1] < minimum) {
    fail(who, " halves its input ", architecture.pools(), " times, so it needs images of at least ", minimum, "x",
         minimum, " pixels; got ", input[1], "x", input[0], ". Resize the images to at least that size.");
  }
}

// Builds either graph: `trained` null draws fresh weights with BatchNorms after the convolutions;
// otherwise the convolutions take `trained`'s weights with its BatchNorms folded in.
class GraphBuilder {
 public:
  GraphBuilder(const Architecture& architecture, SeededRandom* random, const Graph* trained)
      : architecture_(architecture), random_(random), trained_(trained) {
    graph_.add_input("input", architecture.input);
    channels_ = architecture.input[2];
  }

  Graph build() && {
    int pools = 0;
    for (size_t i = 0; i < architecture_.stem.size(); ++i) {
      const ConvStage& stage = architecture_.stem[i];
      last_ = convolution(numbered("conv", i), numbered("bn", i), last_, channels_, stage.channels, same_3x3(),
                          Activation::relu);
      channels_ = stage.channels;
      if (stage.pool_after) {
        const std::string pool = numbered("pool", static_cast<size_t>(pools++));
        graph_.add(std::make_unique<MaxPool>(pool, Window2D::square(2, 2, PaddingMode::valid)), {last_});
        last_ = pool;
      }
    }
    for (size_t i = 0; i < architecture_.residual_blocks.size(); ++i) residual_block(i, architecture_.residual_blocks[i]);
    if (architecture_.head_channels > 0) {
      last_ = separable("head_depthwise", "head_pointwise", "head_bn", last_, architecture_.head_channels,
                        Activation::relu);
    }
    graph_.add(std::make_unique<GlobalAveragePool>("gap"), {last_});
    dense_head();
    return std::move(graph_);
  }

 private:
  bool training() const { return trained_ == nullptr; }

  // A convolution (no bias) then its BatchNorm with `activation` fused, or the folded convolution
  // with the activation; returns the node that carries the result.
  std::string convolution(const std::string& conv, const std::string& bn, const std::string& input, int in_channels,
                          int out_channels, const Window2D& window, Activation activation) {
    if (training()) {
      const int fan_in = window.kernel_h * window.kernel_w * in_channels;
      Tensor weights = he_uniform(Shape{window.kernel_h, window.kernel_w, in_channels, out_channels}, fan_in, *random_);
      graph_.add(std::make_unique<Conv2D>(conv, std::move(weights), Tensor(), ConvParams{window}), {input});
      // The activation fused into the BatchNorm: no activation and gradient buffers of its own to
      // fill, clear and read again (about 7% of a training step as a separate layer).
      graph_.add(std::make_unique<BatchNorm>(bn, out_channels, kBatchNormEpsilon, kBatchNormMomentum, activation),
                 {conv});
      return bn;
    }
    const Conv2D& trained_conv = layer_as<Conv2D>(*trained_, conv);
    const BatchNorm& trained_bn = layer_as<BatchNorm>(*trained_, bn);
    FoldedConv folded = fold_batch_norm(trained_conv.weights(), trained_conv.has_bias() ? &trained_conv.bias() : nullptr,
                                        trained_bn);
    graph_.add(std::make_unique<Conv2D>(conv, std::move(folded.weights), std::move(folded.bias),
                                        ConvParams{window, activation}),
               {input});
    return conv;
  }

  // A depthwise 3x3 convolution (no bias), then a 1x1 convolution to `out_channels` with its BatchNorm.
  std::string separable(const std::string& depthwise, const std::string& pointwise, const std::string& bn,
                        const std::string& input, int out_channels, Activation activation) {
    if (training()) {
      Tensor weights = he_uniform(Shape{kKernelSize, kKernelSize, channels_, 1}, kKernelSize * kKernelSize, *random_);
      graph_.add(std::make_unique<DepthwiseConv2D>(depthwise, std::move(weights), Tensor(), ConvParams{same_3x3()}),
                 {input});
    } else {
      const DepthwiseConv2D& trained = layer_as<DepthwiseConv2D>(*trained_, depthwise);
      graph_.add(std::make_unique<DepthwiseConv2D>(depthwise, trained.weights().clone(), Tensor(),
                                                   ConvParams{same_3x3()}),
                 {input});
    }
    const std::string out = convolution(pointwise, bn, depthwise, channels_, out_channels,
                                        Window2D::square(1, 1, PaddingMode::valid), activation);
    channels_ = out_channels;
    return out;
  }

  void residual_block(size_t index, int out_channels) {
    const std::string input = last_;
    const int in_channels = channels_;
    std::string x = separable(block_node(index, "depthwise1"), block_node(index, "pointwise1"), block_node(index, "bn1"),
                              input, out_channels, Activation::relu);
    x = separable(block_node(index, "depthwise2"), block_node(index, "pointwise2"), block_node(index, "bn2"), x,
                  out_channels, Activation::none);
    const std::string pool = block_node(index, "pool");
    graph_.add(std::make_unique<MaxPool>(pool, Window2D::square(3, 2, PaddingMode::same)), {x});
    const std::string shortcut =
        convolution(block_node(index, "shortcut"), block_node(index, "shortcut_bn"), input, in_channels, out_channels,
                    Window2D::square(1, 2, PaddingMode::valid), Activation::none);
    last_ = block_node(index, "add");
    graph_.add(std::make_unique<Add>(last_), {pool, shortcut});
  }

  void dense_head() {
    const int classes = architecture_.classes;
    if (training()) {
      const float glorot = std::sqrt(6.0f / static_cast<float>(channels_ + classes));
      graph_.add(std::make_unique<Dense>("logits", uniform_tensor(Shape{channels_, classes}, glorot, *random_),
                                         Tensor(Shape{classes})),
                 {"gap"});
      return;
    }
    const Dense& logits = layer_as<Dense>(*trained_, "logits");
    graph_.add(std::make_unique<Dense>("logits", logits.weights().clone(), logits.bias().clone()), {"gap"});
    graph_.add(std::make_unique<Softmax>("probabilities"), {"logits"});
  }

  const Architecture& architecture_;
  SeededRandom* random_;
  const Graph* trained_;
  Graph graph_;
  std::string last_ = "input";
  int channels_ = 0;
};

std::string with_one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

std::string Architecture::explain_layer() const {
  if (head_channels > 0) return "head_pointwise";
  if (!residual_blocks.empty()) return block_node(residual_blocks.size() - 1, "add");
  size_t pool_count = 0;
  for (const ConvStage& stage : stem) pool_count += stage.pool_after ? 1 : 0;
  if (stem.empty()) return "input";
  if (stem.back().pool_after) return numbered("pool", pool_count - 1);
  return numbered("conv", stem.size() - 1);
}

int Architecture::pools() const {
  int count = static_cast<int>(residual_blocks.size());
  for (const ConvStage& stage : stem) count += stage.pool_after ? 1 : 0;
  return count;
}

const std::vector<std::string>& architecture_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const Preset& preset : presets()) all.emplace_back(preset.name);
    return all;
  }();
  return names;
}

std::string describe_architectures() {
  std::ostringstream out;
  for (const Preset& preset : presets()) {
    Graph graph = build_training_graph(make_architecture(preset.name, Shape{28, 28, 1}, 10), 1);
    size_t weights = 0;
    for (const Parameter& p : graph.parameters()) weights += p.value->size();
    out << "  " << preset.name << std::string(16 - std::string_view(preset.name).size(), ' ') << preset.what
        << " (" << with_one_decimal(static_cast<double>(multiply_adds_per_image(graph)) / 1e6) << " M multiply-adds, "
        << with_one_decimal(static_cast<double>(weights) / 1e3) << " k weights at 28x28x1)\n";
  }
  return out.str();
}

Architecture make_architecture(std::string_view name, const Shape& input, int classes) {
  for (const Preset& preset : presets()) {
    if (name != preset.name) continue;
    Architecture architecture{preset.name, input, classes, preset.stem, preset.residual_blocks, preset.head_channels};
    validate(architecture);
    return architecture;
  }
  std::string valid;
  for (const std::string& known : architecture_names()) valid += (valid.empty() ? "" : ", ") + known;
  fail("unknown architecture '", name.substr(0, 40), "'; choose one of ", valid);
}

Graph build_training_graph(const Architecture& architecture, uint64_t seed) {
  validate(architecture);
  SeededRandom random(seed);
  return GraphBuilder(architecture, &random, nullptr).build();
}

Graph build_inference_graph(const Architecture& architecture, const Graph& trained) {
  validate(architecture);
  return GraphBuilder(architecture, nullptr, &trained).build();
}

uint64_t multiply_adds_per_image(const Graph& graph) {
  uint64_t total = 0;
  for (const NodeInfo& node : graph.nodes()) {
    if (node.kind == "Input") continue;
    const Layer& layer = graph.layer(node.name);
    if (const auto* conv = dynamic_cast<const ConvolutionLayer*>(&layer)) {
      // Each output value of a convolution reads one window of one input channel (depthwise) or of all of them.
      const Shape& kernel = conv->weights().shape();
      const uint64_t per_output = static_cast<uint64_t>(kernel[0]) * kernel[1] * (node.kind == "Conv2D" ? kernel[2] : 1);
      total += static_cast<uint64_t>(node.item_shape.size()) * per_output;
    } else if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      total += static_cast<uint64_t>(dense->weights().size());
    }
  }
  return total;
}

}  // namespace camlens
