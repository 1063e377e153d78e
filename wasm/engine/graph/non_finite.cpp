#include "graph/non_finite.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens {

bool all_finite(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

std::optional<NodeInfo> first_non_finite_node(Graph& graph, const Tensor& input) {
  graph.forward(input, {.keep = std::nullopt});
  for (NodeInfo& node : graph.nodes()) {
    const Tensor& output = node.kind == "Input" ? input : graph.activation(node.name);
    if (!all_finite(output.values())) return std::move(node);
  }
  return std::nullopt;
}

void check_finite_result(Graph& graph, const Tensor& input, std::span<const float> values, std::string_view node) {
  if (all_finite(values)) return;
  const std::optional<NodeInfo> first = first_non_finite_node(graph, input);
  if (first && first->kind == "Input") {
    throw NonFiniteError("the model's input holds a NaN or an infinity; check the image's preprocessing");
  }
  const std::string origin = first ? ", first produced by " + first->kind + " '" + first->name + "'" : "";
  throw NonFiniteError("the model's output '" + std::string(node) + "' holds a NaN or an infinity" + origin +
                       "; its weights or its input scaling are out of range for float32");
}

}  // namespace camlens
