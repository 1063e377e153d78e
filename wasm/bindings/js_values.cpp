#include "js_values.h"

#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "explain/json.h"
#include "io/weights.h"

namespace camlens::bindings {

val js_error(const char* message, const char* name) {
  val error = val::global("Error").new_(std::string(message));
  if (name != nullptr) error.set("name", std::string(name));
  return error;
}

namespace {

constexpr int kDeepest = 16;

// Binary blobs become typed arrays: Float32Array for maps, Uint8ClampedArray for RGBA pictures.
val typed_array(const nlohmann::ordered_json::binary_t& bytes) {
  const val copy = val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
  const char* type = bytes.subtype() == explain::kFloat32Subtype ? "Float32Array" : "Uint8ClampedArray";
  return val::global(type).new_(copy["buffer"]);
}

}  // namespace

nlohmann::json json_from(const val& value, int depth) {
  if (depth > kDeepest) fail("request: nested deeper than ", kDeepest, " levels");
  const std::string type = value.typeOf().as<std::string>();
  if (value.isNull() || value.isUndefined()) return nullptr;
  if (type == "boolean") return value.as<bool>();
  if (type == "number") {
    // Whole numbers stay whole, so messages quote 7, not 7.0.
    const double number = value.as<double>();
    if (std::trunc(number) == number && std::abs(number) < 9.0e15) return static_cast<std::int64_t>(number);
    return number;
  }
  if (type == "string") return value.as<std::string>();
  if (type != "object") fail("request: a ", type, " cannot be sent to the engine");
  if (val::global("Array").call<bool>("isArray", value)) {
    nlohmann::json out = nlohmann::json::array();
    const size_t length = value["length"].as<size_t>();
    for (size_t i = 0; i < length; ++i) out.push_back(json_from(value[i], depth + 1));
    return out;
  }
  nlohmann::json out = nlohmann::json::object();
  const val keys = val::global("Object").call<val>("keys", value);
  const size_t count = keys["length"].as<size_t>();
  for (size_t i = 0; i < count; ++i) {
    const std::string key = keys[i].as<std::string>();
    out[key] = json_from(value[key], depth + 1);
  }
  return out;
}

namespace {

// True when `value` holds what JSON text cannot carry: bytes (typed arrays) or a non-finite number.
bool needs_values(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object:
    case nlohmann::ordered_json::value_t::array:
      for (const auto& item : value) {
        if (needs_values(item)) return true;
      }
      return false;
    case nlohmann::ordered_json::value_t::binary: return true;
    case nlohmann::ordered_json::value_t::number_float: return !std::isfinite(value.get<double>());
    default: return false;
  }
}

}  // namespace

val js_from(const nlohmann::ordered_json& value) {
  // A subtree JSON text can carry crosses as one JSON.parse: one call into JavaScript instead of one
  // per value (a 1,000-class prediction is thousands of them).
  if (value.is_structured() && !value.empty() && !needs_values(value)) {
    return val::global("JSON").call<val>("parse", value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object: {
      val out = val::object();
      for (const auto& [key, item] : value.items()) out.set(key, js_from(item));
      return out;
    }
    case nlohmann::ordered_json::value_t::array: {
      val out = val::array();
      for (const auto& item : value) out.call<void>("push", js_from(item));
      return out;
    }
    case nlohmann::ordered_json::value_t::string: return val(value.get<std::string>());
    case nlohmann::ordered_json::value_t::boolean: return val(value.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return val(value.get<double>());
    case nlohmann::ordered_json::value_t::number_unsigned: return val(value.get<double>());
    case nlohmann::ordered_json::value_t::number_float: return val(value.get<double>());
    case nlohmann::ordered_json::value_t::binary: return typed_array(value.get_binary());
    default: return val::null();
  }
}

onnx::ExternalDataReader external_data_from(const val& files, const char* who) {
  auto named = std::make_shared<ExternalDataFiles>();
  if (files.isUndefined() || files.isNull()) return external_data_in_memory(named);
  const size_t count = files["length"].as<size_t>();
  for (size_t i = 0; i < count; ++i) {
    const val file = files[i];
    if (!file["name"].isString() || !file["bytes"].instanceof(val::global("Uint8Array"))) {
      fail(who, ": external[", i, "] must be {name: string, bytes: Uint8Array}");
    }
    (*named)[file["name"].as<std::string>()] = emscripten::convertJSArrayToNumberVector<uint8_t>(file["bytes"]);
  }
  return external_data_in_memory(named);
}

Model model_from(const val& model, const char* who) {
  const val metadata = model["metadataJson"];
  const std::string metadata_json = metadata.isString() ? metadata.as<std::string>() : std::string();
  if (model["onnx"].instanceof(val::global("Uint8Array"))) {
    const std::vector<uint8_t> bytes = emscripten::convertJSArrayToNumberVector<uint8_t>(model["onnx"]);
    return load_onnx_model(bytes, external_data_from(model["external"], who), metadata_json);
  }
  if (!model["modelJson"].isString()) fail(who, ": model.modelJson must be a string (or model.onnx a Uint8Array)");
  const std::string model_json = model["modelJson"].as<std::string>();
  std::vector<ShardFile> files;
  const val shards = model["shards"];
  const size_t count = shards["length"].as<size_t>();
  for (size_t i = 0; i < count; ++i) {
    const val shard = shards[i];
    if (!shard["name"].isString() || !shard["bytes"].instanceof(val::global("Uint8Array"))) {
      fail(who, ": model.shards[", i, "] must be {name: string, bytes: Uint8Array}");
    }
    files.push_back({shard["name"].as<std::string>(), emscripten::convertJSArrayToNumberVector<uint8_t>(shard["bytes"])});
  }
  return load_model(model_json, shard_views(files), metadata_json);
}

}  // namespace camlens::bindings
