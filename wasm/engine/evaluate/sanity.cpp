#include "evaluate/sanity.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "evaluate/similarity.h"
#include "explain/input_space.h"
#include "explain/pipeline.h"

namespace camlens::evaluate {

namespace {

// Every parameter's values, put back on destruction.
class ParameterSnapshot {
 public:
  explicit ParameterSnapshot(Model& model) : model_(model) {
    for (const std::string& layer : layers_with_parameters(model)) {
      for (const Parameter& p : model.graph.layer(layer).parameters()) saved_[layer].push_back(p.value->clone());
    }
  }
  ~ParameterSnapshot() { restore(); }
  ParameterSnapshot(const ParameterSnapshot&) = delete;
  ParameterSnapshot& operator=(const ParameterSnapshot&) = delete;

  void restore() {
    for (auto& [layer, values] : saved_) {
      Layer& l = model_.graph.layer(layer);
      std::vector<Parameter> parameters = l.parameters();
      for (size_t i = 0; i < parameters.size(); ++i) {
        std::copy(values[i].values().begin(), values[i].values().end(), parameters[i].value->data());
      }
      l.parameters_changed();
    }
  }

 private:
  Model& model_;
  std::map<std::string, std::vector<Tensor>> saved_;
};

std::vector<float> absolute(const std::vector<float>& values) {
  std::vector<float> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = std::abs(values[i]);
  return out;
}

}  // namespace

MapMaker method_map_maker(explain::Method& method, const Tensor& input, int target_class) {
  return [&method, &input, target_class](Model& model) {
    explain::Explanation e = explain::explain_target(model, input, method, explain::Target::of_class(target_class));
    return SanityMap{std::move(e.raw), std::move(e.upsampled.front())};
  };
}

std::vector<std::string> layers_with_parameters(Model& model) {
  std::vector<std::string> layers;
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  for (auto node = nodes.rbegin(); node != nodes.rend(); ++node) {
    if (node->kind == "Input") continue;
    if (!model.graph.layer(node->name).parameters().empty()) layers.push_back(node->name);
  }
  return layers;
}

void randomise_layer(Model& model, const std::string& layer, std::uint32_t seed) {
  Layer& l = model.graph.layer(layer);
  explain::NormalNoise normal(seed);
  for (const Parameter& p : l.parameters()) {
    std::span<float> values = p.value->values();
    if (values.empty()) continue;
    double sum = 0.0, squares = 0.0;
    for (float v : values) sum += v, squares += static_cast<double>(v) * v;
    const double mean = sum / values.size();
    const double sd = std::sqrt(std::max(0.0, squares / values.size() - mean * mean));
    for (float& v : values) v = static_cast<float>(mean + sd * normal.next());
  }
  l.parameters_changed();
}

std::vector<SanityStep> sanity_check(Model& model, const MapMaker& make_map, const SanityOptions& options) {
  const SanityMap original = make_map(model);
  const std::vector<float> original_abs = absolute(original.raw.values);
  const std::vector<std::string> layers = layers_with_parameters(model);
  if (layers.empty()) fail("evaluate: the model has no layer with parameters to randomise");
  ParameterSnapshot snapshot(model);
  std::vector<SanityStep> steps;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (options.mode == Randomisation::independent) snapshot.restore();
    randomise_layer(model, layers[i], options.seed * 1000003u + static_cast<std::uint32_t>(i));
    const SanityMap map = make_map(model);
    if (map.raw.values.size() != original.raw.values.size()) fail("evaluate: the map changed size when '", layers[i], "' was randomised");
    steps.push_back({layers[i], spearman(original.raw.values, map.raw.values), spearman(original_abs, absolute(map.raw.values)),
                     ssim(original.normalized, map.normalized)});
    if (options.progress && !options.progress(explain::Progress{layers[i], static_cast<double>(i + 1) / layers.size()})) {
      throw explain::Cancelled("evaluate: the sanity check was cancelled after randomising '" + layers[i] + "'");
    }
  }
  return steps;
}

}  // namespace camlens::evaluate
