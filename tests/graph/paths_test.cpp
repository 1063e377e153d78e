#include "graph/paths.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

// in -> a -> b -> c -> out, with a shortcut a -> out (an Add reads c and a) and a side branch
// b -> side that feeds nothing.
std::vector<NodeInfo> shortcut_graph() {
  return {{"in", "Input", {}, Shape{8, 8, 3}},         {"a", "Conv2D", {"in"}, Shape{8, 8, 4}},
          {"b", "Conv2D", {"a"}, Shape{8, 8, 4}},      {"side", "Conv2D", {"b"}, Shape{8, 8, 4}},
          {"c", "Conv2D", {"b"}, Shape{8, 8, 4}},      {"add", "Add", {"c", "a"}, Shape{8, 8, 4}},
          {"gap", "GlobalAveragePool", {"add"}, Shape{4}}, {"out", "Dense", {"gap"}, Shape{2}}};
}

}  // namespace

TEST_CASE("GraphPaths: which nodes feed a node, the side branch excluded") {
  const GraphPaths paths(shortcut_graph());
  const std::vector<bool> feeds = paths.feeding("out");
  CHECK(feeds == std::vector<bool>{true, true, true, false, true, true, true, true});
  CHECK(paths.spatial_layers_feeding("out") == std::vector<std::string>{"a", "b", "c", "add"});
  CHECK(paths.spatial_layers_feeding("c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(paths.index_of("side") == 3);
  CHECK(paths.index_of("nothing") == -1);
  CHECK_THROWS_WITH_AS(paths.feeding("nothing"), doctest::Contains("no node named 'nothing'"), Error);
}

TEST_CASE("GraphPaths: a backward pass reads the path's nodes and their inputs, nothing above `from`") {
  const GraphPaths paths(shortcut_graph());
  // From out down to b: c, add, gap and out are on the path, add also reads a, and the stop b and
  // its input a are kept; the side branch and the input are not.
  CHECK(paths.activations_for_backward("b", "out") == std::vector<std::string>{"a", "b", "c", "add", "gap", "out"});
  CHECK(paths.activations_for_backward("c", "add") == std::vector<std::string>{"a", "b", "c", "add"});
  CHECK(paths.activations_for_backward("gap", "out") == std::vector<std::string>{"add", "gap", "out"});
}

TEST_CASE("GraphPaths: layers between a node and the output follow the shortest path") {
  const GraphPaths paths(shortcut_graph());
  CHECK(paths.layers_between("out", "out") == 0);
  CHECK(paths.layers_between("gap", "out") == 1);
  CHECK(paths.layers_between("c", "out") == 3);
  CHECK(paths.layers_between("b", "out") == 4);
  CHECK(paths.layers_between("a", "out") == 3);  // through the shortcut, not b and c
  CHECK(paths.layers_between("in", "out") == 4);
  CHECK(paths.layers_between("side", "out") == -1);
  CHECK(paths.layers_between("out", "a") == -1);
}
