#include "graph/paths.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace camlens {

GraphPaths::GraphPaths(std::vector<NodeInfo> nodes) : nodes_(std::move(nodes)) {
  for (size_t i = 0; i < nodes_.size(); ++i) index_.emplace(nodes_[i].name, static_cast<int>(i));
}

int GraphPaths::index_of(std::string_view name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? -1 : found->second;
}

int GraphPaths::must_find(const std::string& name) const {
  const int index = index_of(name);
  if (index < 0) fail("graph: no node named '", name, "'");
  return index;
}

std::vector<bool> GraphPaths::feeding(const std::string& to) const {
  const int target = must_find(to);
  std::vector<bool> feeds(nodes_.size(), false);
  feeds[target] = true;
  for (int i = target; i >= 0; --i) {
    if (!feeds[i]) continue;
    for (const std::string& input : nodes_[i].inputs) feeds[must_find(input)] = true;
  }
  return feeds;
}

std::vector<std::string> GraphPaths::activations_for_backward(const std::string& stop, const std::string& from) const {
  const int low = must_find(stop), high = must_find(from);
  const std::vector<bool> feeds = feeding(from);
  std::vector<bool> above_stop(nodes_.size(), false), needed(nodes_.size(), false);
  for (int i = low; i <= high; ++i) {
    above_stop[i] = i == low || std::any_of(nodes_[i].inputs.begin(), nodes_[i].inputs.end(),
                                            [&](const std::string& input) { return above_stop[index_of(input)]; });
    if (!above_stop[i] || !feeds[i]) continue;
    needed[i] = true;
    for (const std::string& input : nodes_[i].inputs) needed[index_of(input)] = true;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (needed[i]) names.push_back(nodes_[i].name);
  }
  return names;
}

std::vector<std::string> GraphPaths::spatial_layers_feeding(const std::string& to) const {
  const std::vector<bool> feeds = feeding(to);
  std::vector<std::string> names;
  for (size_t i = 1; i < nodes_.size(); ++i) {
    if (feeds[i] && nodes_[i].spatial()) names.push_back(nodes_[i].name);
  }
  return names;
}

int GraphPaths::layers_between(const std::string& node, const std::string& to) const {
  const int from = must_find(node), target = must_find(to);
  if (from > target) return -1;
  // Shortest path lengths from `from`, in topological order: each node one more than its nearest input.
  constexpr int unreached = std::numeric_limits<int>::max();
  std::vector<int> distance(nodes_.size(), unreached);
  distance[from] = 0;
  for (int i = from + 1; i <= target; ++i) {
    for (const std::string& input : nodes_[i].inputs) {
      const int d = distance[index_of(input)];
      if (d != unreached) distance[i] = std::min(distance[i], d + 1);
    }
  }
  return distance[target] == unreached ? -1 : distance[target];
}

}  // namespace camlens
