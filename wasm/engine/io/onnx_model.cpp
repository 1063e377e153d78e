#include "io/onnx_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "layers/add.h"
#include "layers/affine.h"
#include "layers/avg_pool.h"
#include "layers/batch_norm.h"
#include "layers/broadcast_binary.h"
#include "layers/concatenate.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/depthwise_conv2d.h"
#include "layers/flatten.h"
#include "layers/global_average_pool.h"
#include "layers/max_pool.h"
#include "layers/pointwise.h"
#include "layers/relu.h"
#include "layers/reshape.h"
#include "layers/softmax.h"
#include "layers/zero_pad.h"

namespace camlens {

namespace {

using onnx::Node;
using onnx::TensorData;

constexpr const char* kSupportedOps =
    "Conv, BatchNormalization, Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, MaxPool, AveragePool, "
    "GlobalAveragePool, Flatten, Gemm, MatMul, Add, Sub, Mul, Div, Concat, Pad, Reshape, Transpose, Squeeze, Unsqueeze, "
    "Dropout, Identity, Softmax, Constant, Shape, Gather, Cast";

// How an ONNX value lives in the engine.
enum class Layout {
  nchw,      // ONNX [N, C, H, W]: an engine node [H, W, C]
  channels,  // ONNX [N, C], or [N, C, 1, 1] and the like: an engine node [C]
  chw_flat,  // ONNX [N, C*H*W] flattened from a C x H x W map: an engine node holding it in H, W, C order
};

struct Value {
  bool is_constant = false;
  TensorData constant;        // its dims and values, when is_constant
  std::string node;           // the engine node otherwise
  Layout layout = Layout::channels;
  std::vector<int64_t> dims;  // the ONNX dims, batch (1) first; a constant's are constant.dims
  int map_h = 1, map_w = 1, map_c = 0;  // chw_flat: the map it was flattened from

  int channels() const { return static_cast<int>(dims.at(1)); }
};

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

// The product of dims[from, to) (to the end by default).
int64_t product(const std::vector<int64_t>& dims, size_t from = 0, size_t to = SIZE_MAX) {
  const auto end = dims.begin() + static_cast<std::ptrdiff_t>(std::min(to, dims.size()));
  const auto begin = dims.begin() + static_cast<std::ptrdiff_t>(std::min(from, dims.size()));
  return std::accumulate(begin, end, int64_t{1}, std::multiplies<>());
}

// The ONNX axis `axis` (negative counts from the end) of a rank-`rank` value, checked.
size_t normalise_axis(int64_t axis, size_t rank, const Node& n) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) fail("ONNX: ", n.who(), " names axis ", axis, " of a rank-", rank, " value");
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

class OnnxImporter {
 public:
  explicit OnnxImporter(const onnx::ModelData& model) : model_(model) {
    if (model.opset < kMinOnnxOpset || model.opset > kMaxOnnxOpset) {
      fail("ONNX: the model uses opset ", model.opset, "; camlens imports opsets ", kMinOnnxOpset, " to ", kMaxOnnxOpset,
           " (export again with torch.onnx.export(..., opset_version=13))");
    }
  }

  Graph build() {
    add_initializers();
    add_input();
    for (const Node& n : model_.graph.nodes) add_node(n);
    check_output();
    return std::move(graph_);
  }

 private:
  // ---- values ----

  void add_initializers() {
    for (const TensorData& tensor : model_.graph.initializers) {
      for (float v : tensor.floats) {
        if (!std::isfinite(v)) {
          fail("ONNX: the initializer '", tensor.name, "' holds a NaN or an infinity; the model's weights are broken");
        }
      }
      Value value;
      value.is_constant = true;
      value.constant = tensor;
      value.dims = tensor.dims;
      values_[tensor.name] = std::move(value);
    }
  }

  void add_input() {
    std::vector<const onnx::ValueInfo*> inputs;
    for (const onnx::ValueInfo& input : model_.graph.inputs) {
      if (values_.count(input.name) == 0) inputs.push_back(&input);
    }
    if (inputs.size() != 1) fail("ONNX: camlens needs a model with exactly one input, this one has ", inputs.size());
    const onnx::ValueInfo& input = *inputs[0];
    if (input.elem_type != static_cast<int32_t>(onnx::DataType::float32)) {
      fail("ONNX: the input '", input.name, "' is ", onnx::data_type_name(input.elem_type), "; camlens needs a FLOAT input");
    }
    const std::vector<int64_t>& d = input.dims;
    const bool fixed = d.size() == 4 && std::all_of(d.begin() + 1, d.end(), [](int64_t v) { return v > 0 && v <= kMaxWindowExtent; });
    if (!fixed || (d[0] != 1 && d[0] != -1)) {
      fail("ONNX: the input '", input.name, "' has shape ", dims_str(d),
           "; camlens needs [batch, channels, height, width] with fixed channels, height and width "
           "(export with a fixed-size dummy input)");
    }
    graph_.add_input(input.name, Shape{static_cast<int>(d[2]), static_cast<int>(d[3]), static_cast<int>(d[1])});
    Value value;
    value.node = input.name;
    value.layout = Layout::nchw;
    value.dims = {1, d[1], d[2], d[3]};
    values_[input.name] = std::move(value);
  }

  void check_output() {
    const auto& outputs = model_.graph.outputs;
    if (outputs.size() != 1) fail("ONNX: camlens needs a model with exactly one output, this one has ", outputs.size());
    const Value& output = lookup(outputs[0].name, "the graph output");
    if (output.is_constant || output.node != graph_.output_name()) {
      fail("ONNX: the graph output '", outputs[0].name, "' is not the last value the graph computes; camlens needs the "
           "output computed last");
    }
    if (output.layout == Layout::chw_flat && output.map_h * output.map_w > 1) {
      fail("ONNX: the graph output '", outputs[0].name, "' is a flattened feature map; camlens keeps maps channels-last, "
           "so its order would differ from the model's");
    }
  }

  const Value& lookup(const std::string& name, const std::string& reader) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    auto dropped = dropped_outputs_.find(name);
    if (dropped != dropped_outputs_.end()) {
      fail("ONNX: ", reader, " reads '", name, "', an extra output of ", dropped->second,
           "; camlens computes only the first output of that op");
    }
    fail("ONNX: ", reader, " reads '", name, "', which no earlier node computes (nodes must be in topological order)");
  }

  static bool has_input(const Node& n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

  const Value& input(const Node& n, size_t i) const {
    if (!has_input(n, i)) fail("ONNX: ", n.who(), " has no input ", i, "; it needs one");
    return lookup(n.inputs[i], n.who());
  }

  const Value& tensor_input(const Node& n, size_t i) const {
    const Value& v = input(n, i);
    if (v.is_constant) {
      fail("ONNX: ", n.who(), " takes the constant '", n.inputs[i], "' as input ", i,
           "; camlens supports constants there only as weights, biases and shapes");
    }
    return v;
  }

  const TensorData& constant_input(const Node& n, size_t i) const {
    const Value& v = input(n, i);
    if (!v.is_constant) {
      fail("ONNX: ", n.who(), " needs a constant as input ", i, ", but '", n.inputs[i],
           "' is computed from the image; camlens supports only constant weights and shapes there");
    }
    return v.constant;
  }

  const Value& map_input(const Node& n, size_t i) const {
    const Value& v = tensor_input(n, i);
    if (v.layout != Layout::nchw) {
      fail("ONNX: ", n.who(), " needs a feature map [N, C, H, W] as input ", i, ", got '", n.inputs[i], "' ", dims_str(v.dims));
    }
    return v;
  }

  std::vector<float> constant_floats(const Node& n, size_t i) const {
    const TensorData& t = constant_input(n, i);
    if (t.is_float()) return t.floats;
    return std::vector<float>(t.ints.begin(), t.ints.end());
  }

  std::vector<int64_t> constant_ints(const Node& n, size_t i) const {
    const TensorData& t = constant_input(n, i);
    if (!t.is_float()) return t.ints;
    fail("ONNX: ", n.who(), " needs integers as input ", i, ", got the float tensor '", n.inputs[i], "'");
  }

  void set_output(const Node& n, Value value) {
    if (n.outputs.empty() || n.outputs[0].empty()) fail("ONNX: ", n.who(), " has no output");
    for (size_t i = 1; i < n.outputs.size(); ++i) {
      if (!n.outputs[i].empty()) dropped_outputs_[n.outputs[i]] = n.who();
    }
    values_[n.outputs[0]] = std::move(value);
  }

  void set_constant(const Node& n, TensorData tensor) {
    Value value;
    value.is_constant = true;
    value.dims = tensor.dims;
    value.constant = std::move(tensor);
    set_output(n, std::move(value));
  }

  // An output that is the input under another name (Identity, Dropout, reshapes that move no value).
  void set_alias(const Node& n, const Value& source, std::vector<int64_t> dims) {
    Value value = source;
    value.dims = std::move(dims);
    if (value.is_constant) value.constant.dims = value.dims;
    set_output(n, std::move(value));
  }

  // The engine node's name: the ONNX node's name, else its output's, made unique.
  std::string engine_name(const Node& n) const {
    std::string name = !n.name.empty() ? n.name : n.outputs.empty() ? n.op_type : n.outputs[0];
    if (!graph_.contains(name)) return name;
    for (int k = 1;; ++k) {
      const std::string candidate = name + "_" + std::to_string(k);
      if (!graph_.contains(candidate)) return candidate;
    }
  }

  // Adds `layer` reading `inputs` and makes it the value of n's first output, in `layout`.
  void add_layer(const Node& n, std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs, Layout layout) {
    const Shape shape = graph_.add(std::move(layer), inputs);
    Value value;
    value.node = graph_.output_name();
    value.layout = layout;
    if (layout == Layout::nchw) value.dims = {1, shape[2], shape[0], shape[1]};
    else value.dims = {1, static_cast<int64_t>(shape.size())};
    set_output(n, std::move(value));
  }

  // Like add_layer for an op that keeps its input's layout and ONNX dims (activations, BatchNorm).
  // `others` are further inputs of in's shape (Add's second term).
  void add_elementwise(const Node& n, std::unique_ptr<Layer> layer, const Value& in, const std::vector<std::string>& others = {}) {
    std::vector<std::string> inputs{in.node};
    inputs.insert(inputs.end(), others.begin(), others.end());
    graph_.add(std::move(layer), inputs);
    Value value = in;
    value.node = graph_.output_name();
    set_output(n, std::move(value));
  }

  // ---- attributes ----

  static const onnx::Attribute* attribute(const Node& n, const char* name, onnx::AttributeType type) {
    const onnx::Attribute* a = n.find(name);
    if (a != nullptr && a->type != static_cast<int32_t>(type) && a->type != 0) {
      fail("ONNX: ", n.who(), " attribute '", name, "' has the wrong type (", a->type, ")");
    }
    return a;
  }
  static int64_t int_attr(const Node& n, const char* name, int64_t fallback) {
    const onnx::Attribute* a = attribute(n, name, onnx::AttributeType::i);
    return a == nullptr ? fallback : a->i;
  }
  static float float_attr(const Node& n, const char* name, float fallback) {
    const onnx::Attribute* a = attribute(n, name, onnx::AttributeType::f);
    return a == nullptr ? fallback : a->f;
  }
  static std::string string_attr(const Node& n, const char* name, const std::string& fallback) {
    const onnx::Attribute* a = attribute(n, name, onnx::AttributeType::s);
    return a == nullptr ? fallback : a->s;
  }
  static std::vector<int64_t> ints_attr(const Node& n, const char* name, std::vector<int64_t> fallback) {
    const onnx::Attribute* a = attribute(n, name, onnx::AttributeType::ints);
    return a == nullptr ? fallback : a->ints;
  }
  // A window size, stride, dilation or pad, as an int within the engine's bounds.
  static int window_int(const Node& n, const char* what, int64_t v, int64_t lowest) {
    if (v < lowest || v > kMaxWindowExtent) fail("ONNX: ", n.who(), " has ", what, " ", v, "; it must lie in [", lowest, ", ", kMaxWindowExtent, "]");
    return static_cast<int>(v);
  }

  // ---- dispatch ----

  void add_node(const Node& n) {
    if (!n.domain.empty() && n.domain != "ai.onnx") {
      fail("ONNX: op '", n.op_type, "' of domain '", n.domain, "' (node '", n.name, "') is not supported; camlens imports "
           "the default ONNX domain");
    }
    const std::string& op = n.op_type;
    if (folds_constant(n)) return;
    if (op == "Conv") add_conv(n);
    else if (op == "BatchNormalization") add_batch_norm(n);
    else if (op == "Relu") add_elementwise(n, std::make_unique<Relu>(engine_name(n)), tensor_input(n, 0));
    else if (op == "Clip") add_clip(n);
    else if (op == "Sigmoid" || op == "HardSigmoid" || op == "HardSwish" || op == "LeakyRelu") add_pointwise(n);
    else if (op == "MaxPool" || op == "AveragePool") add_pool(n);
    else if (op == "GlobalAveragePool") add_global_pool(n);
    else if (op == "Flatten") add_flatten(n);
    else if (op == "Gemm" || op == "MatMul") add_dense(n);
    else if (op == "Add") add_sum(n);
    else if (op == "Sub" || op == "Mul" || op == "Div") add_binary(n);
    else if (op == "Transpose") add_transpose(n);
    else if (op == "Concat") add_concat(n);
    else if (op == "Reshape") add_reshape(n);
    else if (op == "Squeeze" || op == "Unsqueeze") add_squeeze(n);
    else if (op == "Identity" || op == "Dropout") add_identity(n);
    else if (op == "Softmax") add_softmax(n);
    else if (op == "Pad") add_pad(n);
    else fail("ONNX: op '", op, "' (node '", n.name, "') is not supported; supported ops: ", kSupportedOps);
  }

  // ---- constants, folded at import ----

  bool all_inputs_constant(const Node& n) const {
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (has_input(n, i) && !lookup(n.inputs[i], n.who()).is_constant) return false;
    }
    return true;
  }

  // Computes n's output when it is a constant (shape arithmetic); false when n computes on the image.
  bool folds_constant(const Node& n) {
    const std::string& op = n.op_type;
    if (op == "Constant") {
      set_constant(n, constant_attribute(n));
    } else if (op == "Shape") {
      const std::vector<int64_t>& dims = input(n, 0).dims;
      const int64_t rank = static_cast<int64_t>(dims.size());
      auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
      const int64_t start = clamp(int_attr(n, "start", 0)), end = clamp(int_attr(n, "end", rank));
      TensorData shape;
      shape.data_type = static_cast<int32_t>(onnx::DataType::int64);
      if (start < end) shape.ints.assign(dims.begin() + start, dims.begin() + end);
      shape.dims = {static_cast<int64_t>(shape.ints.size())};
      set_constant(n, std::move(shape));
    } else if (!all_inputs_constant(n) || n.inputs.empty()) {
      return false;
    } else if (op == "Gather") {
      set_constant(n, gather(n));
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      TensorData t = constant_input(n, 0);
      t.dims = squeezed_dims(n, t.dims);
      set_constant(n, std::move(t));
    } else if (op == "Concat") {
      set_constant(n, concat_constants(n));
    } else if (op == "Cast") {
      set_constant(n, cast(n));
    } else if (op == "Identity" || op == "Dropout") {
      set_constant(n, constant_input(n, 0));
    } else if (op == "Transpose") {
      set_constant(n, transpose_constant(n));
    } else {
      fail("ONNX: ", n.who(), " computes on constants only; camlens folds only Constant, Shape, Gather, Unsqueeze, "
           "Squeeze, Concat, Cast and Transpose (export with do_constant_folding=True)");
    }
    return true;
  }

  TensorData constant_attribute(const Node& n) const {
    TensorData t;
    if (const onnx::Attribute* a = n.find("value"); a != nullptr && !a->tensor.empty()) {
      t = a->tensor[0];
    } else if (const onnx::Attribute* f = n.find("value_float")) {
      t.data_type = static_cast<int32_t>(onnx::DataType::float32);
      t.floats = {f->f};
    } else if (const onnx::Attribute* fs = n.find("value_floats")) {
      t.data_type = static_cast<int32_t>(onnx::DataType::float32);
      t.floats = fs->floats;
      t.dims = {static_cast<int64_t>(t.floats.size())};
    } else if (const onnx::Attribute* i = n.find("value_int")) {
      t.data_type = static_cast<int32_t>(onnx::DataType::int64);
      t.ints = {i->i};
    } else if (const onnx::Attribute* is = n.find("value_ints")) {
      t.data_type = static_cast<int32_t>(onnx::DataType::int64);
      t.ints = is->ints;
      t.dims = {static_cast<int64_t>(t.ints.size())};
    } else {
      fail("ONNX: ", n.who(), " has no value camlens reads (value, value_float(s) or value_int(s))");
    }
    for (float v : t.floats) {
      if (!std::isfinite(v)) fail("ONNX: ", n.who(), " holds a NaN or an infinity");
    }
    return t;
  }

  // Copies `outer` blocks of `inner` values from `from` at block offsets to `to`: the shared core
  // of Gather and Concat on constants, which both move whole rows along one axis.
  static void copy_rows(const TensorData& from, int64_t row, int64_t inner, TensorData& to) {
    if (from.is_float()) to.floats.insert(to.floats.end(), from.floats.begin() + row * inner, from.floats.begin() + (row + 1) * inner);
    else to.ints.insert(to.ints.end(), from.ints.begin() + row * inner, from.ints.begin() + (row + 1) * inner);
  }

  TensorData gather(const Node& n) const {
    const TensorData& data = constant_input(n, 0);
    const std::vector<int64_t> indices = constant_ints(n, 1);
    if (data.dims.empty()) fail("ONNX: ", n.who(), " gathers from a scalar");
    const size_t axis = normalise_axis(int_attr(n, "axis", 0), data.dims.size(), n);
    const int64_t outer = product(data.dims, 0, axis), size = data.dims[axis], inner = product(data.dims, axis + 1);
    TensorData out;
    out.data_type = data.data_type;
    out.dims.assign(data.dims.begin(), data.dims.begin() + axis);
    const std::vector<int64_t>& index_dims = constant_input(n, 1).dims;
    out.dims.insert(out.dims.end(), index_dims.begin(), index_dims.end());
    out.dims.insert(out.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
    if (indices.size() > onnx::kMaxTensorElements / static_cast<uint64_t>(std::max<int64_t>(1, outer * inner))) {
      fail("ONNX: ", n.who(), " gathers more than ", onnx::kMaxTensorElements, " values");
    }
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t index : indices) {
        if (index < -size || index >= size) fail("ONNX: ", n.who(), " gathers index ", index, " of an axis of ", size);
        copy_rows(data, o * size + (index < 0 ? index + size : index), inner, out);
      }
    }
    return out;
  }

  TensorData concat_constants(const Node& n) const {
    const TensorData& first = constant_input(n, 0);
    if (first.dims.empty()) fail("ONNX: ", n.who(), " concatenates scalars");
    const size_t axis = normalise_axis(int_attr(n, "axis", 0), first.dims.size(), n);
    TensorData out;
    out.data_type = first.data_type;
    out.dims = first.dims;
    out.dims[axis] = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorData& part = constant_input(n, i);
      bool matches = part.dims.size() == first.dims.size() && part.is_float() == first.is_float();
      for (size_t d = 0; matches && d < part.dims.size(); ++d) matches = d == axis || part.dims[d] == first.dims[d];
      if (!matches) fail("ONNX: ", n.who(), " concatenates ", dims_str(first.dims), " and ", dims_str(part.dims));
      out.dims[axis] += part.dims[axis];
    }
    const int64_t outer = product(first.dims, 0, axis);
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const TensorData& part = constant_input(n, i);
        copy_rows(part, o, product(part.dims, axis), out);
      }
    }
    return out;
  }

  TensorData cast(const Node& n) const {
    TensorData t = constant_input(n, 0);
    TensorData out;
    out.dims = t.dims;
    out.data_type = static_cast<int32_t>(int_attr(n, "to", 1));
    if (out.is_float()) {
      out.floats = t.is_float() ? t.floats : std::vector<float>(t.ints.begin(), t.ints.end());
      out.data_type = static_cast<int32_t>(onnx::DataType::float32);
    } else {
      if (t.is_float()) {
        for (float v : t.floats) out.ints.push_back(static_cast<int64_t>(std::trunc(std::clamp(v, -9e18f, 9e18f))));
      } else {
        out.ints = t.ints;
      }
      out.data_type = static_cast<int32_t>(onnx::DataType::int64);
    }
    return out;
  }

  // Transpose's perm, checked to be a permutation of a rank-`rank` value's axes (reversed by default).
  std::vector<size_t> permutation(const Node& n, size_t rank) const {
    std::vector<int64_t> perm = ints_attr(n, "perm", {});
    if (perm.empty()) {
      for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
    }
    std::vector<size_t> axes;
    std::vector<bool> seen(rank, false);
    for (int64_t axis : perm) {
      const size_t d = normalise_axis(axis, rank, n);
      if (seen[d] || perm.size() != rank) fail("ONNX: ", n.who(), " has perm ", dims_str(perm), ", not a permutation of ", rank, " axes");
      seen[d] = true;
      axes.push_back(d);
    }
    return axes;
  }

  TensorData transpose_constant(const Node& n) const {
    const TensorData& t = constant_input(n, 0);
    const std::vector<size_t> perm = permutation(n, t.dims.size());
    TensorData out;
    out.data_type = t.data_type;
    for (size_t axis : perm) out.dims.push_back(t.dims[axis]);
    std::vector<int64_t> strides(t.dims.size(), 1);
    for (size_t d = t.dims.size(); d-- > 1;) strides[d - 1] = strides[d] * t.dims[d];
    const int64_t count = product(t.dims);
    std::vector<int64_t> index(perm.size(), 0);  // the output element's coordinates
    for (int64_t i = 0; i < count; ++i) {
      int64_t source = 0;
      for (size_t d = 0; d < perm.size(); ++d) source += index[d] * strides[perm[d]];
      if (t.is_float()) out.floats.push_back(t.floats[static_cast<size_t>(source)]);
      else out.ints.push_back(t.ints[static_cast<size_t>(source)]);
      for (size_t d = perm.size(); d-- > 0;) {
        if (++index[d] < out.dims[d]) break;
        index[d] = 0;
      }
    }
    return out;
  }

  // The dims after n (Squeeze or Unsqueeze) with its axes (an attribute before opset 13, an input since).
  std::vector<int64_t> squeezed_dims(const Node& n, const std::vector<int64_t>& dims) const {
    const bool unsqueeze = n.op_type == "Unsqueeze";
    std::vector<int64_t> axes = has_input(n, 1) ? constant_ints(n, 1) : ints_attr(n, "axes", {});
    if (unsqueeze) {
      const size_t rank = dims.size() + axes.size();
      std::vector<bool> inserted(rank, false);
      for (int64_t axis : axes) {
        const size_t d = normalise_axis(axis, rank, n);
        if (inserted[d]) fail("ONNX: ", n.who(), " names axis ", axis, " twice");
        inserted[d] = true;
      }
      std::vector<int64_t> out;
      size_t next = 0;
      for (size_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : dims[next++]);
      return out;
    }
    std::vector<bool> removed(dims.size(), axes.empty());
    for (int64_t axis : axes) removed[normalise_axis(axis, dims.size(), n)] = true;
    std::vector<int64_t> out;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (!removed[d]) out.push_back(dims[d]);
      else if (dims[d] != 1) fail("ONNX: ", n.who(), " squeezes axis ", d, " of ", dims_str(dims), ", which is not 1");
    }
    return out;
  }

  // ---- op by op ----

  Window2D window_of(const Node& n, int kernel_h, int kernel_w, const Value& in) const {
    const std::vector<int64_t> strides = ints_attr(n, "strides", {1, 1});
    const std::vector<int64_t> dilations = ints_attr(n, "dilations", {1, 1});
    const std::vector<int64_t> pads = ints_attr(n, "pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
      fail("ONNX: ", n.who(), " has strides ", dims_str(strides), ", dilations ", dims_str(dilations), ", pads ",
           dims_str(pads), "; camlens supports 2-D windows only");
    }
    Window2D window;
    window.kernel_h = kernel_h;
    window.kernel_w = kernel_w;
    window.stride_h = window_int(n, "a stride", strides[0], 1);
    window.stride_w = window_int(n, "a stride", strides[1], 1);
    window.dilation_h = window_int(n, "a dilation", dilations[0], 1);
    window.dilation_w = window_int(n, "a dilation", dilations[1], 1);
    const std::string auto_pad = string_attr(n, "auto_pad", "NOTSET");
    if (auto_pad == "NOTSET") {
      window.padding_mode = PaddingMode::explicit_pads;
      // ONNX orders pads [top, left, bottom, right].
      window.explicit_padding = Padding{window_int(n, "a pad", pads[0], 0), window_int(n, "a pad", pads[2], 0),
                                        window_int(n, "a pad", pads[1], 0), window_int(n, "a pad", pads[3], 0)};
    } else if (auto_pad == "VALID") {
      window.padding_mode = PaddingMode::valid;
    } else if (auto_pad == "SAME_UPPER") {
      window.padding_mode = PaddingMode::same;
    } else if (auto_pad == "SAME_LOWER") {
      // SAME with the odd pixel at the top and left: TensorFlow's SAME pads, mirrored.
      window.padding_mode = PaddingMode::same;
      const Padding same = window.pads(static_cast<int>(in.dims[2]), static_cast<int>(in.dims[3]));
      window.padding_mode = PaddingMode::explicit_pads;
      window.explicit_padding = Padding{same.bottom, same.top, same.right, same.left};
    } else {
      fail("ONNX: ", n.who(), " has auto_pad \"", auto_pad.substr(0, 16), "\"; supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER");
    }
    return window;
  }

  // A 1 x 1 convolution of one value per channel [N, C, 1, 1] (squeeze-and-excitation's layers) is a dense layer.
  void add_conv_on_vector(const Node& n, const Value& x) {
    const TensorData& w = constant_input(n, 1);
    const std::vector<int64_t> pads = ints_attr(n, "pads", {0, 0, 0, 0});
    const bool fits = x.dims.size() == 4 && w.dims.size() == 4 && w.is_float() && w.dims[1] == x.channels() &&
                      w.dims[2] == 1 && w.dims[3] == 1 && int_attr(n, "group", 1) == 1 &&
                      std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
    if (!fits) {
      fail("ONNX: ", n.who(), " convolves ", dims_str(x.dims), " with weights ", dims_str(w.dims), "; on one value per "
           "channel camlens supports 1 x 1 kernels with one group and no padding");
    }
    const int64_t out_c = w.dims[0], in_c = w.dims[1];
    Tensor weights(Shape{static_cast<int>(in_c), static_cast<int>(out_c)});
    for (int64_t i = 0; i < in_c; ++i)
      for (int64_t o = 0; o < out_c; ++o) weights[static_cast<size_t>(i * out_c + o)] = w.floats[static_cast<size_t>(o * in_c + i)];
    Tensor bias;
    if (has_input(n, 2)) {
      const std::vector<float> b = constant_floats(n, 2);
      if (static_cast<int64_t>(b.size()) != out_c) fail("ONNX: ", n.who(), " has ", b.size(), " biases for ", out_c, " outputs");
      bias = Tensor(Shape{static_cast<int>(out_c)}, b);
    }
    add_layer(n, std::make_unique<Dense>(engine_name(n), std::move(weights), std::move(bias)), {x.node}, Layout::channels);
    values_[n.outputs[0]].dims = {1, out_c, 1, 1};
  }

  void add_conv(const Node& n) {
    if (const Value& in = tensor_input(n, 0); in.layout == Layout::channels) return add_conv_on_vector(n, in);
    const Value& x = map_input(n, 0);
    const TensorData& w = constant_input(n, 1);
    if (w.dims.size() != 4 || !w.is_float()) {
      fail("ONNX: ", n.who(), " has weights ", dims_str(w.dims), "; camlens supports 2-D convolutions with float weights "
           "[out, in / group, kh, kw]");
    }
    const int64_t out_c = w.dims[0], group_in = w.dims[1], kh = w.dims[2], kw = w.dims[3];
    const int64_t in_c = x.channels(), group = int_attr(n, "group", 1);
    if (group <= 0 || in_c % group != 0 || out_c % group != 0 || group_in != in_c / group) {
      fail("ONNX: ", n.who(), " has ", group, " group(s) and weights ", dims_str(w.dims), " for an input of ", in_c,
           " channels; they do not fit together");
    }
    ConvParams params;
    params.window = window_of(n, window_int(n, "a kernel size", kh, 1), window_int(n, "a kernel size", kw, 1), x);
    Tensor bias;
    if (has_input(n, 2)) {
      const std::vector<float> b = constant_floats(n, 2);
      if (static_cast<int64_t>(b.size()) != out_c) fail("ONNX: ", n.who(), " has ", b.size(), " biases for ", out_c, " outputs");
      bias = Tensor(Shape{static_cast<int>(out_c)}, b);
    }
    const auto at = [&](int64_t o, int64_t i, int64_t y, int64_t xx) { return w.floats[((o * group_in + i) * kh + y) * kw + xx]; };
    const std::string name = engine_name(n);
    if (group > 1 && group == in_c && group_in == 1) {
      const int64_t multiplier = out_c / in_c;
      Tensor kernel(Shape{static_cast<int>(kh), static_cast<int>(kw), static_cast<int>(in_c), static_cast<int>(multiplier)});
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx)
          for (int64_t c = 0; c < in_c; ++c)
            for (int64_t m = 0; m < multiplier; ++m)
              kernel[static_cast<size_t>(((y * kw + xx) * in_c + c) * multiplier + m)] = at(c * multiplier + m, 0, y, xx);
      add_layer(n, std::make_unique<DepthwiseConv2D>(name, std::move(kernel), std::move(bias), params), {x.node}, Layout::nchw);
      return;
    }
    // A grouped convolution is one convolution whose kernel is zero between groups: exact for the
    // forward pass and the input gradient, which is what explanations need.
    const int64_t group_out = out_c / group;
    Tensor kernel(Shape{static_cast<int>(kh), static_cast<int>(kw), static_cast<int>(in_c), static_cast<int>(out_c)});
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t xx = 0; xx < kw; ++xx)
        for (int64_t o = 0; o < out_c; ++o)
          for (int64_t i = 0; i < group_in; ++i) {
            const int64_t c = (o / group_out) * group_in + i;
            kernel[static_cast<size_t>(((y * kw + xx) * in_c + c) * out_c + o)] = at(o, i, y, xx);
          }
    add_layer(n, std::make_unique<Conv2D>(name, std::move(kernel), std::move(bias), params), {x.node}, Layout::nchw);
  }

  void add_batch_norm(const Node& n) {
    const Value& x = tensor_input(n, 0);
    if (x.layout == Layout::chw_flat) fail("ONNX: ", n.who(), " normalises a flattened feature map; not supported");
    if (int_attr(n, "training_mode", 0) != 0) fail("ONNX: ", n.who(), " is in training mode; export the model in eval()");
    const int channels = x.channels();
    auto bn = std::make_unique<BatchNorm>(engine_name(n), channels, float_attr(n, "epsilon", 1e-5f),
                                          std::clamp(float_attr(n, "momentum", 0.9f), 0.0f, 1.0f));
    Tensor* targets[] = {&bn->gamma(), &bn->beta(), &bn->moving_mean(), &bn->moving_variance()};
    for (size_t i = 0; i < 4; ++i) {
      const std::vector<float> v = constant_floats(n, i + 1);
      if (static_cast<int>(v.size()) != channels) {
        fail("ONNX: ", n.who(), " input ", i + 1, " has ", v.size(), " values for ", channels, " channels");
      }
      std::copy(v.begin(), v.end(), targets[i]->data());
    }
    add_elementwise(n, std::move(bn), x);
  }

  void add_clip(const Node& n) {
    const Value& x = tensor_input(n, 0);
    auto bound = [&](size_t i, const char* attr, float fallback) {
      if (has_input(n, i)) {
        const std::vector<float> v = constant_floats(n, i);
        if (v.size() != 1) fail("ONNX: ", n.who(), " has a bound of ", v.size(), " values; it needs one");
        return v[0];
      }
      return float_attr(n, attr, fallback);
    };
    const float low = bound(1, "min", -std::numeric_limits<float>::infinity());
    const float high = bound(2, "max", std::numeric_limits<float>::infinity());
    if (low != 0.0f || !(high == 6.0f || std::isinf(high))) {
      fail("ONNX: ", n.who(), " clips to [", low, ", ", high, "]; camlens supports Clip as ReLU [0, inf) and ReLU6 [0, 6]");
    }
    add_elementwise(n, std::make_unique<Relu>(engine_name(n), std::isinf(high) ? Relu::kNoCap : 6.0f), x);
  }

  void add_pointwise(const Node& n) {
    const std::string& op = n.op_type;
    PointwiseParams params;
    if (op == "Sigmoid") {
      params.function = PointwiseFunction::sigmoid;
    } else if (op == "HardSigmoid") {
      params = {PointwiseFunction::hard_sigmoid, float_attr(n, "alpha", 0.2f), float_attr(n, "beta", 0.5f)};
    } else if (op == "HardSwish") {
      params.function = PointwiseFunction::hard_swish;
    } else {
      params = {PointwiseFunction::leaky_relu, float_attr(n, "alpha", 0.01f)};
    }
    add_elementwise(n, std::make_unique<Pointwise>(engine_name(n), params), tensor_input(n, 0));
  }

  void add_pool(const Node& n) {
    const Value& x = map_input(n, 0);
    const std::vector<int64_t> kernel = ints_attr(n, "kernel_shape", {});
    if (kernel.size() != 2) fail("ONNX: ", n.who(), " has kernel_shape ", dims_str(kernel), "; camlens supports 2-D pools");
    Window2D window = window_of(n, window_int(n, "a kernel size", kernel[0], 1), window_int(n, "a kernel size", kernel[1], 1), x);
    if (window.dilation_h != 1 || window.dilation_w != 1) fail("ONNX: ", n.who(), " has dilations; camlens pools support none");
    const int in_h = static_cast<int>(x.dims[2]), in_w = static_cast<int>(x.dims[3]);
    const Padding pads = window.pads(in_h, in_w);
    Padding ceil_pads = pads;
    if (int_attr(n, "ceil_mode", 0) != 0) {
      if (window.padding_mode != PaddingMode::explicit_pads) {
        fail("ONNX: ", n.who(), " rounds its output size up (ceil_mode) with auto_pad; camlens supports ceil_mode with "
             "explicit pads only");
      }
      ceil_pads = ceil_mode_padding(window, in_h, in_w);
      window.explicit_padding = ceil_pads;
    }
    if (n.op_type == "MaxPool") {
      add_layer(n, std::make_unique<MaxPool>(engine_name(n), window), {x.node}, Layout::nchw);
      return;
    }
    std::string source = x.node;
    if (int_attr(n, "count_include_pad", 0) != 0 && !(pads == Padding{})) {
      // Averaging over explicit zeros counts the padding; the engine's pool then divides by the
      // pixels inside the padded map, as PyTorch does, so ceil_mode's extra rows stay uncounted.
      graph_.add(std::make_unique<ZeroPad2D>(engine_name(n) + "_pad", pads), {x.node});
      source = graph_.output_name();
      window.padding_mode = PaddingMode::explicit_pads;
      window.explicit_padding = Padding{0, ceil_pads.bottom - pads.bottom, 0, ceil_pads.right - pads.right};
    }
    add_layer(n, std::make_unique<AvgPool>(engine_name(n), window), {source}, Layout::nchw);
  }

  // ceil_mode's output size as floor's with more padding at the bottom and right: max pooling
  // ignores padding, so the extra rows change no value. As in PyTorch, no window starts in the
  // bottom or right padding.
  static Padding ceil_mode_padding(const Window2D& window, int in_h, int in_w) {
    auto extra = [](int in, int begin, int end, int kernel, int stride) {
      const int span = in + begin + end - kernel;
      if (span < 0) return end;
      int out = (span + stride - 1) / stride + 1;
      if ((out - 1) * stride >= in + begin) --out;
      return std::max(end, (out - 1) * stride + kernel - in - begin);
    };
    Padding pads = window.explicit_padding;
    pads.bottom = extra(in_h, pads.top, pads.bottom, window.kernel_h, window.stride_h);
    pads.right = extra(in_w, pads.left, pads.right, window.kernel_w, window.stride_w);
    return pads;
  }

  void add_global_pool(const Node& n) {
    const Value& x = map_input(n, 0);
    graph_.add(std::make_unique<GlobalAveragePool>(engine_name(n)), {x.node});
    Value value;
    value.node = graph_.output_name();
    value.layout = Layout::channels;
    value.dims = {1, x.dims[1], 1, 1};
    set_output(n, std::move(value));
  }

  // [N, C, H, W] -> [N, C*H*W]; a map of more than one pixel keeps NHWC order (Layout::chw_flat).
  void flatten_to_rows(const Node& n, const Value& x) {
    if (x.layout != Layout::nchw) {
      set_alias(n, x, {1, product(x.dims, 1)});
      return;
    }
    graph_.add(std::make_unique<Flatten>(engine_name(n)), {x.node});
    Value value;
    value.node = graph_.output_name();
    value.dims = {1, product(x.dims, 1)};
    value.layout = x.dims[2] * x.dims[3] == 1 ? Layout::channels : Layout::chw_flat;
    value.map_c = static_cast<int>(x.dims[1]);
    value.map_h = static_cast<int>(x.dims[2]);
    value.map_w = static_cast<int>(x.dims[3]);
    set_output(n, std::move(value));
  }

  void add_flatten(const Node& n) {
    const Value& x = tensor_input(n, 0);
    if (normalise_axis(int_attr(n, "axis", 1), x.dims.size(), n) != 1) {
      fail("ONNX: ", n.who(), " flattens from axis ", int_attr(n, "axis", 1), "; camlens supports axis 1 (keep the batch)");
    }
    flatten_to_rows(n, x);
  }

  void add_reshape(const Node& n) {
    const Value& x = tensor_input(n, 0);
    std::vector<int64_t> target = constant_ints(n, 1);
    const int64_t total = product(x.dims);
    int64_t known = 1;
    int inferred = -1;
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] == 0 && int_attr(n, "allowzero", 0) == 0 && i < x.dims.size()) target[i] = x.dims[i];
      if (target[i] == -1 && inferred < 0) {
        inferred = static_cast<int>(i);
      } else if (target[i] <= 0 || target[i] > total || known > total / target[i]) {
        fail("ONNX: ", n.who(), " reshapes ", dims_str(x.dims), " to ", dims_str(constant_ints(n, 1)),
             "; the sizes do not match");
      } else {
        known *= target[i];
      }
    }
    if (inferred >= 0 && known > 0) target[static_cast<size_t>(inferred)] = total / known;
    if (product(target) != total || target.empty() || target[0] != 1) {
      fail("ONNX: ", n.who(), " reshapes ", dims_str(x.dims), " to ", dims_str(constant_ints(n, 1)),
           "; the sizes do not match or the batch axis moves");
    }
    if (target.size() == 2) {
      flatten_to_rows(n, x);
    } else if (target.size() > 2 && x.layout == Layout::channels && product(target, 2) == 1 && target[1] == x.channels()) {
      set_alias(n, x, target);
    } else {
      fail("ONNX: ", n.who(), " reshapes ", dims_str(x.dims), " to ", dims_str(target), "; camlens supports reshapes to "
           "[N, -1] and between [N, C] and [N, C, 1, 1]");
    }
  }

  void add_squeeze(const Node& n) {
    const Value& x = tensor_input(n, 0);
    std::vector<int64_t> dims = squeezed_dims(n, x.dims);
    if (x.layout != Layout::channels || dims.size() < 2 || dims[0] != 1 || dims[1] != x.channels() || product(dims, 2) != 1) {
      fail("ONNX: ", n.who(), " turns ", dims_str(x.dims), " into ", dims_str(dims), "; camlens supports this only "
           "between [N, C] and [N, C, 1, 1]");
    }
    set_alias(n, x, std::move(dims));
  }

  void add_identity(const Node& n) { set_alias(n, input(n, 0), input(n, 0).dims); }

  void add_dense(const Node& n) {
    const bool gemm = n.op_type == "Gemm";
    const Value& a = tensor_input(n, 0);
    const TensorData& b = constant_input(n, 1);
    if (a.dims.size() != 2 || b.dims.size() != 2 || !b.is_float()) {
      fail("ONNX: ", n.who(), " multiplies ", dims_str(a.dims), " by ", dims_str(b.dims), "; camlens supports [N, K] "
           "times a constant float [K, M] matrix (flatten the feature map first)");
    }
    if (gemm && int_attr(n, "transA", 0) != 0) fail("ONNX: ", n.who(), " transposes its input (transA); not supported");
    const bool transposed = gemm && int_attr(n, "transB", 0) != 0;
    const int64_t k = transposed ? b.dims[1] : b.dims[0], m = transposed ? b.dims[0] : b.dims[1];
    if (k != a.dims[1]) fail("ONNX: ", n.who(), " multiplies ", dims_str(a.dims), " by ", dims_str(b.dims), ": the sizes differ");
    const float alpha = gemm ? float_attr(n, "alpha", 1.0f) : 1.0f;
    Tensor weights(Shape{static_cast<int>(k), static_cast<int>(m)});
    for (int64_t row = 0; row < k; ++row) {
      // The engine's flattened maps run H, W, C; PyTorch's run C, H, W: read the row PyTorch would.
      int64_t source = row;
      if (a.layout == Layout::chw_flat) {
        const int64_t c = row % a.map_c, pixel = row / a.map_c;
        source = c * a.map_h * a.map_w + pixel;
      }
      for (int64_t col = 0; col < m; ++col) {
        weights[static_cast<size_t>(row * m + col)] = alpha * (transposed ? b.floats[col * k + source] : b.floats[source * m + col]);
      }
    }
    Tensor bias;
    if (gemm && has_input(n, 2)) {
      const std::vector<float> c = constant_floats(n, 2);
      if (c.size() != 1 && static_cast<int64_t>(c.size()) != m) fail("ONNX: ", n.who(), " adds ", c.size(), " biases to ", m, " outputs");
      const float beta = float_attr(n, "beta", 1.0f);
      bias = Tensor(Shape{static_cast<int>(m)});
      for (int64_t col = 0; col < m; ++col) bias[static_cast<size_t>(col)] = beta * c[c.size() == 1 ? 0 : static_cast<size_t>(col)];
    }
    add_layer(n, std::make_unique<Dense>(engine_name(n), std::move(weights), std::move(bias)), {a.node}, Layout::channels);
  }

  void add_sum(const Node& n) { add_binary(n); }

  static BinaryOp binary_op(const std::string& op) {
    if (op == "Add") return BinaryOp::add;
    if (op == "Sub") return BinaryOp::subtract;
    if (op == "Mul") return BinaryOp::multiply;
    return BinaryOp::divide;
  }

  // Whether `v` is one value per channel of the map `x`, [N, C, 1, 1], broadcast over its pixels.
  static bool broadcasts_over(const Value& v, const Value& x) {
    return v.layout == Layout::channels && x.layout == Layout::nchw && v.dims.size() == x.dims.size() &&
           v.channels() == x.channels() && product(v.dims, 2) == 1;
  }

  // Add, Sub, Mul or Div of two values: equal shapes, a per-channel value broadcast over a map, or a constant.
  void add_binary(const Node& n) {
    const BinaryOp op = binary_op(n.op_type);
    for (size_t i = 0; i < 2; ++i) {
      if (input(n, i).is_constant) {
        add_constant_operand(n, op, tensor_input(n, 1 - i), constant_input(n, i), i == 0);
        return;
      }
    }
    const Value* a = &tensor_input(n, 0);
    const Value* b = &tensor_input(n, 1);
    const bool commutes = op == BinaryOp::add || op == BinaryOp::multiply;
    if (commutes && broadcasts_over(*a, *b)) std::swap(a, b);
    if (a->dims == b->dims && a->layout == b->layout &&
        (a->layout != Layout::chw_flat || (a->map_h == b->map_h && a->map_w == b->map_w))) {
      if (op == BinaryOp::add) add_elementwise(n, std::make_unique<Add>(engine_name(n)), *a, {b->node});
      else add_elementwise(n, std::make_unique<BroadcastBinary>(engine_name(n), op), *a, {b->node});
    } else if (broadcasts_over(*b, *a)) {
      add_elementwise(n, std::make_unique<BroadcastBinary>(engine_name(n), op), *a, {b->node});
    } else {
      fail("ONNX: ", n.who(), " combines ", dims_str(a->dims), " and ", dims_str(b->dims), "; camlens supports tensors "
           "of one shape, and one value per channel [N, C, 1, 1] with a feature map [N, C, H, W]");
    }
  }

  // x op c, or c op x when `constant_first`, for a constant c of one value or one per channel: an
  // affine map y = x * scale + offset.
  void add_constant_operand(const Node& n, BinaryOp op, const Value& x, const TensorData& constant, bool constant_first) {
    std::vector<int64_t> dims = constant.dims;
    bool fits = dims.size() <= x.dims.size() && constant.is_float() && !constant.floats.empty();
    dims.insert(dims.begin(), x.dims.size() - std::min(dims.size(), x.dims.size()), 1);
    for (size_t d = 0; fits && d < dims.size(); ++d) fits = dims[d] == 1 || (d == 1 && dims[d] == x.dims[1] && x.layout != Layout::chw_flat);
    if (!fits) {
      fail("ONNX: ", n.who(), " combines a constant ", dims_str(constant.dims), " with ", dims_str(x.dims),
           "; camlens supports one float, or one per channel");
    }
    const std::vector<float>& c = constant.floats;
    std::vector<float> scale{1.0f}, offset{0.0f};
    switch (op) {
      case BinaryOp::add: offset = c; break;
      case BinaryOp::multiply: scale = c; break;
      case BinaryOp::subtract:
        offset = c;
        if (constant_first) scale = {-1.0f};
        else std::transform(c.begin(), c.end(), offset.begin(), std::negate<>());
        break;
      case BinaryOp::divide:
        if (constant_first) fail("ONNX: ", n.who(), " divides a constant by a computed value; camlens supports x / constant");
        scale.clear();
        for (float v : c) {
          if (v == 0.0f) fail("ONNX: ", n.who(), " divides by a constant holding zero");
          scale.push_back(1.0f / v);
        }
        break;
    }
    add_elementwise(n, std::make_unique<Affine>(engine_name(n), std::move(scale), std::move(offset)), x);
  }

  // A Transpose that moves no value: it permutes only axes of size 1 (a layout no-op here).
  void add_transpose(const Node& n) {
    const Value& x = tensor_input(n, 0);
    const std::vector<size_t> perm = permutation(n, x.dims.size());
    std::vector<int64_t> dims;
    size_t last_moved = 0;
    bool keeps_order = true;
    for (size_t axis : perm) {
      dims.push_back(x.dims[axis]);
      if (x.dims[axis] == 1) continue;
      keeps_order = keeps_order && axis >= last_moved;
      last_moved = axis;
    }
    const bool vector_stays = x.layout == Layout::channels && dims.size() >= 2 && dims[1] == x.channels() && product(dims, 2) == 1;
    if (!keeps_order || !(dims == x.dims || vector_stays)) {
      fail("ONNX: ", n.who(), " transposes ", dims_str(x.dims), " to ", dims_str(dims), "; camlens supports transposes "
           "that move only axes of size 1, and transposes of constants");
    }
    set_alias(n, x, std::move(dims));
  }

  void add_concat(const Node& n) {
    const Value& first = tensor_input(n, 0);
    if (normalise_axis(int_attr(n, "axis", 1), first.dims.size(), n) != 1 || first.layout == Layout::chw_flat) {
      fail("ONNX: ", n.who(), " concatenates along axis ", int_attr(n, "axis", 1), " of ", dims_str(first.dims),
           "; camlens concatenates channels (axis 1) of maps or vectors");
    }
    std::vector<std::string> inputs;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Value& part = tensor_input(n, i);
      if (part.layout != first.layout || part.dims.size() != first.dims.size() ||
          !std::equal(part.dims.begin() + 2, part.dims.end(), first.dims.begin() + 2)) {
        fail("ONNX: ", n.who(), " concatenates ", dims_str(first.dims), " and ", dims_str(part.dims), "; sizes differ");
      }
      inputs.push_back(part.node);
    }
    graph_.add(std::make_unique<Concatenate>(engine_name(n)), inputs);
    Value value = first;
    value.node = graph_.output_name();
    value.dims[1] = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) value.dims[1] += tensor_input(n, i).dims[1];
    set_output(n, std::move(value));
  }

  void add_softmax(const Node& n) {
    const Value& x = tensor_input(n, 0);
    const int64_t fallback = model_.opset >= 13 ? -1 : 1;
    if (x.dims.size() != 2 || normalise_axis(int_attr(n, "axis", fallback), 2, n) != 1) {
      fail("ONNX: ", n.who(), " takes the softmax of ", dims_str(x.dims), " along axis ", int_attr(n, "axis", fallback),
           "; camlens supports the softmax of [N, classes] along the classes");
    }
    add_elementwise(n, std::make_unique<Softmax>(engine_name(n)), x);
  }

  // Zeros around the height and width of a map (what PyTorch writes before some pools).
  void add_pad(const Node& n) {
    const Value& x = map_input(n, 0);
    const std::vector<int64_t> pads = has_input(n, 1) ? constant_ints(n, 1) : ints_attr(n, "pads", {});
    const std::string mode = string_attr(n, "mode", "constant");
    const bool zero_value = !has_input(n, 2) || constant_floats(n, 2) == std::vector<float>{0.0f};
    if (mode != "constant" || !zero_value || has_input(n, 3) || pads.size() != 8 || pads[0] != 0 || pads[1] != 0 ||
        pads[4] != 0 || pads[5] != 0) {
      fail("ONNX: ", n.who(), " pads ", dims_str(x.dims), " by ", dims_str(pads), " in mode \"", mode.substr(0, 16),
           "\"; camlens supports zeros around height and width");
    }
    const Padding pad{window_int(n, "a pad", pads[2], 0), window_int(n, "a pad", pads[6], 0),
                      window_int(n, "a pad", pads[3], 0), window_int(n, "a pad", pads[7], 0)};
    if (pad == Padding{}) {
      set_alias(n, x, x.dims);
      return;
    }
    add_layer(n, std::make_unique<ZeroPad2D>(engine_name(n), pad), {x.node}, Layout::nchw);
  }

  const onnx::ModelData& model_;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, std::string> dropped_outputs_;  // output name -> the node that has it
  Graph graph_;
};

}  // namespace

Graph import_onnx_graph(const onnx::ModelData& model) { return OnnxImporter(model).build(); }

Graph import_onnx_model(std::span<const uint8_t> bytes, const onnx::ExternalDataReader& external) {
  return import_onnx_graph(onnx::parse_model(bytes, external));
}

}  // namespace camlens
