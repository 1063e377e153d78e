#include "explain/activation_maximization.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "explain/input_space.h"
#include "explain/run.h"

namespace camlens::explain {

namespace {

// What is maximised: one value read from a node's activation, and the gradient of that value
// with respect to the activation (the backward pass's seed).
struct Objective {
  std::string node;
  Tensor seed;  // [1, ...node item shape]

  float value(const Tensor& activation) const {
    double sum = 0.0;
    for (size_t i = 0; i < seed.size(); ++i) sum += static_cast<double>(seed[i]) * activation[i];
    return static_cast<float>(sum);
  }
};

void check_options(const ActivationMaximizationOptions& o) {
  if (o.steps < 1) fail("activation maximisation: steps must be at least 1, got ", o.steps);
  if (!(o.learning_rate > 0.0f)) fail("activation maximisation: learning_rate must be > 0, got ", o.learning_rate);
  if (!(o.l2_decay >= 0.0f && o.l2_decay < 1.0f)) fail("activation maximisation: l2_decay must be in [0, 1), got ", o.l2_decay);
  if (o.jitter < 0 || o.blur_every < 0 || !(o.blur_sigma >= 0.0f) || !(o.start_noise >= 0.0f)) {
    fail("activation maximisation: jitter, blur_every, blur_sigma and start_noise must be >= 0, got ", o.jitter, ", ",
         o.blur_every, ", ", o.blur_sigma, ", ", o.start_noise);
  }
}

Objective make_objective(const Model& model, const std::vector<NodeInfo>& nodes, const ActivationMaximizationOptions& o) {
  Objective objective{o.layer.empty() ? model.logits : o.layer, {}};
  const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const NodeInfo& n) { return n.name == objective.node; });
  if (node == nodes.end()) fail("activation maximisation: the model has no layer named '", objective.node, "'");
  if (node == nodes.begin()) fail("activation maximisation: '", objective.node, "' is the input; pick a layer after it");
  const Shape& item = node->item_shape;
  const int channels = item.c();
  if (o.layer.empty() && (o.index < 0 || o.index >= channels)) {
    fail("activation maximisation: class ", o.index, " is out of range: the logits '", objective.node, "' have ", channels,
         " classes (0..", channels - 1, ")");
  }
  if (o.index < 0 || o.index >= channels) {
    fail("activation maximisation: channel ", o.index, " is out of range: layer '", objective.node, "' ", item.str(),
         " has ", channels, " channels (0..", channels - 1, ")");
  }
  objective.seed = item.rank() == 3 ? Tensor(Shape::nhwc(1, item[0], item[1], channels)) : Tensor(Shape{1, channels});
  const size_t pixels = objective.seed.size() / channels;
  for (size_t p = 0; p < pixels; ++p) objective.seed[p * channels + o.index] = 1.0f / static_cast<float>(pixels);
  return objective;
}

// out(y, x) = in(y - dy, x - dx), wrapping around: the picture moves by (dy, dx).
void roll(Tensor& out, const Tensor& in, int dy, int dx) {
  const Shape& s = in.shape();
  const int height = s.h(), width = s.w(), channels = s.c();
  out.reshape_storage(s);
  for (int y = 0; y < height; ++y) {
    const int sy = ((y - dy) % height + height) % height;
    for (int x = 0; x < width; ++x) {
      const int sx = ((x - dx) % width + width) % width;
      std::copy_n(in.data() + (static_cast<size_t>(sy) * width + sx) * channels, channels,
                  out.data() + (static_cast<size_t>(y) * width + x) * channels);
    }
  }
}

// The model's value of levels 0, 0.5 and 1 for each input channel.
struct Levels {
  std::vector<float> black, gray, white;
  float low(int c) const { return std::min(black[c], white[c]); }
  float high(int c) const { return std::max(black[c], white[c]); }
  float range(int c) const { return high(c) - low(c); }
};

Levels channel_levels(const ModelMetadata& metadata, int channels) {
  Levels levels;
  for (int c = 0; c < channels; ++c) {
    levels.black.push_back(preprocessed_level(metadata, 0.0f, c));
    levels.gray.push_back(preprocessed_level(metadata, 0.5f, c));
    levels.white.push_back(preprocessed_level(metadata, 1.0f, c));
  }
  return levels;
}

Image to_image(const ModelMetadata& metadata, const Tensor& x) {
  const Shape& s = x.shape();
  Image image(s.w(), s.h(), s.c());
  const bool bgr = metadata.color == InputColor::bgr;
  for (size_t i = 0; i < x.size(); ++i) {
    const int channel = static_cast<int>(i % s.c());
    const float level = std::clamp(level_of_value(metadata, x[i], channel), 0.0f, 1.0f);
    // The image is RGB: a BGR model's channel c is the image's 2 - c.
    const size_t at = bgr ? i - channel + (2 - channel) : i;
    image.data()[at] = static_cast<std::uint8_t>(std::lround(level * 255.0f));
  }
  return image;
}

}  // namespace

ActivationMaximizationResult maximize_activation(Model& model, const ActivationMaximizationOptions& options) {
  check_options(options);
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  const Shape& item = nodes.front().item_shape;
  if (item.rank() != 3 || (item.c() != 1 && item.c() != 3)) {
    fail("activation maximisation: needs an image input [H, W, 1 or 3], the model's input '", model.input(), "' is ",
         item.str());
  }
  const Objective objective = make_objective(model, nodes, options);
  const std::vector<std::string> keep = GraphPaths(nodes).activations_for_backward(model.input(), objective.node);
  const int channels = item.c();
  const Levels levels = channel_levels(model.metadata, channels);

  Tensor x = constant_level(model.metadata, Shape::nhwc(1, item[0], item[1], channels), 0.5f);
  if (options.start == ActivationMaximizationOptions::Start::noise) {
    NormalNoise noise(options.seed);
    for (size_t i = 0; i < x.size(); ++i) {
      const int c = static_cast<int>(i % channels);
      x[i] = std::clamp(x[i] + options.start_noise * levels.range(c) * noise.next(), levels.low(c), levels.high(c));
    }
  }
  auto evaluate = [&](const Tensor& image) {
    model.graph.forward(image, {.keep = keep});
    return objective.value(model.graph.activation(objective.node));
  };

  ActivationMaximizationResult result;
  result.initial_objective = evaluate(x);
  std::mt19937 jitter_engine(options.seed);
  const auto shift = [&] {
    return options.jitter == 0 ? 0 : static_cast<int>(jitter_engine() % (2u * options.jitter + 1)) - options.jitter;
  };
  Tensor shifted, gradient, blurred;
  for (int step = 0; step < options.steps; ++step) {
    const int dy = shift(), dx = shift();
    roll(shifted, x, dy, dx);
    result.objective.push_back(evaluate(shifted));
    const Tensor& shifted_gradient =
        model.graph.backward(objective.seed, {.from = objective.node, .to = model.input(), .wanted = {model.input()}, .request = {}})
            .at(model.input());
    roll(gradient, shifted_gradient, -dy, -dx);

    double mean_abs = 0.0;
    for (float g : gradient.values()) mean_abs += std::abs(g);
    mean_abs /= static_cast<double>(gradient.size());
    const float step_scale = mean_abs > 0.0 ? static_cast<float>(options.learning_rate / mean_abs) : 0.0f;
    for (size_t i = 0; i < x.size(); ++i) {
      const int c = static_cast<int>(i % channels);
      const float ascended = x[i] + step_scale * levels.range(c) * gradient[i];
      const float decayed = levels.gray[c] + (1.0f - options.l2_decay) * (ascended - levels.gray[c]);
      x[i] = std::clamp(decayed, levels.low(c), levels.high(c));
    }
    if (options.blur_every > 0 && (step + 1) % options.blur_every == 0) {
      gaussian_blur(blurred, x, options.blur_sigma);
      std::swap(x, blurred);
    }
    if (options.progress) {
      const std::string stage = "activation maximisation step " + std::to_string(step + 1) + "/" + std::to_string(options.steps);
      if (!options.progress(Progress{stage, static_cast<double>(step + 1) / options.steps})) {
        throw Cancelled("activation maximisation: cancelled by the progress callback after " + stage);
      }
    }
  }
  result.final_objective = evaluate(x);
  result.image = to_image(model.metadata, x);
  result.input = std::move(x);
  return result;
}

}  // namespace camlens::explain
