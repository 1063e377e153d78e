#include "io/onnx_model.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <protozero/pbf_writer.hpp>

#include "core/error.h"
#include "io/model.h"

using namespace camlens;

namespace {

// ---- writing small ONNX models with protozero (field numbers from onnx.proto) ----

using Bytes = std::string;

Bytes attr_int(const std::string& name, int64_t value) {
  Bytes out;
  protozero::pbf_writer w(out);
  w.add_string(1, name);
  w.add_int64(3, value);
  w.add_int32(20, 2);
  return out;
}
Bytes attr_float(const std::string& name, float value) {
  Bytes out;
  protozero::pbf_writer w(out);
  w.add_string(1, name);
  w.add_float(2, value);
  w.add_int32(20, 1);
  return out;
}
Bytes attr_ints(const std::string& name, const std::vector<int64_t>& values) {
  Bytes out;
  protozero::pbf_writer w(out);
  w.add_string(1, name);
  for (int64_t v : values) w.add_int64(8, v);  // unpacked, as onnx.proto's proto2 declares it
  w.add_int32(20, 7);
  return out;
}
Bytes attr_string(const std::string& name, const std::string& value) {
  Bytes out;
  protozero::pbf_writer w(out);
  w.add_string(1, name);
  w.add_string(4, value);
  w.add_int32(20, 3);
  return out;
}

struct TensorSpec {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> floats;
  std::vector<int64_t> ints;  // an INT64 tensor when floats is empty
  bool raw = true;            // raw_data, else float_data / int64_data
  std::string external;       // an external data file, when not empty
};

Bytes tensor(const TensorSpec& t) {
  Bytes out;
  protozero::pbf_writer w(out);
  w.add_packed_int64(1, t.dims.begin(), t.dims.end());
  const bool floats = t.ints.empty();
  w.add_int32(2, floats ? 1 : 7);
  w.add_string(8, t.name);
  if (!t.external.empty()) {
    Bytes entry;
    protozero::pbf_writer e(entry);
    e.add_string(1, "location");
    e.add_string(2, t.external);
    w.add_message(13, entry);
    w.add_int32(14, 1);
  } else if (t.raw) {
    w.add_bytes(9, floats ? Bytes(reinterpret_cast<const char*>(t.floats.data()), t.floats.size() * 4)
                          : Bytes(reinterpret_cast<const char*>(t.ints.data()), t.ints.size() * 8));
  } else if (floats) {
    w.add_packed_float(4, t.floats.begin(), t.floats.end());
  } else {
    w.add_packed_int64(7, t.ints.begin(), t.ints.end());
  }
  return out;
}

Bytes value_info(const std::string& name, const std::vector<int64_t>& dims) {
  Bytes shape, tensor_type, type, out;
  {
    protozero::pbf_writer w(shape);
    for (int64_t d : dims) {
      Bytes dim;
      protozero::pbf_writer(dim).add_int64(1, d);
      w.add_message(1, dim);
    }
  }
  {
    protozero::pbf_writer w(tensor_type);
    w.add_int32(1, 1);
    w.add_message(2, shape);
  }
  protozero::pbf_writer(type).add_message(1, tensor_type);
  protozero::pbf_writer w(out);
  w.add_string(1, name);
  w.add_message(2, type);
  return out;
}

struct OnnxBuilder {
  int64_t opset = 13;
  std::vector<int64_t> input_dims{1, 3, 4, 4};
  std::vector<Bytes> nodes, initializers;
  std::string output;

  void node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
            std::vector<Bytes> attributes = {}) {
    Bytes out;
    protozero::pbf_writer w(out);
    for (const std::string& i : inputs) w.add_string(1, i);
    w.add_string(2, name + "_out");
    w.add_string(3, name);
    w.add_string(4, op);
    for (const Bytes& a : attributes) w.add_message(5, a);
    nodes.push_back(out);
    output = name + "_out";
  }
  void init(const TensorSpec& t) { initializers.push_back(tensor(t)); }

  Bytes bytes() const {
    Bytes graph;
    {
      protozero::pbf_writer w(graph);
      for (const Bytes& n : nodes) w.add_message(1, n);
      w.add_string(2, "test");
      for (const Bytes& i : initializers) w.add_message(5, i);
      w.add_message(11, value_info("x", input_dims));
      w.add_message(12, value_info(output, {}));
    }
    Bytes opset_import;
    {
      protozero::pbf_writer w(opset_import);
      w.add_string(1, "");
      w.add_int64(2, opset);
    }
    Bytes model;
    protozero::pbf_writer w(model);
    w.add_int64(1, 8);
    w.add_string(2, "camlens test");
    w.add_message(7, graph);
    w.add_message(8, opset_import);
    return model;
  }
  Graph graph(const onnx::ExternalDataReader& external = nullptr) const {
    const Bytes b = bytes();
    return import_onnx_model({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, external);
  }
};

std::vector<float> random_floats(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

// NCHW [c][h][w] values -> the engine's NHWC input tensor [1, h, w, c].
Tensor nhwc_input(const std::vector<float>& nchw, int c, int h, int w) {
  Tensor t(Shape{1, h, w, c});
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) t[static_cast<size_t>((y * w + x) * c + ch)] = nchw[static_cast<size_t>((ch * h + y) * w + x)];
  return t;
}

// ONNX Conv on one NCHW image, straight from its definition: the reference for the import.
std::vector<float> conv_reference(const std::vector<float>& x, int c, int h, int w, const std::vector<float>& weights,
                                  const std::vector<float>& bias, int m, int k, int group, int stride, int dilation,
                                  int pad_top, int pad_left, int out_h, int out_w) {
  const int group_in = c / group, group_out = m / group;
  std::vector<float> out(static_cast<size_t>(m * out_h * out_w));
  for (int o = 0; o < m; ++o)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox) {
        double sum = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
        for (int i = 0; i < group_in; ++i)
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int y = oy * stride + ky * dilation - pad_top, xx = ox * stride + kx * dilation - pad_left;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const int ch = (o / group_out) * group_in + i;
              sum += x[static_cast<size_t>((ch * h + y) * w + xx)] * weights[static_cast<size_t>(((o * group_in + i) * k + ky) * k + kx)];
            }
        out[static_cast<size_t>((o * out_h + oy) * out_w + ox)] = static_cast<float>(sum);
      }
  return out;
}

// The engine's NHWC output [1, h, w, c] compared with an NCHW reference.
void check_nchw(const Tensor& out, const std::vector<float>& expected, int c, int h, int w) {
  REQUIRE(out.shape() == (Shape{1, h, w, c}));
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        CHECK(out[static_cast<size_t>((y * w + x) * c + ch)] ==
              doctest::Approx(expected[static_cast<size_t>((ch * h + y) * w + x)]).epsilon(1e-5));
      }
}

struct ConvCase {
  int c, m, group, k, stride, dilation;
  std::vector<int64_t> pads;  // top, left, bottom, right
};

void check_conv(const ConvCase& cc) {
  const int h = 7, w = 6;
  OnnxBuilder b;
  b.input_dims = {1, cc.c, h, w};
  const std::vector<float> weights = random_floats(static_cast<size_t>(cc.m * (cc.c / cc.group) * cc.k * cc.k), 1);
  const std::vector<float> bias = random_floats(static_cast<size_t>(cc.m), 2);
  b.init({"w", {cc.m, cc.c / cc.group, cc.k, cc.k}, weights});
  b.init({"b", {cc.m}, bias, {}, false});
  b.node("Conv", "conv", {"x", "w", "b"},
         {attr_int("group", cc.group), attr_ints("kernel_shape", {cc.k, cc.k}), attr_ints("strides", {cc.stride, cc.stride}),
          attr_ints("dilations", {cc.dilation, cc.dilation}), attr_ints("pads", cc.pads)});
  Graph graph = b.graph();
  const std::vector<float> x = random_floats(static_cast<size_t>(cc.c * h * w), 3);
  const int extent = (cc.k - 1) * cc.dilation + 1;
  const int out_h = (h + static_cast<int>(cc.pads[0] + cc.pads[2]) - extent) / cc.stride + 1;
  const int out_w = (w + static_cast<int>(cc.pads[1] + cc.pads[3]) - extent) / cc.stride + 1;
  check_nchw(graph.forward(nhwc_input(x, cc.c, h, w)),
             conv_reference(x, cc.c, h, w, weights, bias, cc.m, cc.k, cc.group, cc.stride, cc.dilation,
                            static_cast<int>(cc.pads[0]), static_cast<int>(cc.pads[1]), out_h, out_w),
             cc.m, out_h, out_w);
}

// A model whose bytes are `b`, imported, with the Error message it throws (empty: none).
std::string import_error(const Bytes& b, const onnx::ExternalDataReader& external = nullptr) {
  try {
    import_onnx_model({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, external);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

OnnxBuilder relu_model() {
  OnnxBuilder b;
  b.node("Relu", "relu", {"x"});
  return b;
}

}  // namespace

TEST_CASE("ONNX Conv: full, grouped and depthwise weights reordered to NHWC, pads in ONNX's order") {
  SUBCASE("full, asymmetric pads") { check_conv({3, 5, 1, 3, 1, 1, {1, 0, 2, 1}}); }
  SUBCASE("grouped, strided") { check_conv({4, 6, 2, 3, 2, 1, {1, 1, 1, 1}}); }
  SUBCASE("depthwise with a multiplier, dilated") { check_conv({3, 6, 3, 3, 1, 2, {2, 2, 2, 2}}); }
  SUBCASE("depthwise, 1x1") { check_conv({4, 4, 4, 1, 1, 1, {0, 0, 0, 0}}); }
}

TEST_CASE("ONNX Conv: SAME_LOWER puts the odd padding pixel first, SAME_UPPER last") {
  for (const char* mode : {"SAME_LOWER", "SAME_UPPER"}) {
    CAPTURE(mode);
    OnnxBuilder b;
    b.input_dims = {1, 1, 4, 4};
    b.init({"w", {1, 1, 2, 2}, {1.0f, 0.0f, 0.0f, 0.0f}});  // picks the window's top-left pixel
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {2, 2}), attr_string("auto_pad", mode)});
    Graph graph = b.graph();
    std::vector<float> x(16);
    for (int i = 0; i < 16; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i + 1);
    const Tensor& out = graph.forward(nhwc_input(x, 1, 4, 4));
    REQUIRE(out.shape() == (Shape{1, 4, 4, 1}));
    // SAME_LOWER pads the top and left: the first output reads padding (0); SAME_UPPER reads pixel 1.
    CHECK(out[0] == (std::string(mode) == "SAME_LOWER" ? 0.0f : 1.0f));
    CHECK(out[5] == (std::string(mode) == "SAME_LOWER" ? 1.0f : 6.0f));
  }
}

TEST_CASE("ONNX MaxPool with ceil_mode keeps the windows that start inside the image") {
  // 3x3 windows: on 6 pixels, stride 2, floor gives 2 windows and ceil 3 (the last one half outside);
  // on 5 pixels padded by 1, stride 3, ceil would start a third window in the right padding: PyTorch drops it.
  for (const auto& row : {std::tuple{6, 0, 2, 3}, std::tuple{7, 0, 2, 3}, std::tuple{5, 1, 3, 2}}) {
    // Named copies rather than a structured binding: clang 14 (Emscripten's) cannot capture one in CAPTURE's lambda.
    const int size = std::get<0>(row), pad = std::get<1>(row), stride = std::get<2>(row), expected = std::get<3>(row);
    CAPTURE(size);
    CAPTURE(stride);
    OnnxBuilder b;
    b.input_dims = {1, 1, size, size};
    b.node("MaxPool", "pool", {"x"}, {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {stride, stride}),
                                      attr_ints("pads", {pad, pad, pad, pad}), attr_int("ceil_mode", 1)});
    Graph graph = b.graph();
    std::vector<float> x(static_cast<size_t>(size * size));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 13);
    const Tensor& out = graph.forward(nhwc_input(x, 1, size, size));
    REQUIRE(out.shape() == (Shape{1, expected, expected, 1}));
    for (int oy = 0; oy < expected; ++oy)
      for (int ox = 0; ox < expected; ++ox) {
        float best = -1.0f;
        for (int y = oy * stride - pad; y < oy * stride - pad + 3; ++y)
          for (int xx = ox * stride - pad; xx < ox * stride - pad + 3; ++xx)
            if (y >= 0 && y < size && xx >= 0 && xx < size) best = std::max(best, x[static_cast<size_t>(y * size + xx)]);
        CHECK(out[static_cast<size_t>(oy * expected + ox)] == best);
      }
  }
}

TEST_CASE("ONNX squeeze-and-excitation: pooled channels through 1x1 convolutions scale the map they came from") {
  const int c = 3, h = 4, w = 5, squeezed = 2;
  OnnxBuilder b;
  b.input_dims = {1, c, h, w};
  const std::vector<float> w1 = random_floats(squeezed * c, 11), b1 = random_floats(squeezed, 12);
  const std::vector<float> w2 = random_floats(c * squeezed, 13), b2 = random_floats(c, 14);
  b.init({"w1", {squeezed, c, 1, 1}, w1});
  b.init({"b1", {squeezed}, b1});
  b.init({"w2", {c, squeezed, 1, 1}, w2});
  b.init({"b2", {c}, b2});
  b.init({"three", {}, {3.0f}});
  b.init({"six", {}, {6.0f}});
  b.node("GlobalAveragePool", "gap", {"x"});
  b.node("Conv", "fc1", {"gap_out", "w1", "b1"}, {attr_ints("kernel_shape", {1, 1})});
  b.node("LeakyRelu", "act", {"fc1_out"}, {attr_float("alpha", 0.1f)});
  b.node("Conv", "fc2", {"act_out", "w2", "b2"}, {attr_ints("kernel_shape", {1, 1})});
  b.node("HardSigmoid", "gate", {"fc2_out"}, {attr_float("alpha", 1.0f / 6.0f)});
  b.node("Mul", "scale", {"gate_out", "x"});  // the per-channel value first: Mul commutes
  b.node("Sigmoid", "sig", {"scale_out"});
  b.node("Mul", "silu", {"scale_out", "sig_out"});
  b.node("Add", "plus", {"silu_out", "three"});
  b.node("Div", "sixth", {"plus_out", "six"});
  b.node("Sub", "minus", {"sixth_out", "gate_out"});  // a per-channel value subtracted from a map
  b.node("HardSwish", "hswish", {"minus_out"});
  Graph graph = b.graph();
  const std::vector<float> x = random_floats(static_cast<size_t>(c * h * w), 15);

  // The same computation in plain loops, on NCHW values.
  std::vector<double> pooled(c, 0.0), hidden(squeezed), gate(c);
  for (int ch = 0; ch < c; ++ch)
    for (int i = 0; i < h * w; ++i) pooled[static_cast<size_t>(ch)] += x[static_cast<size_t>(ch * h * w + i)] / (h * w);
  for (int o = 0; o < squeezed; ++o) {
    double sum = b1[static_cast<size_t>(o)];
    for (int i = 0; i < c; ++i) sum += w1[static_cast<size_t>(o * c + i)] * pooled[static_cast<size_t>(i)];
    hidden[static_cast<size_t>(o)] = sum > 0 ? sum : 0.1 * sum;
  }
  for (int o = 0; o < c; ++o) {
    double sum = b2[static_cast<size_t>(o)];
    for (int i = 0; i < squeezed; ++i) sum += w2[static_cast<size_t>(o * squeezed + i)] * hidden[static_cast<size_t>(i)];
    gate[static_cast<size_t>(o)] = std::clamp(sum / 6.0 + 0.5, 0.0, 1.0);
  }
  std::vector<float> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double g = gate[i / static_cast<size_t>(h * w)];
    const double scaled = x[i] * g;
    const double silu = scaled / (1.0 + std::exp(-scaled));
    const double v = (silu + 3.0) / 6.0 - g;
    expected[i] = static_cast<float>(v * std::clamp(v + 3.0, 0.0, 6.0) / 6.0);
  }
  check_nchw(graph.forward(nhwc_input(x, c, h, w)), expected, c, h, w);
}

TEST_CASE("ONNX AveragePool: count_include_pad and ceil_mode divide as PyTorch does") {
  // PyTorch divides by the window clipped to the padded map when padding counts, else to the image;
  // with ceil_mode the last window may reach past the padding, and that part never counts.
  const int size = 6, k = 3, stride = 2, pad = 1;
  for (int include_pad : {0, 1}) {
    for (int ceil : {0, 1}) {
      CAPTURE(include_pad);
      CAPTURE(ceil);
      OnnxBuilder b;
      b.input_dims = {1, 1, size, size};
      b.node("AveragePool", "pool", {"x"}, {attr_ints("kernel_shape", {k, k}), attr_ints("strides", {stride, stride}),
                                            attr_ints("pads", {pad, pad, pad, pad}), attr_int("ceil_mode", ceil),
                                            attr_int("count_include_pad", include_pad)});
      Graph graph = b.graph();
      const std::vector<float> x = random_floats(size * size, 16);
      const int span = size + 2 * pad - k;
      int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
      if (ceil && (out - 1) * stride >= size + pad) --out;
      std::vector<float> expected;
      for (int oy = 0; oy < out; ++oy)
        for (int ox = 0; ox < out; ++ox) {
          const int y0 = oy * stride - pad, x0 = ox * stride - pad;
          const int y1 = std::min(y0 + k, size + pad), x1 = std::min(x0 + k, size + pad);
          double sum = 0.0;
          int inside = 0;
          for (int y = y0; y < y1; ++y)
            for (int xx = x0; xx < x1; ++xx)
              if (y >= 0 && y < size && xx >= 0 && xx < size) sum += x[static_cast<size_t>(y * size + xx)], ++inside;
          expected.push_back(static_cast<float>(sum / (include_pad ? (y1 - y0) * (x1 - x0) : inside)));
        }
      check_nchw(graph.forward(nhwc_input(x, 1, size, size)), expected, 1, out, out);
    }
  }
}

TEST_CASE("ONNX Transpose: folded on constants, an alias when it moves only axes of size 1") {
  OnnxBuilder b;
  b.input_dims = {1, 2, 3, 3};
  b.init({"bias", {1, 1, 2}, {0.5f, -1.5f}});
  b.node("Transpose", "to_channels", {"bias"}, {attr_ints("perm", {0, 2, 1})});  // [1, 2, 1]
  b.node("Unsqueeze", "as_map", {"to_channels_out"}, {attr_ints("axes", {3})});   // [1, 2, 1, 1], opset 11's form
  b.opset = 11;
  b.node("Transpose", "same", {"x"}, {attr_ints("perm", {0, 1, 2, 3})});
  b.node("Sub", "shift", {"same_out", "as_map_out"});
  Graph graph = b.graph();
  const std::vector<float> x = random_floats(18, 17);
  std::vector<float> expected(x);
  for (size_t i = 0; i < x.size(); ++i) expected[i] -= i < 9 ? 0.5f : -1.5f;
  check_nchw(graph.forward(nhwc_input(x, 2, 3, 3)), expected, 2, 3, 3);
}

TEST_CASE("ONNX Flatten then Gemm reads the weights' rows in PyTorch's C, H, W order") {
  OnnxBuilder b;
  b.input_dims = {1, 2, 2, 3};
  const std::vector<float> weights = random_floats(4 * 12, 4);  // transB: [out 4, in 12]
  b.init({"w", {4, 12}, weights});
  b.init({"b", {4}, {0.5f, -0.5f, 0.25f, 0.0f}});
  b.node("Flatten", "flat", {"x"}, {attr_int("axis", 1)});
  b.node("Gemm", "fc", {"flat_out", "w", "b"}, {attr_int("transB", 1)});
  Graph graph = b.graph();
  const std::vector<float> x = random_floats(12, 5);
  const Tensor& out = graph.forward(nhwc_input(x, 2, 2, 3));
  REQUIRE(out.shape() == (Shape{1, 4}));
  for (int o = 0; o < 4; ++o) {
    double sum = std::vector<double>{0.5, -0.5, 0.25, 0.0}[static_cast<size_t>(o)];
    for (int i = 0; i < 12; ++i) sum += weights[static_cast<size_t>(o * 12 + i)] * x[static_cast<size_t>(i)];  // x is NCHW: PyTorch's flatten
    CHECK(out[static_cast<size_t>(o)] == doctest::Approx(sum).epsilon(1e-5));
  }
}

TEST_CASE("ONNX shape arithmetic around Reshape folds to a constant") {
  // What torch 1.13 writes for x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  OnnxBuilder b;
  b.input_dims = {1, 2, 3, 3};
  b.init({"zero", {}, {}, {0}});
  b.init({"axes", {1}, {}, {0}, false});
  b.init({"minus_one", {1}, {}, {-1}});
  b.node("GlobalAveragePool", "gap", {"x"});
  b.node("Shape", "shape", {"gap_out"});
  b.node("Gather", "batch", {"shape_out", "zero"}, {attr_int("axis", 0)});
  b.node("Unsqueeze", "batch1", {"batch_out", "axes"});
  b.node("Concat", "target", {"batch1_out", "minus_one"}, {attr_int("axis", 0)});
  b.node("Reshape", "rows", {"gap_out", "target_out"});
  b.node("Softmax", "probs", {"rows_out"});
  Graph graph = b.graph();
  const std::vector<NodeInfo> nodes = graph.nodes();
  REQUIRE(nodes.size() == 3);  // input, gap, probs: the chain and the reshape leave no node
  CHECK(nodes[2].kind == "Softmax");
  CHECK(nodes[2].inputs == std::vector<std::string>{"gap"});
}

TEST_CASE("ONNX initialisers: raw_data, float_data and external data files give the same values") {
  const std::vector<float> w = random_floats(3, 6);
  const std::vector<float> x{1.0f, 2.0f, 3.0f};
  std::vector<float> results;
  for (int storage = 0; storage < 3; ++storage) {
    OnnxBuilder b;
    b.input_dims = {1, 3, 1, 1};
    TensorSpec spec{"w", {1, 3, 1, 1}, w, {}, storage == 0, storage == 2 ? "weights.bin" : ""};
    b.init(spec);
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {1, 1})});
    const onnx::ExternalDataReader reader = [&](const std::string& location, uint64_t offset, int64_t length) {
      CHECK(location == "weights.bin");
      CHECK(offset == 0);
      CHECK(length == -1);
      const auto* bytes = reinterpret_cast<const uint8_t*>(w.data());
      return std::vector<uint8_t>(bytes, bytes + w.size() * 4);
    };
    Graph graph = b.graph(reader);
    results.push_back(graph.forward(nhwc_input(x, 3, 1, 1))[0]);
  }
  CHECK(results[0] == doctest::Approx(w[0] + 2 * w[1] + 3 * w[2]));
  CHECK(results[1] == results[0]);
  CHECK(results[2] == results[0]);
}

TEST_CASE("ONNX external data: read beside the .onnx file, never from outside its folder") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "camlens_onnx_external_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "model");
  const std::vector<float> w{2.0f};
  for (const fs::path& file : {dir / "model" / "w.bin", dir / "outside.bin"}) {
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(w.data()), 4);
  }
  for (const std::string location : {"w.bin", "../outside.bin"}) {
    CAPTURE(location);
    OnnxBuilder b;
    b.input_dims = {1, 1, 2, 2};
    b.init({"w", {1, 1, 1, 1}, {}, {}, true, location});
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {1, 1})});
    b.node("GlobalAveragePool", "gap", {"conv_out"});
    b.node("Flatten", "logits", {"gap_out"});
    const Bytes bytes = b.bytes();
    std::ofstream(dir / "model" / "m.onnx", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (location == "w.bin") {
      Model model = load_model_file(dir / "model" / "m.onnx");
      CHECK(model.graph.layer("conv").parameters()[0].value->values()[0] == 2.0f);
    } else {
      CHECK_THROWS_WITH_AS(load_model_file(dir / "model" / "m.onnx"),
                           doctest::Contains("'../outside.bin' leads out of the model's folder"), Error);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("ONNX errors name what is wrong") {
  SUBCASE("an op camlens does not import") {
    OnnxBuilder b;
    b.node("Erf", "/head/Erf", {"x"});
    CHECK(import_error(b.bytes()).find("op 'Erf' (node '/head/Erf') is not supported") != std::string::npos);
  }
  SUBCASE("an opset outside 11..18") {
    for (int64_t opset : {10, 19}) {
      OnnxBuilder b = relu_model();
      b.opset = opset;
      CHECK(import_error(b.bytes()).find("the model uses opset " + std::to_string(opset) + "; camlens imports opsets 11 to 18") !=
            std::string::npos);
    }
  }
  SUBCASE("a NaN initialiser") {
    OnnxBuilder b;
    b.init({"w", {1, 3, 1, 1}, {0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f}});
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {1, 1})});
    CHECK(import_error(b.bytes()).find("the initializer 'w' holds a NaN") != std::string::npos);
  }
  SUBCASE("a Clip that is not a ReLU") {
    OnnxBuilder b;
    b.init({"lo", {}, {-1.0f}});
    b.init({"hi", {}, {1.0f}});
    b.node("Clip", "clip", {"x", "lo", "hi"});
    CHECK(import_error(b.bytes()).find("Clip 'clip' clips to [-1, 1]") != std::string::npos);
  }
  SUBCASE("an initialiser shorter than its shape") {
    OnnxBuilder b;
    b.init({"w", {1, 3, 1, 1}, {1.0f, 2.0f}});
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {1, 1})});
    CHECK(import_error(b.bytes()).find("holds 8 bytes of data; its shape and type (FLOAT) need 12") != std::string::npos);
  }
  SUBCASE("an Unsqueeze naming one axis twice") {
    OnnxBuilder b;
    b.init({"c", {2}, {}, {1, 2}});
    b.init({"axes", {2}, {}, {0, 0}});
    b.node("Unsqueeze", "twice", {"c", "axes"});
    b.node("Relu", "relu", {"x"});
    CHECK(import_error(b.bytes()).find("Unsqueeze 'twice' names axis 0 twice") != std::string::npos);
  }
  SUBCASE("a Reshape to sizes too big to multiply") {
    OnnxBuilder b;
    b.init({"shape", {3}, {}, {1, int64_t{1} << 40, int64_t{1} << 40}});
    b.node("Reshape", "huge", {"x", "shape"});
    CHECK(import_error(b.bytes()).find("Reshape 'huge' reshapes [1, 3, 4, 4] to [1, 1099511627776, 1099511627776]; the sizes do not match") !=
          std::string::npos);
  }
  SUBCASE("a Transpose that moves values") {
    OnnxBuilder b;
    b.node("Transpose", "nhwc", {"x"}, {attr_ints("perm", {0, 2, 3, 1})});
    CHECK(import_error(b.bytes()).find("Transpose 'nhwc' transposes [1, 3, 4, 4] to [1, 4, 4, 3]") != std::string::npos);
  }
  SUBCASE("a per-channel value of another channel count") {
    OnnxBuilder b;
    b.node("GlobalAveragePool", "gap", {"x"});
    b.init({"w", {5, 3, 1, 1}, random_floats(15, 9)});
    b.node("Conv", "squeeze", {"gap_out", "w"}, {attr_ints("kernel_shape", {1, 1})});
    b.node("Mul", "scale", {"x", "squeeze_out"});
    CHECK(import_error(b.bytes()).find("Mul 'scale' combines [1, 3, 4, 4] and [1, 5, 1, 1]") != std::string::npos);
  }
  SUBCASE("a constant divided by the image") {
    OnnxBuilder b;
    b.init({"one", {}, {1.0f}});
    b.node("Div", "inverse", {"one", "x"});
    CHECK(import_error(b.bytes()).find("Div 'inverse' divides a constant by a computed value") != std::string::npos);
  }
  SUBCASE("an integer initialiser stored as doubles") {
    // A NaN among them once reached a double-to-int64 conversion (UBSan; found by the onnx harness).
    for (const double value : {std::numeric_limits<double>::quiet_NaN(), 1.0}) {
      CAPTURE(value);
      OnnxBuilder b;
      Bytes axes;
      protozero::pbf_writer w(axes);
      const std::vector<int64_t> dims{2};
      const std::vector<double> values{0.0, value};
      w.add_packed_int64(1, dims.begin(), dims.end());
      w.add_int32(2, 7);  // INT64
      w.add_packed_double(10, values.begin(), values.end());
      w.add_string(8, "axes");
      b.initializers.push_back(axes);
      b.node("Relu", "relu", {"x"});
      CHECK(import_error(b.bytes()).find("'axes' has data type INT64 but stores its values in double_data, which holds DOUBLE "
                                         "tensors") != std::string::npos);
    }
  }
  SUBCASE("a Constant's value_float that is not finite") {
    // Cast to an integer, a NaN would be a conversion C++ leaves undefined.
    OnnxBuilder b;
    b.node("Constant", "c", {}, {attr_float("value_float", std::numeric_limits<float>::quiet_NaN())});
    b.node("Cast", "to_int", {"c_out"}, {attr_int("to", 7)});
    b.node("Relu", "relu", {"x"});
    CHECK(import_error(b.bytes()).find("Constant 'c' holds a NaN or an infinity") != std::string::npos);
  }
  SUBCASE("external data without a file to read it from") {
    OnnxBuilder b;
    b.init({"w", {1, 3, 1, 1}, {}, {}, true, "w.bin"});
    b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {1, 1})});
    CHECK(import_error(b.bytes()).find("is stored in the external file 'w.bin'") != std::string::npos);
  }
}

TEST_CASE("ONNX: every truncation of a valid file is an Error, never a crash") {
  OnnxBuilder b;
  b.init({"w", {2, 3, 3, 3}, random_floats(54, 7)});
  b.node("Conv", "conv", {"x", "w"}, {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1})});
  b.node("Relu", "relu", {"conv_out"});
  const Bytes bytes = b.bytes();
  CHECK(import_error(bytes).empty());
  for (size_t keep = 0; keep < bytes.size(); ++keep) {
    CAPTURE(keep);
    CHECK_FALSE(import_error(bytes.substr(0, keep)).empty());
  }
}
