#include "graph/non_finite.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "core/error.h"
#include "layers/dense.h"
#include "layers/relu.h"

using namespace camlens;

namespace {

Tensor filled(const Shape& shape, float value) {
  Tensor t(shape);
  t.fill(value);
  return t;
}

// [4] -> relu -> Dense "big" (every weight `scale`) -> Dense "logits": with scale 1e30 and inputs of
// 1e20, "big" overflows to infinity and everything after it follows.
Graph overflowing_graph(float scale) {
  Graph graph;
  graph.add_input("x", Shape{4});
  graph.add(std::make_unique<Relu>("relu"), {"x"});
  graph.add(std::make_unique<Dense>("big", filled(Shape{4, 2}, scale), Tensor()), {"relu"});
  graph.add(std::make_unique<Dense>("logits", filled(Shape{2, 3}, 1.0f), Tensor()), {"big"});
  return graph;
}

}  // namespace

TEST_CASE("non-finite: the first node whose output overflows is found in graph order") {
  Graph graph = overflowing_graph(1e30f);
  const Tensor input = filled(Shape{1, 4}, 1e20f);
  const std::optional<NodeInfo> first = first_non_finite_node(graph, input);
  REQUIRE(first.has_value());
  CHECK(first->name == "big");
  CHECK(first->kind == "Dense");

  Graph finite = overflowing_graph(1.0f);
  CHECK_FALSE(first_non_finite_node(finite, input).has_value());
  Tensor nan_input = filled(Shape{1, 4}, 1.0f);
  nan_input[2] = std::numeric_limits<float>::quiet_NaN();
  CHECK(first_non_finite_node(finite, nan_input)->name == "x");
}

TEST_CASE("non-finite: results that are not finite raise a NonFiniteError naming the layer") {
  Graph graph = overflowing_graph(1e30f);
  const Tensor input = filled(Shape{1, 4}, 1e20f);
  const Tensor& logits = graph.forward(input);
  CHECK_FALSE(all_finite(logits.values()));
  CHECK_THROWS_WITH_AS(check_finite_result(graph, input, logits.values(), "logits"),
                       "the model's output 'logits' holds a NaN or an infinity, first produced by Dense 'big'; its weights "
                       "or its input scaling are out of range for float32",
                       NonFiniteError);
  const float finite[] = {1.0f, -2.0f};
  CHECK_NOTHROW(check_finite_result(graph, input, finite, "logits"));
}
