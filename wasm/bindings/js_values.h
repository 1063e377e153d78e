#pragma once
// What every Embind file of the page's module shares: C++ exceptions turned into JS Errors, and
// JSON values converted to and from JS values (binary blobs as typed arrays, copied out of the heap).
#include <emscripten/val.h>

#include <exception>

#include <nlohmann/json.hpp>

#include "explain/method.h"  // explain::Cancelled
#include "io/model.h"

namespace camlens::bindings {

using emscripten::val;

// A JS Error with `message`, and `name` when not null.
val js_error(const char* message, const char* name);

// Runs `body`, turning a C++ exception into a thrown JS Error (Embind would pass a bare pointer).
// The JS error is thrown after the catch block ends, so the C++ exception is freed first.
template <typename Body>
auto js_errors(Body body) -> decltype(body()) {
  val error = val::undefined();
  try {
    return body();
  } catch (const explain::Cancelled& e) {
    error = js_error(e.what(), "CancelledError");
  } catch (const std::exception& e) {
    error = js_error(e.what(), nullptr);
  }
  error.throw_();
}

// A JS value of plain objects, arrays, strings, numbers and booleans as JSON, no deeper than 16
// levels (a request is two or three deep; a cycle or a hostile object is refused).
nlohmann::json json_from(const val& value, int depth = 0);

// A JSON value as a JS value; binary blobs become typed arrays (Float32Array for maps,
// Uint8ClampedArray for RGBA pictures), copied out of the heap.
val js_from(const nlohmann::ordered_json& value);

// A model as the page's worker holds it: {modelJson: string, shards: [{name, bytes: Uint8Array}],
// metadataJson?: string}, or {onnx: Uint8Array, metadataJson?: string, external?: [{name, bytes}]}.
// `who` names the caller in errors.
Model model_from(const val& model, const char* who);
// An .onnx model's external data files, [{name, bytes: Uint8Array}] (undefined or null: none).
onnx::ExternalDataReader external_data_from(const val& files, const char* who);

}  // namespace camlens::bindings
