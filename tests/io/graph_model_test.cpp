#include "io/graph_model.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/model.h"

using namespace camlens;
using nlohmann::json;

namespace {

std::string base64(const std::string& text) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < text.size(); i += 3) {
    const unsigned a = static_cast<unsigned char>(text[i]);
    const unsigned b = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    const unsigned c = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
    const unsigned bits = (a << 16) | (b << 8) | c;
    out += digits[(bits >> 18) & 63];
    out += digits[(bits >> 12) & 63];
    out += i + 1 < text.size() ? digits[(bits >> 6) & 63] : '=';
    out += i + 2 < text.size() ? digits[bits & 63] : '=';
  }
  return out;
}

json str_attr(const std::string& value) { return {{"s", base64(value)}}; }
json ints_attr(std::vector<int> values) {
  json list = json::array();
  for (int v : values) list.push_back(std::to_string(v));  // TensorFlow writes int64 as strings
  return {{"list", {{"i", list}}}};
}
json conv_attrs(const std::string& padding, int stride = 1) {
  return {{"T", {{"type", "DT_FLOAT"}}},
          {"data_format", str_attr("NHWC")},
          {"padding", str_attr(padding)},
          {"strides", ints_attr({1, stride, stride, 1})},
          {"dilations", ints_attr({1, 1, 1, 1})}};
}

// A small graph model assembled node by node, with its weights in one shard.
struct GraphModelBuilder {
  json nodes = json::array();
  json manifest = json::array();
  std::vector<uint8_t> bytes;
  json metadata;  // userDefinedMetadata, when not null

  void node(const std::string& name, const std::string& op, std::vector<std::string> inputs, json attr = json::object()) {
    nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
  }
  void placeholder(const std::string& name, std::vector<int> shape) {
    json dims = json::array();
    for (int d : shape) dims.push_back({{"size", std::to_string(d)}});
    node(name, "Placeholder", {}, {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", {{"dim", dims}}}}}});
  }
  void constant(const std::string& name, std::vector<int> shape, const std::vector<float>& values) {
    node(name, "Const", {}, {{"dtype", {{"type", "DT_FLOAT"}}}});
    manifest.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
    const size_t start = bytes.size();
    bytes.resize(start + values.size() * sizeof(float));
    std::memcpy(bytes.data() + start, values.data(), values.size() * sizeof(float));
  }
  void int_constant(const std::string& name, const std::vector<int32_t>& values) {
    node(name, "Const", {}, {{"dtype", {{"type", "DT_INT32"}}}});
    manifest.push_back({{"name", name}, {"shape", {static_cast<int>(values.size())}}, {"dtype", "int32"}});
    const size_t start = bytes.size();
    bytes.resize(start + values.size() * sizeof(int32_t));
    std::memcpy(bytes.data() + start, values.data(), values.size() * sizeof(int32_t));
  }
  std::string model_json() const {
    json model{{"format", "graph-model"},
               {"modelTopology", {{"node", nodes}}},
               {"weightsManifest", json::array({{{"paths", {"weights.bin"}}, {"weights", manifest}}})}};
    if (!metadata.is_null()) model["userDefinedMetadata"] = metadata;
    return model.dump();
  }
  void signature_output(const std::string& name) {
    metadata = {{"signature", {{"outputs", {{name + ":0", {{"name", name + ":0"}}}}}}}};
  }
  Model load() const { return load_with(bytes); }
  // The graph alone, for graphs that are no classifier (load() checks for one logit per class).
  Graph graph() const {
    const ShardBytes shards[] = {{"weights.bin", bytes}};
    return import_graph_model(json::parse(model_json()), read_weights(json::parse(model_json())["weightsManifest"], shards));
  }
  Model load_with(const std::vector<uint8_t>& shard) const {
    const ShardBytes shards[] = {{"weights.bin", shard}};
    return load_model(model_json(), shards);
  }
};

// x [1, 3, 3, 1] -> Conv2D 2x2 (1 -> 2) -> BiasAdd -> Relu -> Mean -> MatMul (2 -> 3) -> BiasAdd -> Softmax,
// with Identity aliases between some of them.
GraphModelBuilder small_classifier() {
  GraphModelBuilder b;
  b.placeholder("x", {-1, 3, 3, 1});
  b.constant("conv/kernel", {2, 2, 1, 2}, {1, -1, 0.5f, 0, 0, 2, -1, 1});
  b.constant("conv/bias", {2}, {0.25f, -0.5f});
  b.int_constant("mean/axes", {1, 2});
  b.constant("fc/kernel", {2, 3}, {1, 0, -1, 0.5f, 2, 0});
  b.constant("fc/bias", {3}, {0, 0.1f, -0.1f});
  b.node("conv/Conv2D", "Conv2D", {"x", "conv/kernel"}, conv_attrs("VALID"));
  b.node("conv/BiasAdd", "BiasAdd", {"conv/Conv2D", "conv/bias"}, {{"data_format", str_attr("NHWC")}});
  b.node("conv/Relu", "Relu", {"conv/BiasAdd"});
  b.node("conv/out", "Identity", {"conv/Relu"});
  b.node("mean", "Mean", {"conv/out", "mean/axes"}, {{"keep_dims", {{"b", false}}}});
  b.node("fc/MatMul", "MatMul", {"mean", "fc/kernel"}, {{"transpose_a", {{"b", false}}}, {"transpose_b", {{"b", false}}}});
  b.node("fc/BiasAdd", "BiasAdd", {"fc/MatMul:0", "fc/bias", "^mean"});  // an output index and a control input
  b.node("probs", "Softmax", {"fc/BiasAdd"});
  b.node("Identity", "Identity", {"probs"});
  return b;
}

// A plain convolution with zero padding: out[y][x][o] = bias[o] + sum over the window of
// kernel[i][j][c][o] * in[y + i - top][x + j - left][c]. Depthwise: out channel c reads in channel c only.
struct ReferenceConv {
  int height, width, channels;  // the input, NHWC with batch 1
  int kernel_h, kernel_w, out_channels;
  int top, bottom, left, right;
  bool depthwise = false;

  int out_height() const { return height + top + bottom - kernel_h + 1; }
  int out_width() const { return width + left + right - kernel_w + 1; }
  std::vector<float> run(const std::vector<float>& in, const std::vector<float>& kernel,
                         const std::vector<float>& bias) const {
    std::vector<float> out;
    for (int y = 0; y < out_height(); ++y) {
      for (int x = 0; x < out_width(); ++x) {
        for (int o = 0; o < out_channels; ++o) {
          double sum = bias[o];
          for (int i = 0; i < kernel_h; ++i) {
            for (int j = 0; j < kernel_w; ++j) {
              const int iy = y + i - top, ix = x + j - left;
              if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
              for (int c = depthwise ? o : 0; c < (depthwise ? o + 1 : channels); ++c) {
                const int k = depthwise ? (i * kernel_w + j) * channels + c
                                        : ((i * kernel_w + j) * channels + c) * out_channels + o;
                sum += static_cast<double>(kernel[k]) * in[(iy * width + ix) * channels + c];
              }
            }
          }
          out.push_back(static_cast<float>(sum));
        }
      }
    }
    return out;
  }
};

int count_if(const std::vector<float>& values, float lo, float hi) {
  int n = 0;
  for (float v : values) n += v > lo && v < hi;
  return n;
}

}  // namespace

TEST_CASE("graph model: a small classifier imports with BiasAdd folded and aliases dropped, and computes right") {
  Model model = small_classifier().load();
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  REQUIRE(nodes.size() == 6);
  CHECK(nodes[1].name == "conv/BiasAdd");  // the Conv2D and its BiasAdd became one node, named like the BiasAdd
  CHECK(nodes[1].kind == "Conv2D");
  CHECK(nodes[2].inputs == std::vector<std::string>{"conv/BiasAdd"});
  CHECK(nodes[3].inputs == std::vector<std::string>{"conv/Relu"});  // through the Identity alias
  CHECK(nodes[4].name == "fc/BiasAdd");
  CHECK(nodes[4].kind == "Dense");
  CHECK(model.logits == "fc/BiasAdd");
  CHECK(model.probabilities == "probs");

  // By hand: the kernel [kh, kw, in, out] read per output channel, window pixels in row-major order.
  const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float k0[4] = {1, 0.5f, 0, -1};  // channel 0 at (0,0), (0,1), (1,0), (1,1)
  const float k1[4] = {-1, 0, 2, 1};
  float mean0 = 0, mean1 = 0;
  for (int y = 0; y < 2; ++y) {
    for (int xx = 0; xx < 2; ++xx) {
      const float w[4] = {x[y * 3 + xx], x[y * 3 + xx + 1], x[(y + 1) * 3 + xx], x[(y + 1) * 3 + xx + 1]};
      float c0 = 0.25f, c1 = -0.5f;
      for (int i = 0; i < 4; ++i) {
        c0 += w[i] * k0[i];
        c1 += w[i] * k1[i];
      }
      mean0 += std::max(c0, 0.0f) / 4;
      mean1 += std::max(c1, 0.0f) / 4;
    }
  }
  const float logits[3] = {mean0 * 1 + mean1 * 0.5f, mean0 * 0 + mean1 * 2 + 0.1f, mean0 * -1 + mean1 * 0 - 0.1f};
  Tensor input(Shape::nhwc(1, 3, 3, 1), x);
  model.graph.forward(input);
  const Tensor& out = model.graph.activation(model.logits);
  for (int i = 0; i < 3; ++i) CHECK(out[i] == doctest::Approx(logits[i]).epsilon(1e-6));
}

TEST_CASE("graph model: fused convolutions, depthwise, pools, Add and keep_dims Mean import with their shapes") {
  GraphModelBuilder b;
  b.placeholder("in", {1, 8, 8, 2});
  std::vector<float> k(3 * 3 * 2 * 4, 0.01f), dk(3 * 3 * 4, 0.02f), bias(4, 0.1f);
  b.constant("k", {3, 3, 2, 4}, k);
  b.constant("b", {4}, bias);
  b.constant("dk", {3, 3, 4, 1}, dk);
  b.constant("db", {4}, bias);
  b.int_constant("axes", {2, 1});
  json fused = conv_attrs("SAME", 2);
  fused["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64("Relu6")}}}}};
  fused["num_args"] = {{"i", "1"}};
  b.node("c1", "_FusedConv2D", {"in", "k", "b"}, fused);
  json depthwise = conv_attrs("EXPLICIT");
  depthwise["explicit_paddings"] = ints_attr({0, 0, 1, 0, 2, 1, 0, 0});
  depthwise["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64("Relu")}}}}};
  b.node("d1", "FusedDepthwiseConv2dNative", {"c1", "dk", "db"}, depthwise);
  b.node("out", "Relu6", {"d1"});
  json pool = conv_attrs("SAME", 1);
  pool.erase("dilations");
  pool["ksize"] = ints_attr({1, 3, 3, 1});
  b.node("p1", "AvgPool", {"c1"}, pool);
  b.node("sum", "AddV2", {"p1", "c1"});
  b.node("gap", "Mean", {"sum", "axes"}, {{"keep_dims", {{"b", true}}}});

  // Two nodes nobody reads: the signature says which is the output; only what it needs is imported.
  CHECK_THROWS_WITH_AS(b.graph(), doctest::Contains("camlens needs exactly one output, found 2: gap, out"), Error);
  b.signature_output("gap");
  const std::vector<NodeInfo> nodes = b.graph().nodes();
  REQUIRE(nodes.size() == 6);
  CHECK(nodes[1].name == "c1");
  CHECK(nodes[1].item_shape == Shape{4, 4, 4});
  CHECK(nodes[2].kind == "AvgPool");
  CHECK(nodes[2].item_shape == Shape{4, 4, 4});
  CHECK(nodes[3].kind == "Add");
  CHECK(nodes[4].name == "gap/global_average");
  CHECK(nodes[5].name == "gap");
  CHECK(nodes[5].item_shape == Shape{1, 1, 4});

  // Explicit pads (top 1, bottom 0, left 2, right 1) on 4x4 with a 3x3 window -> 3x5.
  b.signature_output("out");
  const std::vector<NodeInfo> depthwise_nodes = b.graph().nodes();
  REQUIRE(depthwise_nodes.size() == 4);
  CHECK(depthwise_nodes[2].kind == "DepthwiseConv2D");
  CHECK(depthwise_nodes[2].item_shape == Shape{3, 5, 4});
  CHECK(depthwise_nodes[3].kind == "ReLU6");
}

TEST_CASE("graph model: fused Relu6 caps at 6 and EXPLICIT pads land on their own sides, by value") {
  // x [1, 4, 5, 2] -> _FusedConv2D 3x3 (2 -> 3) [BiasAdd, Relu6], pads top 2, bottom 0, left 0, right 1;
  // x -> FusedDepthwiseConv2dNative 3x3 [BiasAdd, Relu], pads top 0, bottom 1, left 2, right 0 -> Relu6.
  // The input and kernels have no symmetry, so a swapped pair of pads moves values, not only shapes.
  const ReferenceConv conv{4, 5, 2, 3, 3, 3, 2, 0, 0, 1};
  ReferenceConv depthwise{4, 5, 2, 3, 3, 2, 0, 1, 2, 0};
  depthwise.depthwise = true;
  std::vector<float> x(4 * 5 * 2), k(3 * 3 * 2 * 3), dk(3 * 3 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 11) - 3.0f;  // -3 .. 7
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>((i * 5) % 9) * 0.25f - 0.75f;
  for (size_t i = 0; i < dk.size(); ++i) dk[i] = static_cast<float>((i * 4) % 7) * 0.5f - 1.0f;
  const std::vector<float> bias{0.5f, -1.0f, 2.0f}, depthwise_bias{1.0f, -0.5f};

  GraphModelBuilder b;
  b.placeholder("x", {1, 4, 5, 2});
  b.constant("k", {3, 3, 2, 3}, k);
  b.constant("b", {3}, bias);
  b.constant("dk", {3, 3, 2, 1}, dk);
  b.constant("db", {2}, depthwise_bias);
  json fused = conv_attrs("EXPLICIT");
  fused["explicit_paddings"] = ints_attr({0, 0, 2, 0, 0, 1, 0, 0});
  fused["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64("Relu6")}}}}};
  b.node("conv", "_FusedConv2D", {"x", "k", "b"}, fused);
  json fused_depthwise = conv_attrs("EXPLICIT");
  fused_depthwise["explicit_paddings"] = ints_attr({0, 0, 0, 1, 2, 0, 0, 0});
  fused_depthwise["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64("Relu")}}}}};
  b.node("dw", "FusedDepthwiseConv2dNative", {"x", "dk", "db"}, fused_depthwise);
  b.node("dw6", "Relu6", {"dw"});
  const Tensor input(Shape::nhwc(1, 4, 5, 2), x);

  // The reference's pre-activations span all three pieces of ReLU6, so each piece is checked.
  const std::vector<float> conv_pre = conv.run(x, k, bias), depthwise_pre = depthwise.run(x, dk, depthwise_bias);
  REQUIRE(count_if(conv_pre, 6.0f, 1e9f) >= 5);
  REQUIRE(count_if(conv_pre, 0.0f, 6.0f) >= 5);
  REQUIRE(count_if(conv_pre, -1e9f, 0.0f) >= 5);
  REQUIRE(count_if(depthwise_pre, 6.0f, 1e9f) >= 3);
  REQUIRE(count_if(depthwise_pre, 0.0f, 6.0f) >= 3);

  auto check_relu6 = [&](const std::string& output, const Shape& shape, const std::vector<float>& pre) {
    CAPTURE(output);
    b.signature_output(output);
    Graph graph = b.graph();
    const Tensor& out = graph.forward(input);
    REQUIRE(out.shape() == shape);
    for (size_t i = 0; i < pre.size(); ++i) {
      CAPTURE(i);
      // Integers times quarter and half steps: every partial sum is exact in float.
      CHECK(out[i] == doctest::Approx(std::clamp(pre[i], 0.0f, 6.0f)).epsilon(1e-6));
    }
  };
  check_relu6("conv", Shape::nhwc(1, conv.out_height(), conv.out_width(), 3), conv_pre);
  check_relu6("dw6", Shape::nhwc(1, depthwise.out_height(), depthwise.out_width(), 2), depthwise_pre);
}

TEST_CASE("graph model: an unfoldable BiasAdd, Add of a constant, Squeeze, Reshape and a transposed _FusedMatMul") {
  GraphModelBuilder b;
  b.placeholder("x", {-1, 2, 2, 2});
  b.constant("k", {1, 1, 2, 3}, {1, 0, -1, 0.5f, 1, 2});  // out c = x0 * k[0][c] + x1 * k[1][c]
  b.constant("cb", {3}, {-1, 0.5f, 0});
  b.constant("shift", {1, 1, 1, 3}, {0.25f, 0, -0.25f});
  b.int_constant("axes", {1, 2});
  b.constant("w", {2, 3}, {1, -1, 0.5f, 2, 0, -1});  // transpose_b: [out, in]
  b.constant("wb", {2}, {0.1f, -3});
  b.int_constant("shape", {-1, 2});
  b.node("c", "Conv2D", {"x", "k"}, conv_attrs("VALID"));
  b.node("c_bias", "BiasAdd", {"c", "cb"});  // c has two readers: the bias cannot fold into it
  b.node("c_relu", "Relu", {"c"});
  b.node("sum", "AddV2", {"c_bias", "c_relu"});
  b.node("shifted", "Add", {"sum", "shift"});
  b.node("mean", "Mean", {"shifted", "axes"}, {{"keep_dims", {{"b", true}}}});
  b.node("squeezed", "Squeeze", {"mean"}, {{"squeeze_dims", ints_attr({1, 2})}});
  json fused = {{"transpose_b", {{"b", true}}}, {"fused_ops", {{"list", {{"s", {base64("BiasAdd"), base64("Relu")}}}}}}};
  b.node("fc", "_FusedMatMul", {"squeezed", "w", "wb"}, fused);
  b.node("flat", "Reshape", {"fc", "shape"});
  b.node("out", "Softmax", {"flat"});
  Graph graph = b.graph();
  std::vector<std::string> kinds;
  for (const NodeInfo& node : graph.nodes()) kinds.push_back(node.name + ":" + node.kind);
  CHECK(kinds == std::vector<std::string>{"x:Input", "c:Conv2D", "c_bias:Affine", "c_relu:ReLU", "sum:Add",
                                          "shifted:Affine", "mean/global_average:GlobalAveragePool", "mean:Reshape",
                                          "squeezed:Reshape", "fc:Dense", "flat:Reshape", "out:Softmax"});

  const std::vector<float> x{1, 2, -1, 0.5f, 0, -2, 3, 1};  // 4 pixels x 2 channels
  const float k[2][3] = {{1, 0, -1}, {0.5f, 1, 2}};
  const float cb[3] = {-1, 0.5f, 0}, shift[3] = {0.25f, 0, -0.25f};
  float mean[3] = {0, 0, 0};
  for (int p = 0; p < 4; ++p) {
    for (int c = 0; c < 3; ++c) {
      const float conv = x[p * 2] * k[0][c] + x[p * 2 + 1] * k[1][c];
      mean[c] += (conv + cb[c] + std::max(conv, 0.0f) + shift[c]) / 4;
    }
  }
  const float w[2][3] = {{1, -1, 0.5f}, {2, 0, -1}}, wb[2] = {0.1f, -3};
  Tensor input(Shape::nhwc(1, 2, 2, 2), x);
  graph.forward(input);
  const Tensor& logits = graph.activation("flat");
  REQUIRE(logits.shape() == Shape{1, 2});
  for (int o = 0; o < 2; ++o) {
    const float expected = std::max(mean[0] * w[o][0] + mean[1] * w[o][1] + mean[2] * w[o][2] + wb[o], 0.0f);
    CHECK(logits[o] == doctest::Approx(expected).epsilon(1e-6));
  }
}

TEST_CASE("graph model: unsupported ops, layouts and attributes are Errors naming the op and the node") {
  GraphModelBuilder b = small_classifier();
  b.node("erf", "Erf", {"Identity"});
  CHECK_THROWS_WITH_AS(b.load(), doctest::Contains("op 'Erf' (node 'erf') is not supported; supported ops: Placeholder"),
                       Error);

  GraphModelBuilder nchw = small_classifier();
  for (json& n : nchw.nodes) {
    if (n["name"] == "conv/Conv2D") n["attr"]["data_format"] = str_attr("NCHW");
  }
  CHECK_THROWS_WITH_AS(nchw.load(), doctest::Contains("Conv2D 'conv/Conv2D' has data_format NCHW; only NHWC is supported"),
                       Error);

  GraphModelBuilder padding = small_classifier();
  for (json& n : padding.nodes) {
    if (n["name"] == "conv/Conv2D") n["attr"]["padding"] = str_attr("CAUSAL");
  }
  CHECK_THROWS_WITH_AS(padding.load(),
                       doctest::Contains("Conv2D 'conv/Conv2D' has padding \"CAUSAL\"; supported: SAME, VALID, EXPLICIT"),
                       Error);

  GraphModelBuilder fused;
  fused.placeholder("in", {-1, 4, 4, 1});
  fused.constant("k", {1, 1, 1, 1}, {1});
  fused.constant("b", {1}, {0});
  json attrs = conv_attrs("VALID");
  attrs["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64("Tanh")}}}}};
  fused.node("c", "_FusedConv2D", {"in", "k", "b"}, attrs);
  CHECK_THROWS_WITH_AS(fused.load(),
                       doctest::Contains("_FusedConv2D 'c' fuses [BiasAdd, Tanh] with 1 argument(s); supported fused_ops"),
                       Error);

  GraphModelBuilder half = small_classifier();
  half.nodes[0]["attr"]["dtype"] = {{"type", "DT_HALF"}};
  CHECK_THROWS_WITH_AS(half.load(), doctest::Contains("Placeholder 'x' has dtype DT_HALF; only DT_FLOAT is supported"), Error);
}

TEST_CASE("graph model: damaged files are Errors that say what is wrong") {
  const GraphModelBuilder b = small_classifier();
  std::vector<uint8_t> truncated(b.bytes.begin(), b.bytes.end() - 4);
  CHECK_THROWS_WITH_AS(b.load_with(truncated),
                       doctest::Contains("shard file 'weights.bin' is too short: tensor 'fc/bias' [3]"), Error);
  std::vector<uint8_t> longer = b.bytes;
  longer.resize(longer.size() + 3);
  CHECK_THROWS_WITH_AS(b.load_with(longer),
                       doctest::Contains("shard file 'weights.bin' does not match the manifest"), Error);
  std::vector<uint8_t> with_nan = b.bytes;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(with_nan.data() + 4, &nan, sizeof(nan));  // conv/kernel's second value
  CHECK_THROWS_WITH_AS(b.load_with(with_nan), doctest::Contains("tensor 'conv/kernel' [2, 2, 1, 2] holds NaN at value 1"),
                       Error);
  const ShardBytes shards[] = {{"weights.bin", b.bytes}};
  CHECK_THROWS_WITH_AS(load_model("{\"format\": \"graph-model\", \"modelTopology\": {", shards),
                       doctest::Contains("model.json is not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(load_model("{\"format\": \"graph-model\"}", shards),
                       doctest::Contains("model.json has no \"weightsManifest\""), Error);
  // A number beyond a double's range is a JSON error too, in model.json and in metadata.json.
  CHECK_THROWS_WITH_AS(load_model("{\"format\": \"graph-model\", \"scale\": 1e400}", shards),
                       doctest::Contains("model.json is not valid JSON ([json.exception.out_of_range.406] number overflow"),
                       Error);
  CHECK_THROWS_WITH_AS(load_model(b.model_json(), shards, "{\"scaling\": {\"scale\": 1e400}}"),
                       doctest::Contains("metadata.json is not valid JSON"), Error);
}

TEST_CASE("graph model: a cycle is reported as a cycle, also when it leaves the input unread") {
  GraphModelBuilder b = small_classifier();
  for (json& n : b.nodes) {
    if (n["name"] == "conv/Conv2D") n["input"][0] = "conv/out";  // reads its own Relu through the alias
  }
  CHECK_THROWS_WITH_AS(
      b.load(),
      doctest::Contains("the graph has a cycle: conv/Conv2D -> conv/BiasAdd -> conv/Relu -> conv/out -> conv/Conv2D"),
      Error);

  // With the output named by the signature, the walk from the output meets the cycle.
  b.signature_output("Identity");
  CHECK_THROWS_WITH_AS(b.load(), doctest::Contains("the graph has a cycle through"), Error);
}

TEST_CASE("emotion model: loads from models/emotion with the expected nodes, shapes and metadata") {
  Model model = load_model_file("models/emotion/model.json");
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  CHECK(model.input() == "input_1");
  CHECK(nodes.front().item_shape == Shape{64, 64, 1});
  CHECK(nodes.back().kind == "Softmax");
  CHECK(nodes.back().item_shape == Shape{7});
  CHECK(model.probabilities == "StatefulPartitionedCall/model_1/predictions/Softmax");
  CHECK(model.logits == "StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean");
  // 9 convolutions, 4 depthwise, 2 pools, 2 adds, 1 ReLU, the mean and the softmax, after the input.
  CHECK(nodes.size() == 1 + 9 + 4 + 2 + 2 + 1 + 1 + 1);
  auto shape_of = [&](const std::string& name) {
    for (const NodeInfo& n : nodes) {
      if (n.name == name) return n.item_shape;
    }
    FAIL("no node ", name);
    return Shape{};
  };
  const std::string prefix = "StatefulPartitionedCall/model_1/";
  CHECK(shape_of(prefix + "block1_conv1_act/Relu") == Shape{31, 31, 32});
  CHECK(shape_of(prefix + "block1_conv2_act/Relu") == Shape{29, 29, 64});
  CHECK(shape_of(prefix + "max_pooling2d_1/MaxPool") == Shape{15, 15, 128});
  CHECK(shape_of(prefix + "add_2/add") == Shape{8, 8, 256});
  CHECK(shape_of(prefix + "conv2d_5/BiasAdd") == Shape{8, 8, 7});

  CHECK(model.metadata.labels ==
        std::vector<std::string>{"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"});
  CHECK(model.metadata.color == InputColor::gray);
  CHECK(model.metadata.scale == 2.0f);
  CHECK(model.metadata.offset == -1.0f);
  CHECK(model.metadata.explain_layer == prefix + "add_2/add");  // the last feature layer

  // Two different images: probabilities sum to 1 and differ.
  Tensor input(Shape::nhwc(2, 64, 64, 1));
  for (size_t i = 0; i < input.size(); ++i) input[i] = i < 4096 ? std::sin(0.01f * i) : -0.5f;
  const Tensor& probs = model.graph.forward(input);
  REQUIRE(probs.shape() == Shape{2, 7});
  float sums[2] = {0, 0};
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 7; ++c) sums[n] += probs[n * 7 + c];
  }
  CHECK(sums[0] == doctest::Approx(1.0f).epsilon(1e-5));
  CHECK(sums[1] == doctest::Approx(1.0f).epsilon(1e-5));
  CHECK(probs[0] != probs[7]);
}

TEST_CASE("graph model: Pad becomes a ZeroPad2D around H, W and the channels, by value; other pads are refused") {
  // x [1, 2, 2, 1] -> Pad [[0, 0], [1, 0], [0, 1], [0, 2]] -> [3, 3, 3]: a zero row on top, a zero
  // column on the right, two zero channels after the one channel.
  GraphModelBuilder b;
  b.placeholder("x", {1, 2, 2, 1});
  b.int_constant("pads", {0, 0, 1, 0, 0, 1, 0, 2});
  b.node("pad", "Pad", {"x", "pads"}, {{"T", {{"type", "DT_FLOAT"}}}, {"Tpaddings", {{"type", "DT_INT32"}}}});
  Graph graph = b.graph();
  CHECK(graph.nodes().back().kind == "ZeroPad2D");
  const Tensor input(Shape::nhwc(1, 2, 2, 1), std::vector<float>{1, 2, 3, 4});
  const Tensor& out = graph.forward(input);
  REQUIRE(out.shape() == Shape::nhwc(1, 3, 3, 3));
  const std::vector<float> expected{0, 0, 0, 0, 0, 0, 0, 0, 0,  // the top row of zeros
                                    1, 0, 0, 2, 0, 0, 0, 0, 0,  // 1 and 2, then the right column
                                    3, 0, 0, 4, 0, 0, 0, 0, 0};
  CHECK(std::vector<float>(out.values().begin(), out.values().end()) == expected);

  GraphModelBuilder batch;
  batch.placeholder("x", {1, 2, 2, 1});
  batch.int_constant("pads", {1, 0, 0, 0, 0, 0, 0, 0});
  batch.node("pad", "Pad", {"x", "pads"});
  CHECK_THROWS_WITH_AS(batch.graph(),
                       doctest::Contains("Pad 'pad' pads 'x' [2, 2, 1] by [1, 0, 0, 0, 0, 0, 0, 0]; supported: int32 paddings"),
                       Error);
}

TEST_CASE("graph model: every output the signature names is imported and readable after one forward") {
  // x -> Relu ("scores") and x -> Pad ("boxes"): two outputs, both kept when asked for.
  GraphModelBuilder b;
  b.placeholder("x", {1, 1, 2, 1});
  b.int_constant("pads", {0, 0, 0, 0, 0, 0, 0, 1});
  b.node("scores", "Relu", {"x"});
  b.node("boxes", "Pad", {"x", "pads"});
  b.node("Identity", "Identity", {"scores"});
  b.node("Identity_1", "Identity", {"boxes"});
  b.metadata = {{"signature", {{"outputs", {{"Identity:0", {{"name", "Identity:0"}}}, {"Identity_1:0", {{"name", "Identity_1:0"}}}}}}}};
  Graph graph = b.graph();
  REQUIRE(graph.nodes().size() == 3);
  CHECK(graph.output_name() == "scores");  // the node names sort boxes, scores
  const Tensor input(Shape::nhwc(1, 1, 2, 1), std::vector<float>{-1, 2});
  ForwardOptions keep;
  keep.keep = std::vector<std::string>{"scores", "boxes"};
  graph.forward(input, keep);
  const Tensor& scores = graph.activation("scores");
  const Tensor& boxes = graph.activation("boxes");
  CHECK(std::vector<float>(scores.values().begin(), scores.values().end()) == std::vector<float>{0, 2});
  CHECK(std::vector<float>(boxes.values().begin(), boxes.values().end()) == std::vector<float>{-1, 0, 2, 0});
}

namespace {

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

json float_attr(float value) { return {{"f", value}}; }
json int_attr(int value) { return {{"i", std::to_string(value)}}; }

// StridedSlice attributes as the TensorFlow.js converter writes them for x[:, i] on [N, C].
json column_slice_attrs() {
  return {{"T", {{"type", "DT_FLOAT"}}}, {"Index", {{"type", "DT_INT32"}}}, {"begin_mask", int_attr(1)},
          {"end_mask", int_attr(1)}, {"ellipsis_mask", int_attr(0)}, {"new_axis_mask", int_attr(0)},
          {"shrink_axis_mask", int_attr(2)}};
}

}  // namespace

TEST_CASE("graph model: Tanh, Sigmoid, LeakyRelu and Elu become Pointwise nodes, by value") {
  GraphModelBuilder b;
  b.placeholder("x", {-1, 4});
  b.node("tanh", "Tanh", {"x"});
  b.node("sigmoid", "Sigmoid", {"tanh"});
  b.node("leaky", "LeakyRelu", {"x"}, {{"alpha", float_attr(0.25f)}});
  b.node("elu", "Elu", {"leaky"});
  b.node("out", "AddV2", {"sigmoid", "elu"});
  Graph graph = b.graph();
  std::vector<std::string> kinds;
  for (const NodeInfo& node : graph.nodes()) kinds.push_back(node.name + ":" + node.kind);
  CHECK(kinds == std::vector<std::string>{"x:Input", "tanh:Tanh", "sigmoid:Sigmoid", "leaky:LeakyReLU", "elu:ELU", "out:Add"});

  const std::vector<float> x{-2, -0.5f, 0.5f, 3};
  graph.forward(Tensor(Shape{1, 4}, x));
  const Tensor& out = graph.activation("out");
  for (size_t i = 0; i < x.size(); ++i) {
    const double leaky = x[i] > 0 ? x[i] : 0.25 * x[i];
    const double elu = leaky > 0 ? leaky : std::exp(leaky) - 1.0;  // TensorFlow's Elu: alpha 1
    const double expected = 1.0 / (1.0 + std::exp(-std::tanh(double{x[i]}))) + elu;
    CHECK(out[i] == doctest::Approx(expected).epsilon(1e-6));
  }
}

TEST_CASE("graph model: Mul, Sub and RealDiv of a constant are Affine nodes, of two values BroadcastBinary ones") {
  GraphModelBuilder b;
  b.placeholder("x", {-1, 1, 2, 3});
  b.constant("per_channel", {3}, {2, -1, 0.5f});
  b.constant("two", {}, {2});
  b.constant("four", {}, {4});
  b.node("scaled", "Mul", {"per_channel", "x"});  // the constant first, as Keras' converter often writes it
  b.node("minus", "Sub", {"scaled", "two"});
  b.node("from", "Sub", {"two", "minus"});
  b.node("quarter", "RealDiv", {"from", "four"});
  b.node("product", "Mul", {"x", "quarter"});
  b.node("difference", "Sub", {"product", "x"});
  b.node("ratio", "RealDiv", {"difference", "scaled"});
  Graph graph = b.graph();
  std::vector<std::string> kinds;
  for (const NodeInfo& node : graph.nodes()) kinds.push_back(node.name + ":" + node.kind);
  CHECK(kinds == std::vector<std::string>{"x:Input", "scaled:Affine", "minus:Affine", "from:Affine", "quarter:Affine",
                                          "product:Multiply", "difference:Subtract", "ratio:Divide"});

  const std::vector<float> x{1, 2, 3, -1, -2, -4};
  const float per_channel[3] = {2, -1, 0.5f};
  graph.forward(Tensor(Shape::nhwc(1, 1, 2, 3), x));
  const Tensor& out = graph.activation("ratio");
  for (size_t i = 0; i < x.size(); ++i) {
    const double scaled = per_channel[i % 3] * x[i];
    const double quarter = (2.0 - (scaled - 2.0)) / 4.0;
    const double expected = (x[i] * quarter - x[i]) / scaled;
    CHECK(out[i] == doctest::Approx(expected).epsilon(1e-6));
  }

  GraphModelBuilder inverse;
  inverse.placeholder("x", {-1, 3});
  inverse.constant("one", {}, {1});
  inverse.node("reciprocal", "RealDiv", {"one", "x"});
  CHECK_THROWS_WITH_AS(inverse.graph(),
                       doctest::Contains("RealDiv 'reciprocal' divides the constant 'one' by 'x'; supported: a computed "
                                         "value divided by a constant or by another computed value"),
                       Error);
  GraphModelBuilder wide;
  wide.placeholder("x", {-1, 3});
  wide.constant("pair", {2}, {1, 2});
  wide.node("m", "Mul", {"x", "pair"});
  CHECK_THROWS_WITH_AS(wide.graph(),
                       doctest::Contains("Mul 'm' combines the constant 'pair' [2] with 'x' [3]; supported: one float per "
                                         "channel (3) or a single float"),
                       Error);
}

TEST_CASE("graph model: SSR-Net's head: column slices to [N], arithmetic on them, ExpandDims back to [N, 1]") {
  // out = expand(x[:, 0] * x[:, 2] + 1) / x[:, 1:2]: a column times a column, shifted, divided by a
  // column kept as [N, 1].
  GraphModelBuilder b;
  b.placeholder("x", {-1, 3});
  for (int column : {0, 2}) {
    const std::string c = std::to_string(column);
    b.int_constant("begin" + c, {0, column});
    b.int_constant("end" + c, {0, column + 1});
    b.int_constant("strides" + c, {1, 1});
    b.node("col" + c, "StridedSlice", {"x", "begin" + c, "end" + c, "strides" + c}, column_slice_attrs());
  }
  b.int_constant("begin1", {0, 1});
  b.int_constant("end1", {0, 2});
  b.int_constant("strides1", {1, 1});
  json keep_axis = column_slice_attrs();
  keep_axis["shrink_axis_mask"] = int_attr(0);
  b.node("col1", "StridedSlice", {"x", "begin1", "end1", "strides1"}, keep_axis);
  b.constant("one", {}, {1});
  b.int_constant("dim", {-1});
  b.node("product", "Mul", {"col0", "col2"});
  b.node("shifted", "AddV2", {"one", "product"});
  b.node("expanded", "ExpandDims", {"shifted", "dim"}, {{"T", {{"type", "DT_FLOAT"}}}, {"Tdim", {{"type", "DT_INT32"}}}});
  b.node("out", "RealDiv", {"expanded", "col1"});
  Graph graph = b.graph();
  std::vector<std::string> kinds;
  for (const NodeInfo& node : graph.nodes()) kinds.push_back(node.name + ":" + node.kind + node.item_shape.str());
  CHECK(kinds == std::vector<std::string>{"x:Input[3]", "col0:Slice[1]", "col2:Slice[1]", "product:Multiply[1]",
                                          "shifted:Affine[1]", "expanded:Reshape[1]", "col1:Slice[1]", "out:Divide[1]"});

  const Tensor& out = graph.forward(Tensor(Shape{2, 3}, std::vector<float>{1, 2, 3, -2, 4, 0.5f}));
  CHECK(values_of(out) == std::vector<float>{(1 * 3 + 1) / 2.0f, (-2 * 0.5f + 1) / 4.0f});

  // A rank-1 value may not meet a rank-2 one (TensorFlow would broadcast it across the batch), nor
  // feed an op that is not element-wise.
  GraphModelBuilder mixed = b;
  mixed.node("bad", "Mul", {"col0", "col1"});
  mixed.signature_output("bad");
  CHECK_THROWS_WITH_AS(mixed.graph(),
                       doctest::Contains("Mul 'bad' combines 'col0', a rank-1 value [N], with 'col1' [N, 1], which "
                                         "broadcasts across the batch"),
                       Error);
  GraphModelBuilder soft = b;
  soft.node("bad", "Softmax", {"col0"});
  soft.signature_output("bad");
  CHECK_THROWS_WITH_AS(soft.graph(),
                       doctest::Contains("Softmax 'bad' reads 'col0', a rank-1 value [N]; camlens supports those only in "
                                         "element-wise ops and ExpandDims"),
                       Error);
}

TEST_CASE("graph model: StridedSlice with a stride, negative bounds and spatial axes whole; other slices are refused") {
  // x [1, 1, 2, 6] -> x[:, :, :, -5:6:2]: channels 1, 3 and 5 of each pixel.
  GraphModelBuilder b;
  b.placeholder("x", {-1, 1, 2, 6});
  b.int_constant("begin", {0, 0, 0, -5});
  b.int_constant("end", {0, 0, 0, 6});
  b.int_constant("strides", {1, 1, 1, 2});
  json attrs = column_slice_attrs();
  attrs["begin_mask"] = int_attr(0b0111);
  attrs["end_mask"] = int_attr(0b0111);
  attrs["shrink_axis_mask"] = int_attr(0);
  b.node("odd", "StridedSlice", {"x", "begin", "end", "strides"}, attrs);
  Graph graph = b.graph();
  const Tensor& out = graph.forward(Tensor(Shape::nhwc(1, 1, 2, 6), std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  REQUIRE(out.shape() == Shape::nhwc(1, 1, 2, 3));
  CHECK(values_of(out) == std::vector<float>{1, 3, 5, 7, 9, 11});

  const auto refused = [&](int begin_mask, std::vector<int> begin, std::vector<int> strides, int shrink) {
    GraphModelBuilder r;
    r.placeholder("x", {-1, 1, 2, 6});
    r.int_constant("begin", begin);
    r.int_constant("end", {0, 0, 0, 6});
    r.int_constant("strides", strides);
    json a = column_slice_attrs();
    a["begin_mask"] = int_attr(begin_mask);
    a["end_mask"] = int_attr(0b0111);
    a["shrink_axis_mask"] = int_attr(shrink);
    r.node("s", "StridedSlice", {"x", "begin", "end", "strides"}, a);
    return r;
  };
  CHECK_THROWS_WITH_AS(refused(0b0011, {0, 0, 1, 0}, {1, 1, 1, 1}, 0).graph(),
                       doctest::Contains("StridedSlice 's' slices 'x' [N, 1, 2, 6] with begin [0, 0, 1, 0], end [0, 0, 0, "
                                         "6], strides [1, 1, 1, 1]: axis 2 is not whole; supported: a slice of the last axis"),
                       Error);
  CHECK_THROWS_WITH_AS(refused(0b0111, {0, 0, 0, 5}, {1, 1, 1, -1}, 0).graph(),
                       doctest::Contains("the stride of the last axis is not positive"), Error);
  CHECK_THROWS_WITH_AS(refused(0b0111, {0, 0, 0, 1}, {1, 1, 1, 1}, 0b1000).graph(),
                       doctest::Contains("only [N, C] may lose its last axis"), Error);
  CHECK_THROWS_WITH_AS(refused(0b0110, {0, 0, 0, 1}, {1, 1, 1, 1}, 0).graph(),
                       doctest::Contains("the batch axis is not whole"), Error);
}

TEST_CASE("graph model: ConcatV2 joins channels; ExpandDims adds an axis of 1 after the batch") {
  GraphModelBuilder b;
  b.placeholder("x", {-1, 2});
  b.int_constant("axis", {-1});
  b.int_constant("dim", {1});
  b.node("doubled", "AddV2", {"x", "x"});
  b.node("joined", "ConcatV2", {"x", "doubled", "axis"}, {{"N", int_attr(2)}});
  b.node("expanded", "ExpandDims", {"joined", "dim"});
  Graph graph = b.graph();
  CHECK(graph.nodes()[2].kind == "Concatenate");
  const Tensor& out = graph.forward(Tensor(Shape{1, 2}, std::vector<float>{1, -3}));
  CHECK(out.shape() == Shape{1, 1, 4});
  CHECK(values_of(out) == std::vector<float>{1, -3, 2, -6});

  GraphModelBuilder across;
  across.placeholder("x", {-1, 2, 2, 1});
  across.int_constant("axis", {1});
  across.node("joined", "ConcatV2", {"x", "x", "axis"});
  CHECK_THROWS_WITH_AS(across.graph(),
                       doctest::Contains("ConcatV2 'joined' concatenates along axis 1 of rank-4 values; supported: the "
                                         "last axis (3 or -1)"),
                       Error);
  GraphModelBuilder before_batch;
  before_batch.placeholder("x", {-1, 2});
  before_batch.int_constant("dim", {0});
  before_batch.node("e", "ExpandDims", {"x", "dim"});
  CHECK_THROWS_WITH_AS(before_batch.graph(),
                       doctest::Contains("ExpandDims 'e' inserts axis 0 into 'x' of rank 2; supported: an axis after the "
                                         "batch axis"),
                       Error);
}

TEST_CASE("gender-ssrnet-imdb: its head computes SSR-Net's stage-wise sum from the stages' own outputs") {
  // SSR-Net (Yang et al. 2018) with 3 stages of 3 bins, lambda_local = lambda_d = 1 and range V = 1:
  // out = sum over stages k of sum_i (i + local_k[i]) pred_k[i] / prod_{j <= k} 3 (1 + delta_j).
  Model model = load_model_file("models/gender-ssrnet-imdb/model.json");
  const std::string prefix = "StatefulPartitionedCall/functional_7/";
  CHECK(model.input() == "input_4");
  const std::string score = prefix + "pred/add_25";
  // Its metadata says "output": "score": two logits follow the one score.
  CHECK(model.logits == score + "/two_classes");
  CHECK(model.probabilities.empty());
  CHECK(model.graph.nodes().front().item_shape == Shape{64, 64, 3});
  CHECK(model.graph.nodes().back().item_shape == Shape{2});
  CHECK(model.metadata.explain_layer == prefix + "activation_27/Relu");
  CHECK(model.metadata.labels == std::vector<std::string>{"female", "male"});
  CHECK(model.metadata.color == InputColor::bgr);
  CHECK(model.metadata.output == OutputKind::score);
  CHECK(model.metadata.crop.mode == CropMode::face);
  CHECK(model.metadata.crop.face_scale == 1.8f);

  std::vector<std::string> keep;
  for (const char* stage : {"1", "2", "3"}) {
    keep.push_back(prefix + "pred_stage" + stage + "/Relu");
    keep.push_back(prefix + "local_delta_stage" + stage + "/Tanh");
    keep.push_back(prefix + "delta_s" + stage + "/Tanh");
  }
  Tensor input(Shape::nhwc(2, 64, 64, 3));
  for (size_t i = 0; i < input.size(); ++i) input[i] = i < input.size() / 2 ? 127.5f + 120 * std::sin(0.003f * i) : 40.0f;
  ForwardOptions options;
  options.keep = keep;
  options.keep->push_back(score);
  const Tensor& two_classes = model.graph.forward(input, options);
  const Tensor& out = model.graph.activation(score);
  REQUIRE(out.shape() == Shape{2, 1});
  REQUIRE(two_classes.shape() == Shape{2, 2});
  for (int n = 0; n < 2; ++n) {
    double expected = 0, divisor = 1;
    for (int stage = 0; stage < 3; ++stage) {
      const Tensor& pred = model.graph.activation(keep[stage * 3]);
      const Tensor& local = model.graph.activation(keep[stage * 3 + 1]);
      const Tensor& delta = model.graph.activation(keep[stage * 3 + 2]);
      REQUIRE(pred.shape() == Shape{2, 3});
      REQUIRE(delta.shape() == Shape{2, 1});
      divisor *= 3 * (1 + double{delta[n]});
      double sum = 0;
      for (int i = 0; i < 3; ++i) sum += (i + double{local[n * 3 + i]}) * pred[n * 3 + i];
      expected += sum / divisor;
    }
    CHECK(out[n] == doctest::Approx(expected).epsilon(1e-5));
    // The softmax of the two logits gives [1 - s, s] back.
    const double p = std::clamp(double{out[n]}, 1e-6, 1 - 1e-6);
    CHECK(1 / (1 + std::exp(double{two_classes[2 * n]} - two_classes[2 * n + 1])) == doctest::Approx(p).epsilon(1e-5));
  }
  CHECK(out[0] != out[1]);
}

TEST_CASE("gender model: loads from models/gender with female and male and its last feature block to explain") {
  Model model = load_model_file("models/gender/model.json");
  const std::string prefix = "StatefulPartitionedCall/model_1/";
  CHECK(model.logits == prefix + "global_average_pooling2d_1/Mean");
  CHECK(model.metadata.labels == std::vector<std::string>{"female", "male"});
  CHECK(model.metadata.color == InputColor::gray);
  CHECK(model.metadata.crop.mode == CropMode::face);
  CHECK(model.metadata.crop.face_scale == 1.6f);
  CHECK(model.metadata.explain_layer == prefix + "add_4/add");
}

TEST_CASE("graph model: FusedBatchNormV3 for inference is an Affine node per channel, by value; training is refused") {
  const auto model = [](json attrs) {
    GraphModelBuilder b;
    b.placeholder("x", {-1, 1, 2, 3});
    b.constant("bn/scale", {3}, {1, 2, -0.5f});
    b.constant("bn/offset", {3}, {0, 0.5f, -1});
    b.constant("bn/mean", {3}, {0.25f, -1, 2});
    b.constant("bn/variance", {3}, {1, 4, 0.01f});
    b.node("bn", "FusedBatchNormV3", {"x", "bn/scale", "bn/offset", "bn/mean", "bn/variance"}, attrs);
    b.node("out", "Identity", {"bn:0"});
    return b;
  };
  const std::vector<float> x{1, 2, 3, -1, -2, -4};
  const float scale[3] = {1, 2, -0.5f}, offset[3] = {0, 0.5f, -1}, mean[3] = {0.25f, -1, 2}, variance[3] = {1, 4, 0.01f};
  for (const auto& [attrs, eps] : {std::pair{json{{"epsilon", float_attr(0.125f)}, {"is_training", {{"b", false}}}}, 0.125},
                                   std::pair{json::object(), 0.001}}) {  // TensorFlow.js's default epsilon
    const double epsilon = eps;  // a copy: doctest's CAPTURE cannot capture a structured binding
    CAPTURE(epsilon);
    Graph graph = model(attrs).graph();
    CHECK(graph.nodes().back().kind == "Affine");
    graph.forward(Tensor(Shape::nhwc(1, 1, 2, 3), x));
    const Tensor& out = graph.activation("bn");
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t c = i % 3;
      const double expected = (x[i] - mean[c]) / std::sqrt(variance[c] + epsilon) * scale[c] + offset[c];
      CHECK(out[i] == doctest::Approx(expected).epsilon(1e-6));
    }
  }
  CHECK_THROWS_WITH_AS(model({{"is_training", {{"b", true}}}}).graph(),
                       doctest::Contains("FusedBatchNormV3 'bn' has is_training set"), Error);

  GraphModelBuilder narrow = model(json::object());
  narrow.nodes[5]["input"][1] = "two";
  narrow.constant("two", {2}, {1, 1});
  CHECK_THROWS_WITH_AS(narrow.graph(),
                       doctest::Contains("FusedBatchNormV3 'bn' normalises 'x' [1, 2, 3] with 'two' [2]; it needs one "
                                         "float per channel (3)"),
                       Error);
}

TEST_CASE("graph model: fused Elu, LeakyRelu, Sigmoid and Prelu follow their convolution or MatMul as layers, by value") {
  // x [1, 3, 3, 2] -> _FusedConv2D 2x2 VALID (2 -> 3) [BiasAdd, <activation>] -> Mean -> _FusedMatMul (3 -> 2)
  // [BiasAdd, Prelu] -> Sigmoid-fused twin: each activation checked against the reference convolution.
  const ReferenceConv conv{3, 3, 2, 2, 2, 3, 0, 0, 0, 0};
  std::vector<float> x(3 * 3 * 2), k(2 * 2 * 2 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 11) * 0.25f - 1.25f;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>((i * 5) % 9) * 0.25f - 1.0f;
  const std::vector<float> bias{0.5f, -1.0f, 0.25f}, slopes{0.5f, -0.25f, 2.0f};
  const std::vector<float> pre = conv.run(x, k, bias);
  REQUIRE(count_if(pre, 0.0f, 1e9f) >= 3);
  REQUIRE(count_if(pre, -1e9f, 0.0f) >= 3);

  const auto activate = [&](const std::string& op, float v, size_t channel) -> double {
    if (op == "Elu") return v > 0 ? v : std::exp(double{v}) - 1.0;
    if (op == "LeakyRelu") return v > 0 ? v : 0.125 * v;
    if (op == "Sigmoid") return 1.0 / (1.0 + std::exp(-double{v}));
    return v > 0 ? v : slopes[channel] * v;  // Prelu
  };
  for (const auto& [fused_op, kind] : {std::pair{"Elu", "ELU"}, std::pair{"LeakyRelu", "LeakyReLU"},
                                       std::pair{"Sigmoid", "Sigmoid"}, std::pair{"Prelu", "PReLU"}}) {
    const std::string op = fused_op;  // a copy: doctest's CAPTURE cannot capture a structured binding
    CAPTURE(op);
    const bool prelu = std::string(op) == "Prelu";
    GraphModelBuilder b;
    b.placeholder("x", {-1, 3, 3, 2});
    b.constant("k", {2, 2, 2, 3}, k);
    b.constant("b", {3}, bias);
    b.constant("alpha", {3}, slopes);
    json attrs = conv_attrs("VALID");
    attrs["fused_ops"] = {{"list", {{"s", {base64("BiasAdd"), base64(op)}}}}};
    attrs["num_args"] = int_attr(prelu ? 2 : 1);
    attrs["leakyrelu_alpha"] = float_attr(0.125f);
    std::vector<std::string> inputs{"x", "k", "b"};
    if (prelu) inputs.push_back("alpha");
    b.node("conv", "_FusedConv2D", inputs, attrs);
    Graph graph = b.graph();
    const std::vector<NodeInfo>& nodes = graph.nodes();
    REQUIRE(nodes.size() == 3);
    CHECK(nodes[1].name + ":" + nodes[1].kind == "conv/BiasAdd:Conv2D");
    CHECK(nodes[2].name + ":" + nodes[2].kind == std::string("conv:") + kind);
    const Tensor& out = graph.forward(Tensor(Shape::nhwc(1, 3, 3, 2), x));
    REQUIRE(out.size() == pre.size());
    for (size_t i = 0; i < pre.size(); ++i) CHECK(out[i] == doctest::Approx(activate(op, pre[i], i % 3)).epsilon(1e-6));
  }

  // _FusedMatMul with Prelu, then a standalone Prelu with Keras' [1, 1, C]-shaped slopes.
  GraphModelBuilder dense;
  dense.placeholder("x", {-1, 3});
  dense.constant("w", {3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  dense.constant("b", {3}, bias);
  dense.constant("alpha", {3}, slopes);
  dense.constant("keras_alpha", {1, 1, 3}, {0.25f, 0.5f, 1.5f});
  json attrs{{"fused_ops", {{"list", {{"s", {base64("BiasAdd"), base64("Prelu")}}}}}}, {"num_args", int_attr(2)}};
  dense.node("fc", "_FusedMatMul", {"x", "w", "b", "alpha"}, attrs);
  dense.node("again", "Prelu", {"fc", "keras_alpha"});
  Graph graph = dense.graph();
  CHECK(graph.nodes().back().kind == "PReLU");
  const std::vector<float> in{-1, 3, -2};
  const Tensor& out = graph.forward(Tensor(Shape{1, 3}, in));
  const float again[3] = {0.25f, 0.5f, 1.5f};
  for (size_t c = 0; c < 3; ++c) {
    const float fc = in[c] + bias[c] > 0 ? in[c] + bias[c] : slopes[c] * (in[c] + bias[c]);
    CHECK(out[c] == doctest::Approx(fc > 0 ? fc : again[c] * fc).epsilon(1e-6));
  }

  attrs["num_args"] = int_attr(1);
  for (json& n : dense.nodes) {
    if (n["name"] == "fc") n["attr"] = attrs;
  }
  CHECK_THROWS_WITH_AS(dense.graph(), doctest::Contains("_FusedMatMul 'fc' fuses [BiasAdd, Prelu] with 1 argument(s)"),
                       Error);
}

TEST_CASE("graph model: MirrorPad becomes a MirrorPad2D around H and W in either mode, by value; other pads are refused") {
  // TensorFlow's documented example, [[1, 2, 3], [4, 5, 6]] padded by [[1, 1], [2, 2]], as one image.
  const auto mirror_pad = [](const std::string& mode, std::vector<int32_t> pads) {
    GraphModelBuilder b;
    b.placeholder("x", {-1, 2, 3, 1});
    b.int_constant("pads", pads);
    b.node("mirror", "MirrorPad", {"x", "pads"},
           {{"T", {{"type", "DT_FLOAT"}}}, {"Tpaddings", {{"type", "DT_INT32"}}}, {"mode", str_attr(mode)}});
    return b;
  };
  const Tensor input(Shape::nhwc(1, 2, 3, 1), std::vector<float>{1, 2, 3, 4, 5, 6});
  for (const auto& [mode_name, expected] :
       {std::pair{"REFLECT", std::vector<float>{6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1,  //
                                                6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1}},
        std::pair{"SYMMETRIC", std::vector<float>{2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2,  //
                                                  5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5}}}) {
    const std::string mode = mode_name;  // a copy: doctest's CAPTURE cannot capture a structured binding
    CAPTURE(mode);
    Graph graph = mirror_pad(mode, {0, 0, 1, 1, 2, 2, 0, 0}).graph();
    CHECK(graph.nodes().back().kind == "MirrorPad2D");
    const Tensor& out = graph.forward(input);
    REQUIRE(out.shape() == Shape::nhwc(1, 4, 7, 1));
    CHECK(values_of(out) == expected);
  }
  CHECK_THROWS_WITH_AS(mirror_pad("EDGE", {0, 0, 1, 1, 1, 1, 0, 0}).graph(),
                       doctest::Contains("MirrorPad 'mirror' has mode \"EDGE\"; supported: REFLECT, SYMMETRIC"), Error);
  CHECK_THROWS_WITH_AS(mirror_pad("REFLECT", {0, 0, 1, 1, 1, 1, 1, 0}).graph(),
                       doctest::Contains("MirrorPad 'mirror' pads 'x' [2, 3, 1] by [0, 0, 1, 1, 1, 1, 1, 0]; supported: "
                                         "int32 paddings [[0, 0], [top, bottom], [left, right], [0, 0]]"),
                       Error);
  CHECK_THROWS_WITH_AS(mirror_pad("REFLECT", {0, 0, 2, 0, 0, 0, 0, 0}).graph(),
                       doctest::Contains("exceed what reflect mirroring of [1, 2, 3, 1] allows"), Error);
}

TEST_CASE("graph model: ResizeBilinear and ResizeNearestNeighbor become Resize2D nodes with their conventions, by value") {
  const auto resize = [](const std::string& op, json attrs, std::vector<int32_t> size) {
    GraphModelBuilder b;
    b.placeholder("x", {-1, 2, 2, 1});
    b.int_constant("size", size);
    b.node("resize", op, {"x", "size"}, attrs);
    return b;
  };
  const Tensor input(Shape::nhwc(1, 2, 2, 1), std::vector<float>{1, 2, 3, 4});
  // half_pixel_centers: sources -0.25, 0.25, 0.75, 1.25 on both axes (see the layer's own test).
  Graph half = resize("ResizeBilinear", {{"align_corners", {{"b", false}}}, {"half_pixel_centers", {{"b", true}}}},
                      {4, 4})
                   .graph();
  CHECK(half.nodes().back().kind == "Resize2D");
  CHECK(values_of(half.forward(input)) ==
        std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  // align_corners: the corners stay, a 3x3 puts the mean of all four in the middle.
  Graph aligned = resize("ResizeBilinear", {{"align_corners", {{"b", true}}}}, {3, 3}).graph();
  CHECK(values_of(aligned.forward(input)) == std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4});
  // Nearest with neither attribute: sources 0, 2/3, 4/3 floor to 0, 0, 1; 1x3 keeps the first row.
  Graph nearest = resize("ResizeNearestNeighbor", json::object(), {1, 3}).graph();
  const Tensor& out = nearest.forward(input);
  REQUIRE(out.shape() == Shape::nhwc(1, 1, 3, 1));
  CHECK(values_of(out) == std::vector<float>{1, 1, 2});

  CHECK_THROWS_WITH_AS(resize("ResizeBilinear", json::object(), {4}).graph(),
                       doctest::Contains("ResizeBilinear 'resize' resizes 'x' [2, 2, 1] to 'size' [1]; supported: an "
                                         "NHWC tensor and a constant int32 size [height, width]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      resize("ResizeBilinear", {{"align_corners", {{"b", true}}}, {"half_pixel_centers", {{"b", true}}}}, {4, 4}).graph(),
      doctest::Contains("align_corners and half_pixel_centers exclude each other"), Error);
}

TEST_CASE("graph model: Swish as TensorFlow writes it, x * Sigmoid(x), computes x * sigmoid(x) and its slope") {
  // TensorFlow has no Swish op (nor TensorFlow.js a fused one): tf.nn.silu and Keras' swish export as
  // a Sigmoid and a Mul reading the same value.
  GraphModelBuilder b;
  b.placeholder("x", {-1, 1, 2, 2});
  b.node("swish/Sigmoid", "Sigmoid", {"x"});
  b.node("swish/mul", "Mul", {"x", "swish/Sigmoid"});
  Graph graph = b.graph();
  const std::vector<float> x{-3, -0.5f, 0.25f, 2};
  const Tensor& out = graph.forward(Tensor(Shape::nhwc(1, 1, 2, 2), x));
  for (size_t i = 0; i < x.size(); ++i) {
    const double sigmoid = 1.0 / (1.0 + std::exp(-double{x[i]}));
    CHECK(out[i] == doctest::Approx(x[i] * sigmoid).epsilon(1e-6));
  }
  // Its input gradient adds both paths: sigmoid(x) * (1 + x * (1 - sigmoid(x))).
  const Tensor ones(out.shape(), std::vector<float>(x.size(), 1.0f));
  const NamedTensors grads = graph.backward(ones, {.wanted = {"x"}});
  const Tensor& slope = grads.at("x");
  for (size_t i = 0; i < x.size(); ++i) {
    const double sigmoid = 1.0 / (1.0 + std::exp(-double{x[i]}));
    CHECK(slope[i] == doctest::Approx(sigmoid * (1.0 + x[i] * (1.0 - sigmoid))).epsilon(1e-5));
  }
}
