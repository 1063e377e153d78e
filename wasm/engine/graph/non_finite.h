#pragma once
// Finding where a forward pass stopped giving finite values, for errors that name the layer.
#include <optional>
#include <span>
#include <string_view>

#include "core/tensor.h"
#include "graph/graph.h"

namespace camlens {

bool all_finite(std::span<const float> values);

// The first node, in graph order, whose output for `input` holds a NaN or an infinity (the input
// node included); nullopt when every output is finite. Runs the forward pass again keeping every
// activation, so it belongs on the failure path only; the graph's activations are replaced.
std::optional<NodeInfo> first_non_finite_node(Graph& graph, const Tensor& input);

// Throws NonFiniteError unless `values` (read from node `node` after a forward pass of `input`)
// are all finite; the message names the first layer whose output is not.
void check_finite_result(Graph& graph, const Tensor& input, std::span<const float> values, std::string_view node);

}  // namespace camlens
