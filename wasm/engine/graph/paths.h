#pragma once
// Paths through a graph, read from its node list (Graph::nodes(): topological order, input first):
// which nodes feed which, what a backward pass between two nodes reads, and how far a node is from
// the output. Explanations, training and the page's layer menu all ask these questions.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"

namespace camlens {

class GraphPaths {
 public:
  explicit GraphPaths(std::vector<NodeInfo> nodes);

  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  // The node's position in topological order, or -1 when the graph has no node of that name.
  int index_of(std::string_view name) const;
  // feeds[i]: node i's output reaches `to` (or is `to`).
  std::vector<bool> feeding(const std::string& to) const;
  // The activations a backward pass from `from` down to `stop` reads: the nodes on a path between
  // them and every input of those nodes, in topological order.
  std::vector<std::string> activations_for_backward(const std::string& stop, const std::string& from) const;
  // The spatial nodes (input excluded) whose output reaches `to`, in topological order.
  std::vector<std::string> spatial_layers_feeding(const std::string& to) const;
  // How many layers lie on the shortest path from `node` to `to` (0: `node` is `to`); -1 when
  // `node` does not feed `to`. The farther a layer is from the head, the less class-specific its maps.
  int layers_between(const std::string& node, const std::string& to) const;

 private:
  int must_find(const std::string& name) const;

  std::vector<NodeInfo> nodes_;
  std::unordered_map<std::string_view, int> index_;  // views into nodes_' names
};

}  // namespace camlens
