#include "io/onnx_proto.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <protozero/pbf_reader.hpp>

#include "core/error.h"
#include "io/weights.h"

namespace camlens::onnx {

namespace {

using protozero::pbf_reader;
using protozero::pbf_wire_type;
using protozero::tag_and_type;

constexpr auto kVarint = pbf_wire_type::varint;
constexpr auto kBytes = pbf_wire_type::length_delimited;
constexpr auto kFixed32 = pbf_wire_type::fixed32;
constexpr auto kFixed64 = pbf_wire_type::fixed64;

// onnx.proto's field numbers, message by message.
namespace model_field { constexpr uint32_t ir_version = 1, producer_name = 2, graph = 7, opset_import = 8; }
namespace opset_field { constexpr uint32_t domain = 1, version = 2; }
namespace graph_field { constexpr uint32_t node = 1, initializer = 5, input = 11, output = 12; }
namespace node_field { constexpr uint32_t input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7; }
namespace attribute_field { constexpr uint32_t name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20; }
namespace tensor_field {
constexpr uint32_t dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9,
                   double_data = 10, uint64_data = 11, external_data = 13, data_location = 14;
}
namespace entry_field { constexpr uint32_t key = 1, value = 2; }
namespace value_info_field { constexpr uint32_t name = 1, type = 2; }
namespace type_field { constexpr uint32_t tensor_type = 1; }
namespace tensor_type_field { constexpr uint32_t elem_type = 1, shape = 2; }
namespace shape_field { constexpr uint32_t dim = 1; }
namespace dimension_field { constexpr uint32_t dim_value = 1; }

constexpr int32_t kExternalLocation = 1;

// A repeated scalar field arrives packed (one length-delimited run) or one value per field: both are legal.
void read_int64s(pbf_reader& message, std::vector<int64_t>& out) {
  if (message.wire_type() == kBytes) {
    for (int64_t value : message.get_packed_int64()) out.push_back(value);
  } else {
    out.push_back(message.get_int64());
  }
}

void read_floats(pbf_reader& message, std::vector<float>& out) {
  if (message.wire_type() == kBytes) {
    for (float value : message.get_packed_float()) out.push_back(value);
  } else {
    out.push_back(message.get_float());
  }
}

bool is_repeated_varint(pbf_reader& message) { return message.wire_type() == kVarint || message.wire_type() == kBytes; }
bool is_repeated_fixed32(pbf_reader& message) { return message.wire_type() == kFixed32 || message.wire_type() == kBytes; }
bool is_repeated_fixed64(pbf_reader& message) { return message.wire_type() == kFixed64 || message.wire_type() == kBytes; }

size_t element_size(int32_t type) {
  switch (static_cast<DataType>(type)) {
    case DataType::float32: case DataType::int32: case DataType::uint32: return 4;
    case DataType::float64: case DataType::int64: case DataType::uint64: return 8;
    case DataType::float16: case DataType::int16: case DataType::uint16: return 2;
    case DataType::int8: case DataType::uint8: case DataType::boolean: return 1;
    default: return 0;
  }
}

template <typename T>
T load(const uint8_t* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));  // ONNX stores little-endian, as x86-64 and WebAssembly do
  return value;
}

// Decodes raw little-endian bytes (raw_data or an external file) into the tensor's values.
void decode_raw(TensorData& tensor, std::span<const uint8_t> raw, const std::string& where) {
  const size_t width = element_size(tensor.data_type);
  const size_t count = tensor.element_count();
  if (raw.size() != count * width) {
    fail("ONNX: ", where, " holds ", raw.size(), " bytes of data; its shape and type (", data_type_name(tensor.data_type),
         ") need ", count * width, ": the file is truncated or corrupt");
  }
  const uint8_t* p = raw.data();
  if (tensor.is_float()) tensor.floats.resize(count);
  else tensor.ints.resize(count);
  for (size_t k = 0; k < count; ++k, p += width) {
    switch (static_cast<DataType>(tensor.data_type)) {
      case DataType::float32: tensor.floats[k] = load<float>(p); break;
      case DataType::float64: tensor.floats[k] = static_cast<float>(load<double>(p)); break;
      case DataType::float16: tensor.floats[k] = half_to_float(load<uint16_t>(p)); break;
      case DataType::int64: tensor.ints[k] = load<int64_t>(p); break;
      case DataType::uint64: tensor.ints[k] = static_cast<int64_t>(load<uint64_t>(p)); break;
      case DataType::int32: tensor.ints[k] = load<int32_t>(p); break;
      case DataType::uint32: tensor.ints[k] = load<uint32_t>(p); break;
      case DataType::int16: tensor.ints[k] = load<int16_t>(p); break;
      case DataType::uint16: tensor.ints[k] = load<uint16_t>(p); break;
      case DataType::int8: tensor.ints[k] = load<int8_t>(p); break;
      case DataType::uint8: case DataType::boolean: tensor.ints[k] = *p; break;
      default: break;
    }
  }
}

struct ExternalLocation {
  std::string location;
  uint64_t offset = 0;
  int64_t length = -1;
};

uint64_t parse_count(const std::string& text, const std::string& what, const std::string& where) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    fail("ONNX: ", where, " has external_data ", what, " \"", text.substr(0, 24), "\"; it must be a decimal byte count");
  }
  return std::stoull(text);
}

void read_external_entry(pbf_reader entry, ExternalLocation& external, const std::string& where) {
  std::string key, value;
  while (entry.next()) {
    if (entry.tag_and_type() == tag_and_type(entry_field::key, kBytes)) key = entry.get_string();
    else if (entry.tag_and_type() == tag_and_type(entry_field::value, kBytes)) value = entry.get_string();
    else entry.skip();
  }
  if (key == "location") external.location = value;
  else if (key == "offset") external.offset = parse_count(value, "offset", where);
  else if (key == "length") external.length = static_cast<int64_t>(parse_count(value, "length", where));
}

TensorData read_tensor(pbf_reader message, const ExternalDataReader& external_reader, const std::string& context) {
  TensorData tensor;
  std::vector<int32_t> int32_data;  // kept apart: FLOAT16 stores its bit patterns here
  std::vector<double> double_data;
  std::vector<uint64_t> uint64_data;
  std::span<const uint8_t> raw;
  bool has_raw = false;
  int32_t data_location = 0;
  ExternalLocation external;
  while (message.next()) {
    const uint32_t field = message.tag();
    if (field == tensor_field::dims && is_repeated_varint(message)) {
      read_int64s(message, tensor.dims);
    } else if (field == tensor_field::data_type && message.wire_type() == kVarint) {
      tensor.data_type = message.get_int32();
    } else if (field == tensor_field::float_data && is_repeated_fixed32(message)) {
      read_floats(message, tensor.floats);
    } else if (field == tensor_field::int32_data && is_repeated_varint(message)) {
      if (message.wire_type() == kBytes) {
        for (int32_t value : message.get_packed_int32()) int32_data.push_back(value);
      } else {
        int32_data.push_back(message.get_int32());
      }
    } else if (field == tensor_field::int64_data && is_repeated_varint(message)) {
      read_int64s(message, tensor.ints);
    } else if (field == tensor_field::name && message.wire_type() == kBytes) {
      tensor.name = message.get_string();
    } else if (field == tensor_field::raw_data && message.wire_type() == kBytes) {
      const protozero::data_view view = message.get_view();
      raw = {reinterpret_cast<const uint8_t*>(view.data()), view.size()};
      has_raw = true;
    } else if (field == tensor_field::double_data && is_repeated_fixed64(message)) {
      if (message.wire_type() == kBytes) {
        for (double value : message.get_packed_double()) double_data.push_back(value);
      } else {
        double_data.push_back(message.get_double());
      }
    } else if (field == tensor_field::uint64_data && is_repeated_varint(message)) {
      if (message.wire_type() == kBytes) {
        for (uint64_t value : message.get_packed_uint64()) uint64_data.push_back(value);
      } else {
        uint64_data.push_back(message.get_uint64());
      }
    } else if (field == tensor_field::external_data && message.wire_type() == kBytes) {
      read_external_entry(message.get_message(), external, context);
    } else if (field == tensor_field::data_location && message.wire_type() == kVarint) {
      data_location = message.get_int32();
    } else {
      message.skip();
    }
  }
  const std::string where = context + " '" + tensor.name + "'";
  if (element_size(tensor.data_type) == 0) {
    fail("ONNX: ", where, " has data type ", data_type_name(tensor.data_type),
         "; camlens reads float, float16, double and integer tensors");
  }
  uint64_t count = 1;
  for (int64_t dim : tensor.dims) {
    if (dim < 0) fail("ONNX: ", where, " has a negative dimension (", dim, ")");
    count = dim == 0 ? 0 : count;
    if (dim != 0 && count > kMaxTensorElements / static_cast<uint64_t>(dim)) {
      fail("ONNX: ", where, " has more than ", kMaxTensorElements, " elements; camlens cannot hold it");
    }
    count *= static_cast<uint64_t>(dim);
  }

  if (data_location == kExternalLocation) {
    if (external.location.empty()) fail("ONNX: ", where, " is stored externally but names no location");
    if (!external_reader) {
      fail("ONNX: ", where, " is stored in the external file '", external.location,
           "'; load the model from its file so that camlens can read the files beside it");
    }
    const std::vector<uint8_t> bytes = external_reader(external.location, external.offset, external.length);
    decode_raw(tensor, bytes, where);
  } else if (has_raw) {
    decode_raw(tensor, raw, where);
  } else {
    const auto from = [&](const auto& values) {
      if (tensor.is_float()) tensor.floats.assign(values.begin(), values.end());
      else tensor.ints.assign(values.begin(), values.end());
    };
    if (tensor.data_type == static_cast<int32_t>(DataType::float16)) {
      for (int32_t bits : int32_data) tensor.floats.push_back(half_to_float(static_cast<uint16_t>(bits)));
    } else if (!int32_data.empty()) {
      from(int32_data);
    } else if (!double_data.empty()) {
      // A double converted to an integer it does not fit is undefined: onnx.proto keeps double_data
      // for DOUBLE tensors only.
      if (!tensor.is_float()) {
        fail("ONNX: ", where, " has data type ", data_type_name(tensor.data_type),
             " but stores its values in double_data, which holds DOUBLE tensors: the file is corrupt");
      }
      from(double_data);
    } else if (!uint64_data.empty()) {
      from(uint64_data);
    }
    const size_t held = tensor.is_float() ? tensor.floats.size() : tensor.ints.size();
    if (held != count) {
      fail("ONNX: ", where, " holds ", held, " values; its shape needs ", count, ": the file is truncated or corrupt");
    }
  }
  // Only one of the two stores is meaningful: clear the other so a reader cannot pick the wrong one.
  if (tensor.is_float()) tensor.ints.clear();
  else tensor.floats.clear();
  return tensor;
}

Attribute read_attribute(pbf_reader message, const std::string& node_context) {
  Attribute attribute;
  while (message.next()) {
    const uint32_t field = message.tag();
    if (field == attribute_field::name && message.wire_type() == kBytes) {
      attribute.name = message.get_string();
    } else if (field == attribute_field::f && message.wire_type() == kFixed32) {
      attribute.f = message.get_float();
    } else if (field == attribute_field::i && message.wire_type() == kVarint) {
      attribute.i = message.get_int64();
    } else if (field == attribute_field::s && message.wire_type() == kBytes) {
      attribute.s = message.get_string();
    } else if (field == attribute_field::t && message.wire_type() == kBytes) {
      attribute.tensor.clear();
      attribute.tensor.push_back(read_tensor(message.get_message(), nullptr, node_context + " attribute tensor"));
    } else if (field == attribute_field::floats && is_repeated_fixed32(message)) {
      read_floats(message, attribute.floats);
    } else if (field == attribute_field::ints && is_repeated_varint(message)) {
      read_int64s(message, attribute.ints);
    } else if (field == attribute_field::type && message.wire_type() == kVarint) {
      attribute.type = message.get_int32();
    } else {
      message.skip();
    }
  }
  return attribute;
}

Node read_node(pbf_reader message, size_t index) {
  Node node;
  const std::string context = "node " + std::to_string(index);
  while (message.next()) {
    switch (message.tag_and_type()) {
      case tag_and_type(node_field::input, kBytes): node.inputs.push_back(message.get_string()); break;
      case tag_and_type(node_field::output, kBytes): node.outputs.push_back(message.get_string()); break;
      case tag_and_type(node_field::name, kBytes): node.name = message.get_string(); break;
      case tag_and_type(node_field::op_type, kBytes): node.op_type = message.get_string(); break;
      case tag_and_type(node_field::domain, kBytes): node.domain = message.get_string(); break;
      case tag_and_type(node_field::attribute, kBytes): node.attributes.push_back(read_attribute(message.get_message(), context)); break;
      default: message.skip();
    }
  }
  return node;
}

ValueInfo read_value_info(pbf_reader message) {
  ValueInfo info;
  while (message.next()) {
    if (message.tag_and_type() == tag_and_type(value_info_field::name, kBytes)) {
      info.name = message.get_string();
    } else if (message.tag_and_type() == tag_and_type(value_info_field::type, kBytes)) {
      pbf_reader type = message.get_message();
      while (type.next(type_field::tensor_type, kBytes)) {
        pbf_reader tensor_type = type.get_message();
        while (tensor_type.next()) {
          if (tensor_type.tag_and_type() == tag_and_type(tensor_type_field::elem_type, kVarint)) {
            info.elem_type = tensor_type.get_int32();
          } else if (tensor_type.tag_and_type() == tag_and_type(tensor_type_field::shape, kBytes)) {
            info.has_shape = true;
            pbf_reader shape = tensor_type.get_message();
            while (shape.next(shape_field::dim, kBytes)) {
              pbf_reader dimension = shape.get_message();
              int64_t value = -1;
              while (dimension.next()) {
                if (dimension.tag_and_type() == tag_and_type(dimension_field::dim_value, kVarint)) value = dimension.get_int64();
                else dimension.skip();
              }
              info.dims.push_back(value);
            }
          } else {
            tensor_type.skip();
          }
        }
      }
    } else {
      message.skip();
    }
  }
  return info;
}

GraphData read_graph(pbf_reader message, const ExternalDataReader& external) {
  GraphData graph;
  while (message.next()) {
    switch (message.tag_and_type()) {
      case tag_and_type(graph_field::node, kBytes): graph.nodes.push_back(read_node(message.get_message(), graph.nodes.size())); break;
      case tag_and_type(graph_field::initializer, kBytes):
        graph.initializers.push_back(read_tensor(message.get_message(), external, "initializer"));
        break;
      case tag_and_type(graph_field::input, kBytes): graph.inputs.push_back(read_value_info(message.get_message())); break;
      case tag_and_type(graph_field::output, kBytes): graph.outputs.push_back(read_value_info(message.get_message())); break;
      default: message.skip();
    }
  }
  return graph;
}

}  // namespace

const char* data_type_name(int32_t type) {
  static constexpr const char* kNames[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                           "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                           "COMPLEX128", "BFLOAT16"};
  return type >= 0 && type < static_cast<int32_t>(std::size(kNames)) ? kNames[type] : "an unknown type";
}

bool TensorData::ints_type() const {
  const auto type = static_cast<DataType>(data_type);
  return type != DataType::float32 && type != DataType::float64 && type != DataType::float16;
}

size_t TensorData::element_count() const {
  size_t count = 1;
  for (int64_t dim : dims) count *= static_cast<size_t>(dim);
  return count;
}

const Attribute* Node::find(std::string_view attribute) const {
  for (const Attribute& a : attributes) {
    if (a.name == attribute) return &a;
  }
  return nullptr;
}

std::string Node::who() const { return op_type + " '" + (name.empty() && !outputs.empty() ? outputs[0] : name) + "'"; }

ModelData parse_model(std::span<const uint8_t> bytes, const ExternalDataReader& external) {
  ModelData model;
  bool has_graph = false;
  try {
    pbf_reader message(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (message.next()) {
      switch (message.tag_and_type()) {
        case tag_and_type(model_field::ir_version, kVarint): model.ir_version = message.get_int64(); break;
        case tag_and_type(model_field::producer_name, kBytes): model.producer = message.get_string(); break;
        case tag_and_type(model_field::graph, kBytes):
          model.graph = read_graph(message.get_message(), external);
          has_graph = true;
          break;
        case tag_and_type(model_field::opset_import, kBytes): {
          pbf_reader opset = message.get_message();
          std::string domain;
          int64_t version = 0;
          while (opset.next()) {
            if (opset.tag_and_type() == tag_and_type(opset_field::domain, kBytes)) domain = opset.get_string();
            else if (opset.tag_and_type() == tag_and_type(opset_field::version, kVarint)) version = opset.get_int64();
            else opset.skip();
          }
          if (domain.empty() || domain == "ai.onnx") model.opset = version;
          break;
        }
        default: message.skip();
      }
    }
  } catch (const protozero::exception& e) {
    fail("ONNX: the file is not a valid ONNX protobuf (", e.what(), "); it is truncated or not an .onnx file");
  }
  if (!has_graph || model.graph.nodes.empty()) {
    fail("ONNX: the file holds no graph (", bytes.size(), " bytes read); is it an .onnx model exported by torch.onnx.export?");
  }
  return model;
}

}  // namespace camlens::onnx
