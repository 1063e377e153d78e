#include "graph/graph.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/add.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/relu.h"
#include "layers/softmax.h"
#include "support/gradcheck.h"
#include "support/layer_params.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// One backward call as a test layer saw it.
struct BackwardCall {
  std::string node;
  std::vector<bool> input_grad_given;  // per input: was d_in non-null
  bool weight_grads;
};
using CallLog = std::vector<BackwardCall>;

// y = scale * (x0 + x1 + ...), any number of same-shaped inputs, one parameter "scale" [1].
// Logs every backward call so tests can see what the graph visited and asked for.
class ScaledSum : public Layer {
 public:
  ScaledSum(std::string name, CallLog* log, float scale = 1.0f)
      : Layer(std::move(name)), log_(log), scale_(Shape{1}, std::vector<float>{scale}), scale_grad_(Shape{1}) {}

  const char* kind() const override { return "ScaledSum"; }
  int input_count() const override { return -1; }
  Shape output_shape(std::span<const Shape> inputs) const override {
    expect_input_count(inputs.size());
    for (const Shape& s : inputs) expect_shape(s, inputs[0], std::string("ScaledSum '") + name() + "' input");
    return inputs[0];
  }
  void forward(Tensor& out, Inputs in, Phase) override {
    out.fill(0.0f);
    for (const Tensor* x : in) {
      for (size_t i = 0; i < out.size(); ++i) out[i] += scale_[0] * (*x)[i];
    }
  }
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&,
                const BackwardRequest& request) override {
    BackwardCall call{name(), {}, request.weight_grads};
    for (Tensor* d : d_in) {
      call.input_grad_given.push_back(d != nullptr);
      if (d == nullptr) continue;
      for (size_t i = 0; i < d->size(); ++i) (*d)[i] += scale_[0] * d_out[i];
    }
    if (request.weight_grads) {
      for (const Tensor* x : in) {
        for (size_t i = 0; i < d_out.size(); ++i) scale_grad_[0] += d_out[i] * (*x)[i];
      }
    }
    if (log_ != nullptr) log_->push_back(std::move(call));
  }
  std::vector<Parameter> parameters() override { return {{"scale", &scale_, &scale_grad_}}; }

 private:
  CallLog* log_;
  Tensor scale_, scale_grad_;
};

// [..., C] -> [..., 1]: the sum over channels. Changes the shape, unlike the others.
class ChannelSum : public Layer {
 public:
  explicit ChannelSum(std::string name) : Layer(std::move(name)) {}
  const char* kind() const override { return "ChannelSum"; }
  Shape output_shape(std::span<const Shape> inputs) const override {
    expect_input_count(inputs.size());
    const Shape& s = inputs[0];
    return s.rank() == 4 ? Shape{s[0], s[1], s[2], 1} : Shape{s[0], 1};
  }
  void forward(Tensor& out, Inputs in, Phase) override {
    int channels = in[0]->shape().c();
    for (size_t p = 0; p < out.size(); ++p) {
      float total = 0.0f;
      for (int c = 0; c < channels; ++c) total += (*in[0])[p * channels + c];
      out[p] = total;
    }
  }
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) override {
    if (d_in[0] == nullptr) return;
    int channels = in[0]->shape().c();
    for (size_t p = 0; p < d_out.size(); ++p) {
      for (int c = 0; c < channels; ++c) (*d_in[0])[p * channels + c] += d_out[p];
    }
  }
};

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

std::vector<std::string> visited(const CallLog& log) {
  std::vector<std::string> names;
  for (const BackwardCall& call : log) names.push_back(call.node);
  return names;
}

// Keeps every element at least 0.1 away from ReLU's kink, ten times the finite-difference step.
void away_from_zero(Tensor& t) {
  for (float& v : t.values()) {
    if (std::fabs(v) < 0.1f) v = v < 0 ? v - 0.2f : v + 0.2f;
  }
}

// L = sum(activation(from) * probe) in double, after a fresh forward.
double probe_loss(Graph& graph, const Tensor& input, const std::string& from, const Tensor& probe) {
  graph.forward(input);
  const Tensor& out = graph.activation(from);
  double loss = 0.0;
  for (size_t i = 0; i < out.size(); ++i) loss += static_cast<double>(out[i]) * probe[i];
  return loss;
}

void parameters_changed(Graph& graph) {
  for (const NodeInfo& node : graph.nodes()) {
    if (node.kind != "Input") graph.layer(node.name).parameters_changed();
  }
}

// Compares `analytic` with central differences of probe_loss while nudging `target` (the input
// or a parameter of the graph) at up to `max_checks` evenly spread elements. ReLU and max-pool
// make the loss piecewise smooth: where the two one-sided differences disagree by more than the
// tolerance, the step straddles a kink and the central difference means nothing, so the element
// is skipped; at most a tenth of the checks may be skipped.
void compare_graph_gradient(Graph& graph, const Tensor& input, const std::string& from, const Tensor& probe,
                            Tensor& target, const Tensor& analytic, const std::string& what, Tolerance tol,
                            size_t max_checks = 150) {
  REQUIRE(target.shape() == analytic.shape());
  size_t step = std::max<size_t>(1, target.size() / max_checks);
  double centre = probe_loss(graph, input, from, probe);
  int failures = 0;
  size_t checked = 0, skipped = 0;
  for (size_t i = 0; i < target.size() && failures < 5; i += step) {
    float saved = target[i];
    target[i] = saved + tol.eps;
    parameters_changed(graph);
    double plus = probe_loss(graph, input, from, probe);
    target[i] = saved - tol.eps;
    parameters_changed(graph);
    double minus = probe_loss(graph, input, from, probe);
    target[i] = saved;
    parameters_changed(graph);
    ++checked;
    double forward_slope = (plus - centre) / tol.eps, backward_slope = (centre - minus) / tol.eps;
    double numeric = (plus - minus) / (2.0 * tol.eps);
    double allowed = tol.abs + tol.rel * std::fabs(numeric);
    if (std::fabs(forward_slope - backward_slope) > allowed) {
      ++skipped;
      continue;
    }
    if (std::fabs(analytic[i] - numeric) > allowed) {
      ++failures;
      FAIL_CHECK(what << "[" << i << "]: analytic " << analytic[i] << " vs numeric " << numeric);
    }
  }
  CHECK_MESSAGE(skipped * 10 <= checked, what << ": " << skipped << " of " << checked << " steps straddle a kink");
}

// Backpropagates a random probe from `from` to the input with weight gradients, and checks the
// input gradient and the named parameters' gradients against central differences.
void check_graph_gradients(Graph& graph, const Tensor& input, const std::string& from,
                           const std::vector<std::string>& parameter_names, Tolerance tol) {
  graph.forward(input);
  Rng rng(5);
  Tensor probe = rng.tensor(graph.activation(from).shape());
  std::vector<Parameter> params = graph.parameters();
  for (Parameter& p : params) p.grad->fill(0.0f);
  const std::string& input_name = graph.input_name();
  NamedTensors grads =
      graph.backward(probe, {.from = from, .wanted = {input_name}, .request = {.weight_grads = true}});
  Tensor input_grad = grads.at(input_name).clone();
  Tensor nudged_input = input.clone();
  compare_graph_gradient(graph, nudged_input, from, probe, nudged_input, input_grad, "d_" + input_name, tol);
  for (const std::string& name : parameter_names) {
    auto found = std::find_if(params.begin(), params.end(), [&](const Parameter& p) { return p.name == name; });
    REQUIRE_MESSAGE(found != params.end(), "no parameter " << name);
    Tensor analytic = found->grad->clone();
    compare_graph_gradient(graph, input, from, probe, *found->value, analytic, "d_" + name, tol);
  }
}

}  // namespace

TEST_CASE("Graph: nodes keep insertion order, per-item shapes, kinds and inputs") {
  Graph g;
  g.add_input("input", Shape{4, 5, 3});
  CHECK(g.add(std::make_unique<Relu>("a"), {"input"}) == Shape{4, 5, 3});
  g.add(std::make_unique<Relu>("b"), {"input"});
  g.add(std::make_unique<ScaledSum>("sum", nullptr), {"a", "b"});

  std::vector<NodeInfo> nodes = g.nodes();
  REQUIRE(nodes.size() == 4);
  CHECK(nodes[0].name == "input");
  CHECK(nodes[0].kind == "Input");
  CHECK(nodes[0].inputs.empty());
  CHECK(nodes[3].name == "sum");
  CHECK(nodes[3].kind == "ScaledSum");
  CHECK(nodes[3].inputs == std::vector<std::string>{"a", "b"});
  CHECK(nodes[3].item_shape == Shape{4, 5, 3});
  CHECK(nodes[3].spatial());
  CHECK(g.input_name() == "input");
  CHECK(g.output_name() == "sum");
  CHECK(g.contains("a"));
  CHECK_FALSE(g.contains("c"));
  CHECK(std::string(g.layer("a").kind()) == "ReLU");

  Graph flat;
  flat.add_input("x", Shape{6});
  flat.add(std::make_unique<Relu>("r"), {"x"});
  CHECK_FALSE(flat.nodes()[1].spatial());
}

TEST_CASE("Graph: parameters are gathered across layers with node-qualified names") {
  Graph g;
  g.add_input("input", Shape{3});
  g.add(std::make_unique<ScaledSum>("s1", nullptr), {"input"});
  g.add(std::make_unique<Relu>("r"), {"s1"});
  g.add(std::make_unique<ScaledSum>("s2", nullptr), {"r"});
  std::vector<Parameter> params = g.parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].name == "s1/scale");
  CHECK(params[1].name == "s2/scale");
  CHECK(params[0].value->shape() == Shape{1});
}

TEST_CASE("Graph: building errors name the node and the problem") {
  Graph g;
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<Relu>("r"), {"input"}), doctest::Contains("before add_input"), Error);
  g.add_input("input", Shape{4, 4, 2});
  CHECK_THROWS_WITH_AS(g.add_input("again", Shape{2}), doctest::Contains("only once"), Error);
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<Relu>("r"), {"nope"}),
                       doctest::Contains("ReLU 'r' reads 'nope', which is not a node yet"), Error);
  g.add(std::make_unique<Relu>("r"), {"input"});
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<Relu>("r"), {"input"}), doctest::Contains("'r' exists already"), Error);
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<Relu>("input"), {"r"}), doctest::Contains("'input' exists already"),
                       Error);
  CHECK_THROWS_WITH_AS(g.add(nullptr, {"r"}), doctest::Contains("null layer"), Error);
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<Relu>("two"), {"input", "r"}),
                       doctest::Contains("cannot add ReLU 'two' reading 'input' [1, 4, 4, 2], 'r' [1, 4, 4, 2]"), Error);
  g.add(std::make_unique<ChannelSum>("c"), {"r"});
  CHECK_THROWS_WITH_AS(g.add(std::make_unique<ScaledSum>("mix", nullptr), {"r", "c"}),
                       doctest::Contains("cannot add ScaledSum 'mix' reading 'r' [1, 4, 4, 2], 'c' [1, 4, 4, 1]"),
                       Error);
  CHECK_THROWS_WITH_AS(g.layer("input"), doctest::Contains("'input' is the graph input"), Error);
  CHECK_THROWS_WITH_AS(g.layer("zzz"), doctest::Contains("no node named 'zzz'"), Error);
  CHECK_FALSE(g.contains("mix"));  // a failed add leaves the graph as it was
}

TEST_CASE("Graph: forward runs the chain, keeps activations and works on a batch of 2") {
  Graph g;
  g.add_input("input", Shape{1, 2, 2});
  g.add(std::make_unique<Relu>("relu"), {"input"});
  g.add(std::make_unique<ScaledSum>("double", nullptr, 2.0f), {"relu"});
  g.add(std::make_unique<ChannelSum>("sum"), {"double"});

  // Batch 2, item [1, 2, 2]: pixels (1, -2), (-3, 4) then (5, 6), (-7, -8).
  Tensor x(Shape{2, 1, 2, 2}, std::vector<float>{1, -2, -3, 4, 5, 6, -7, -8});
  const Tensor& out = g.forward(x);
  CHECK(out.shape() == Shape{2, 1, 2, 1});
  CHECK(values_of(out) == std::vector<float>{2, 8, 22, 0});
  CHECK(values_of(g.activation("relu")) == std::vector<float>{1, 0, 0, 4, 5, 6, 0, 0});
  CHECK(values_of(g.activation("input")) == values_of(x));
  CHECK(&g.activation("sum") == &out);
}

TEST_CASE("Graph: activation buffers are reused when shapes do not change") {
  Graph g;
  g.add_input("input", Shape{3, 3, 2});
  g.add(std::make_unique<Relu>("a"), {"input"});
  g.add(std::make_unique<Relu>("b"), {"a"});
  Rng rng(3);
  Tensor x1 = rng.tensor(Shape{2, 3, 3, 2});
  Tensor x2 = rng.tensor(Shape{2, 3, 3, 2});
  g.forward(x1);
  const float* a_data = g.activation("a").data();
  const float* out_data = g.activation("b").data();
  g.forward(x2);
  CHECK(g.activation("a").data() == a_data);
  CHECK(g.activation("b").data() == out_data);
  for (size_t i = 0; i < x2.size(); ++i) CHECK(g.activation("a")[i] == std::max(x2[i], 0.0f));
  // A smaller batch fits in the same buffers.
  Tensor x3 = rng.tensor(Shape{1, 3, 3, 2});
  g.forward(x3);
  CHECK(g.activation("a").data() == a_data);
  CHECK(g.activation("a").shape() == Shape{1, 3, 3, 2});
}

TEST_CASE("Graph: forward with a keep list shares scratch buffers for the rest") {
  Graph g;
  g.add_input("input", Shape{4});
  g.add(std::make_unique<ScaledSum>("s1", nullptr, 2.0f), {"input"});
  g.add(std::make_unique<ScaledSum>("s2", nullptr, 3.0f), {"s1"});
  g.add(std::make_unique<ScaledSum>("s3", nullptr, 5.0f), {"s2"});
  g.add(std::make_unique<ScaledSum>("s4", nullptr, 7.0f), {"s3", "s1"});  // s1 lives long
  Tensor x(Shape{1, 4}, std::vector<float>{1, 2, 3, 4});

  const Tensor& out = g.forward(x, {.keep = std::vector<std::string>{"s2"}});
  // s4 = 7 * (30 x + 2 x) = 224 x
  CHECK(values_of(out) == std::vector<float>{224, 448, 672, 896});
  CHECK(values_of(g.activation("s2")) == std::vector<float>{6, 12, 18, 24});
  CHECK(&g.activation("s4") == &out);  // the last node is always kept
  CHECK_THROWS_WITH_AS(g.activation("s3"), doctest::Contains("activation of 's3'"), Error);
  CHECK_THROWS_WITH_AS(g.activation("input"), doctest::Contains("activation of 'input'"), Error);
  CHECK_THROWS_WITH_AS(g.forward(x, {.keep = std::vector<std::string>{"nope"}}),
                       doctest::Contains("no node named 'nope' (in ForwardOptions::keep)"), Error);

  // Backward needs the activations it goes through.
  Tensor grad(Shape{1, 4});
  g.forward(x, {.keep = std::vector<std::string>{"s2"}});
  CHECK_THROWS_WITH_AS(g.backward(grad), doctest::Contains("activation of 's1' (needed by backward) is not available"),
                       Error);
  // Keeping everything again makes every activation readable.
  g.forward(x);
  CHECK(values_of(g.activation("s3")) == std::vector<float>{30, 60, 90, 120});
  CHECK(values_of(g.activation("s1")) == std::vector<float>{2, 4, 6, 8});
}

TEST_CASE("Graph: fan-out gradients add up (input -> relu a, relu b -> sum)") {
  CallLog log;
  Graph g;
  g.add_input("input", Shape{4});
  g.add(std::make_unique<Relu>("a"), {"input"});
  g.add(std::make_unique<Relu>("b"), {"input"});
  g.add(std::make_unique<ScaledSum>("sum", &log), {"a", "b"});
  Tensor x(Shape{1, 4}, std::vector<float>{-1, 2, -3, 4});
  g.forward(x);
  Tensor grad(Shape{1, 4}, std::vector<float>{10, 20, 30, 40});
  NamedTensors grads = g.backward(grad, {.wanted = {"input", "a"}});
  CHECK(grads.size() == 2);
  CHECK(values_of(grads.at("input")) == std::vector<float>{0, 40, 0, 80});  // both branches, relu mask
  CHECK(values_of(grads.at("a")) == std::vector<float>{10, 20, 30, 40});
  CHECK_THROWS_WITH_AS(grads.at("b"), doctest::Contains("held: input, a"), Error);

  // Repeated backward passes start from zero, not from the last result.
  NamedTensors again = g.backward(grad, {.wanted = {"input"}});
  CHECK(values_of(again.at("input")) == std::vector<float>{0, 40, 0, 80});

  // The same node read twice by one layer counts twice.
  Graph twice;
  twice.add_input("input", Shape{2});
  twice.add(std::make_unique<ScaledSum>("sum", nullptr, 3.0f), {"input", "input"});
  Tensor y(Shape{1, 2}, std::vector<float>{1, 2});
  CHECK(values_of(twice.forward(y)) == std::vector<float>{6, 12});
  Tensor ones(Shape{1, 2}, std::vector<float>{1, 1});
  CHECK(values_of(twice.backward(ones, {.wanted = {"input"}}).at("input")) == std::vector<float>{6, 6});
}

TEST_CASE("Graph: backward visits exactly the path between stop and start, in reverse order") {
  CallLog log;
  Graph g;
  g.add_input("input", Shape{3});
  g.add(std::make_unique<ScaledSum>("s1", &log), {"input"});
  g.add(std::make_unique<ScaledSum>("side", &log), {"input"});  // feeds nothing downstream of s1
  g.add(std::make_unique<ScaledSum>("s2", &log), {"s1"});
  g.add(std::make_unique<ScaledSum>("s3", &log), {"s2", "side"});
  g.add(std::make_unique<ScaledSum>("s4", &log), {"s3", "s1"});
  g.add(std::make_unique<ScaledSum>("after", &log), {"s4"});
  Tensor x(Shape{1, 3}, std::vector<float>{1, 2, 3});
  g.forward(x);
  Tensor grad(Shape{1, 3}, std::vector<float>{1, 1, 1});

  SUBCASE("to the input: every ancestor of the start, none after it") {
    g.backward(grad, {.from = "s4", .wanted = {"input"}});
    CHECK(visited(log) == std::vector<std::string>{"s4", "s3", "s2", "side", "s1"});
  }
  SUBCASE("to a stop node: the side branch and the stop's own layer are skipped") {
    NamedTensors grads = g.backward(grad, {.from = "s4", .to = "s1", .wanted = {"s1", "s2"}});
    CHECK(visited(log) == std::vector<std::string>{"s4", "s3", "s2"});
    // s3 gets no gradient for `side` (not downstream of s1); s4 passes one to s1 directly.
    CHECK(log[0].input_grad_given == std::vector<bool>{true, true});
    CHECK(log[1].input_grad_given == std::vector<bool>{true, false});
    CHECK(log[2].input_grad_given == std::vector<bool>{true});
    // d s4 / d s1 = 1 (direct) + 1 (through s2, s3) per element
    CHECK(values_of(grads.at("s1")) == std::vector<float>{2, 2, 2});
    CHECK(values_of(grads.at("s2")) == std::vector<float>{1, 1, 1});
  }
  SUBCASE("a stop gradient nobody wants is not computed") {
    g.backward(grad, {.from = "s2", .to = "s1"});
    CHECK(log.empty());  // s2's only input is the stop: nothing to compute without weight grads
  }
  SUBCASE("start equal to stop returns the given gradient") {
    NamedTensors grads = g.backward(grad, {.from = "s2", .to = "s2", .wanted = {"s2"}});
    CHECK(log.empty());
    CHECK(values_of(grads.at("s2")) == std::vector<float>{1, 1, 1});
  }
  SUBCASE("the default start is the last node") {
    g.backward(grad, {.to = "s4", .wanted = {"s4"}});
    CHECK(visited(log) == std::vector<std::string>{"after"});
  }
}

TEST_CASE("Graph: weight gradients only when requested") {
  CallLog log;
  Graph g;
  g.add_input("input", Shape{2});
  g.add(std::make_unique<ScaledSum>("s1", &log, 2.0f), {"input"});
  g.add(std::make_unique<ScaledSum>("s2", &log, 3.0f), {"s1"});
  Tensor x(Shape{2, 2}, std::vector<float>{1, 2, 3, 4});  // batch 2
  g.forward(x);
  Tensor grad(Shape{2, 2}, std::vector<float>{1, 1, 1, 1});
  std::vector<Parameter> params = g.parameters();

  g.backward(grad, {.wanted = {"input"}});
  CHECK_FALSE(log[0].weight_grads);
  CHECK_FALSE(log[1].weight_grads);
  CHECK((*params[0].grad)[0] == 0.0f);
  CHECK((*params[1].grad)[0] == 0.0f);

  // Training: weight grads, no input gradient. s1's layer still runs for its weights.
  log.clear();
  g.backward(grad, {.request = {.weight_grads = true}});
  CHECK(visited(log) == std::vector<std::string>{"s2", "s1"});
  CHECK(log[1].input_grad_given == std::vector<bool>{false});
  // s2 = 3 s1: d/d scale2 = sum(s1) = 2 * 10; s1 = 2 x: d/d scale1 = sum(3 * x) = 30.
  CHECK((*params[1].grad)[0] == doctest::Approx(20.0f));
  CHECK((*params[0].grad)[0] == doctest::Approx(30.0f));
}

TEST_CASE("Graph: backward errors say what is wrong") {
  Graph g;
  g.add_input("input", Shape{2});
  g.add(std::make_unique<Relu>("a"), {"input"});
  g.add(std::make_unique<Relu>("b"), {"input"});
  g.add(std::make_unique<ScaledSum>("sum", nullptr), {"a", "b"});
  Tensor grad(Shape{1, 2});

  CHECK_THROWS_WITH_AS(g.backward(grad), doctest::Contains("run forward first"), Error);
  Tensor x(Shape{1, 2}, std::vector<float>{1, 2});
  CHECK_THROWS_WITH_AS(g.forward(Tensor(Shape{1, 3})), doctest::Contains("input 'input' expects [N] + [2], got [1, 3]"),
                       Error);
  g.forward(x);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.from = "nope"}), doctest::Contains("no node named 'nope' (BackwardOptions::from)"),
                       Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.to = "nope"}), doctest::Contains("no node named 'nope' (BackwardOptions::to)"),
                       Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.wanted = {"nope"}}),
                       doctest::Contains("no node named 'nope' (in BackwardOptions::wanted)"), Error);
  CHECK_THROWS_WITH_AS(g.backward(Tensor(Shape{2, 2})),
                       doctest::Contains("gradient at 'sum' must have its activation's shape [1, 2], got [2, 2]"),
                       Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.from = "a", .to = "b"}),
                       doctest::Contains("backward stop 'b' is not upstream of start 'a'"), Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.from = "b", .to = "a"}),
                       doctest::Contains("backward stop 'a' is not upstream of start 'b'"), Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.to = "a", .wanted = {"b"}}),
                       doctest::Contains("wanted gradient 'b' is not on a path from 'a' to 'sum'"), Error);
  CHECK_THROWS_WITH_AS(g.backward(grad, {.from = "a", .wanted = {"sum"}}),
                       doctest::Contains("wanted gradient 'sum' is not on a path from 'input' to 'a'"), Error);
}

TEST_CASE("Graph: a ReLU residual graph matches finite differences end to end (batch 2)") {
  Graph g;
  g.add_input("input", Shape{3, 2, 2});
  g.add(std::make_unique<ScaledSum>("scale", nullptr, 1.5f), {"input"});
  g.add(std::make_unique<Relu>("relu"), {"scale"});
  g.add(std::make_unique<ScaledSum>("residual", nullptr, 0.5f), {"relu", "input"});
  g.add(std::make_unique<ChannelSum>("sum"), {"residual"});
  Rng rng(11);
  Tensor x = rng.tensor(Shape{2, 3, 2, 2});
  away_from_zero(x);
  // Loose-ish: float32 forward, eps 1e-2 on a piecewise-linear graph: errors come from rounding only.
  check_graph_gradients(g, x, "sum", {"scale/scale", "residual/scale"}, Tolerance{1e-2f, 1e-3, 1e-3});
}

namespace {

// A composite graph (strided, depthwise and 1x1 convolutions, pooling, a shortcut, a dense head) on an 8x8x2 input:
//   conv1 3x3 s2 SAME (pads 0/1) + ReLU -> depthwise 3x3 SAME -> maxpool 3x3 s2 SAME (pads 0/1)
//   shortcut 1x1 s2 from conv1 ---------------------------------------------> add
//   -> conv2 3x3 SAME -> global average pool -> dense -> softmax
Graph residual_graph(Rng& rng) {
  Graph g;
  g.add_input("input", Shape{8, 8, 2});
  g.add(std::make_unique<Conv2D>("conv1", random_weights(rng, Shape{3, 3, 2, 4}, 18), rng.tensor(Shape{4}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(3, 2, PaddingMode::same), Activation::relu}),
        {"input"});
  g.add(std::make_unique<DepthwiseConv2D>("dw", random_weights(rng, Shape{3, 3, 4, 1}, 9),
                                          rng.tensor(Shape{4}, -0.1f, 0.1f), ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"conv1"});
  g.add(std::make_unique<MaxPool>("pool", Window2D::square(3, 2, PaddingMode::same)), {"dw"});
  g.add(std::make_unique<Conv2D>("shortcut", random_weights(rng, Shape{1, 1, 4, 4}, 4),
                                 rng.tensor(Shape{4}, -0.1f, 0.1f), ConvParams{Window2D::square(1, 2, PaddingMode::same)}),
        {"conv1"});
  g.add(std::make_unique<Add>("add"), {"pool", "shortcut"});
  g.add(std::make_unique<Conv2D>("conv2", random_weights(rng, Shape{3, 3, 4, 3}, 36), rng.tensor(Shape{3}, -0.1f, 0.1f),
                                 ConvParams{Window2D::square(3, 1, PaddingMode::same)}),
        {"add"});
  g.add(std::make_unique<GlobalAveragePool>("gap"), {"conv2"});
  g.add(std::make_unique<Dense>("logits", random_weights(rng, Shape{3, 3}, 3), rng.tensor(Shape{3}, -0.1f, 0.1f)),
        {"gap"});
  g.add(std::make_unique<Softmax>("probs"), {"logits"});
  return g;
}

}  // namespace

TEST_CASE("Graph: the residual conv graph has the expected shapes") {
  Rng rng(21);
  Graph g = residual_graph(rng);
  std::vector<NodeInfo> nodes = g.nodes();
  auto shape_of = [&](const std::string& name) {
    for (const NodeInfo& n : nodes) {
      if (n.name == name) return n.item_shape;
    }
    FAIL("no node " << name);
    return Shape{};
  };
  CHECK(shape_of("conv1") == Shape{4, 4, 4});
  CHECK(shape_of("pool") == Shape{2, 2, 4});
  CHECK(shape_of("add") == Shape{2, 2, 4});
  CHECK(shape_of("gap") == Shape{3});
  CHECK(shape_of("probs") == Shape{3});
  CHECK(g.parameters().size() == 10);  // 4 convolutions and a dense layer, each kernel + bias
}

TEST_CASE("Graph: the residual conv graph matches finite differences end to end (batch 2)") {
  Rng rng(21);
  Graph g = residual_graph(rng);
  Tensor x = rng.tensor(Shape{2, 8, 8, 2});
  // eps 1e-3 keeps kink crossings rare; float32 forward noise in the loss (~1e-7 relative) over
  // 2 eps gives ~1e-4 in the numeric slope, so abs 1e-3 + 1% relative.
  Tolerance tol{1e-3f, 1e-3, 1e-2};
  SUBCASE("through the softmax") {
    check_graph_gradients(g, x, "probs", {"conv1/kernel", "dw/kernel", "shortcut/bias", "conv2/kernel", "logits/kernel"},
                          tol);
  }
  SUBCASE("from the logits") { check_graph_gradients(g, x, "logits", {"conv1/bias", "dw/bias"}, tol); }
}

TEST_CASE("Graph: Grad-CAM style backward to the last conv equals the input path's intermediate gradient") {
  Rng rng(22);
  Graph g = residual_graph(rng);
  Tensor x = rng.tensor(Shape{2, 8, 8, 2});
  g.forward(x);
  Tensor seed(Shape{2, 3}, std::vector<float>{0, 1, 0, 0, 0, 1});  // one logit per item
  Tensor at_stop = g.backward(seed, {.from = "logits", .to = "conv2", .wanted = {"conv2"}}).at("conv2").clone();
  Tensor full_path = g.backward(seed, {.from = "logits", .wanted = {"conv2", "input"}}).at("conv2").clone();
  CHECK(max_abs_diff(at_stop, full_path) == 0.0f);
  // GAP -> Dense: d logit_k / d conv2[n, h, w, c] = kernel[c, k] / (H * W), the same at every pixel.
  const Tensor& kernel = *g.parameters()[8].value;  // logits/kernel
  REQUIRE(g.parameters()[8].name == "logits/kernel");
  for (int n = 0; n < 2; ++n) {
    int k = n == 0 ? 1 : 2;
    for (int p = 0; p < 4; ++p) {
      for (int c = 0; c < 3; ++c) CHECK(at_stop[(n * 4 + p) * 3 + c] == doctest::Approx(kernel[c * 3 + k] / 4.0f));
    }
  }
}
