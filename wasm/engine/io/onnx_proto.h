#pragma once
// The parts of an ONNX file (onnx.proto, IR version 3 and later) that camlens imports, read with
// protozero: the default domain's opset, the graph's nodes, initialisers (inline or in external
// data files), inputs and outputs. Fields camlens does not use are skipped; a truncated or
// malformed message is an Error saying where the file broke. Tensors keep their values as floats
// (FLOAT, DOUBLE, FLOAT16) or as int64 (INT64, INT32, INT8, UINT8, BOOL, ...), row-major.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camlens::onnx {

enum class DataType : int32_t {
  undefined = 0, float32 = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7,
  string = 8, boolean = 9, float16 = 10, float64 = 11, uint32 = 12, uint64 = 13,
};

const char* data_type_name(int32_t type);

struct TensorData {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = 0;
  std::vector<float> floats;   // float types
  std::vector<int64_t> ints;   // integer and boolean types
  bool is_float() const { return !ints_type(); }
  bool ints_type() const;
  size_t element_count() const;  // the product of dims (1 for a scalar)
};

enum class AttributeType : int32_t { undefined = 0, f = 1, i = 2, s = 3, tensor = 4, floats = 6, ints = 7 };

struct Attribute {
  std::string name;
  int32_t type = 0;  // AttributeType, or another onnx.proto type camlens does not read
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<TensorData> tensor;  // the one tensor of a tensor attribute
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;   // "" marks an optional input left out
  std::vector<std::string> outputs;
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view attribute) const;
  std::string who() const;  // "Conv '/conv1/Conv'"
};

struct ValueInfo {
  std::string name;
  int32_t elem_type = 0;
  std::vector<int64_t> dims;  // -1 for a dimension given by name (dynamic) or not at all
  bool has_shape = false;
};

struct GraphData {
  std::vector<Node> nodes;
  std::vector<TensorData> initializers;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
};

struct ModelData {
  int64_t ir_version = 0;
  int64_t opset = 0;  // the default ("" or "ai.onnx") domain's version; 0 when the file names none
  std::string producer;
  GraphData graph;
};

// Returns the bytes [offset, offset + length) of the external data file `location` (length -1:
// to its end). `location` is as the file wrote it, relative to the .onnx file's folder.
using ExternalDataReader =
    std::function<std::vector<uint8_t>(const std::string& location, uint64_t offset, int64_t length)>;

// The largest number of elements one tensor may hold (the engine's limit for a tensor).
inline constexpr uint64_t kMaxTensorElements = INT32_MAX;

// Parses a whole .onnx file. `external` reads external data files; without one, a model whose
// initialisers live outside the file is an Error.
ModelData parse_model(std::span<const uint8_t> bytes, const ExternalDataReader& external = nullptr);

}  // namespace camlens::onnx
