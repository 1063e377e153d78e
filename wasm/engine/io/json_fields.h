#pragma once
// Reading fields out of parsed JSON with Errors that say where the field was expected
// ("model.json: weightsManifest[0] has no \"paths\""), instead of nlohmann's generic messages.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace camlens::json_fields {

using nlohmann::json;

// The member `key` of `object`, or null when `object` is not an object or has no such member.
const json* find(const json& object, std::string_view key);
// The member `key` of `object`; throws "<where> has no \"key\"" when it is missing.
const json& require(const json& object, std::string_view key, const std::string& where);

// Typed reads of a value found at `where`; each throws an Error naming `where` and the expected type.
std::string as_string(const json& value, const std::string& where);
double as_number(const json& value, const std::string& where);
int as_int(const json& value, const std::string& where);  // also accepts integers written as strings
bool as_bool(const json& value, const std::string& where);
const json& as_array(const json& value, const std::string& where);
const json& as_object(const json& value, const std::string& where);
std::vector<int> as_int_list(const json& value, const std::string& where);

// Typed reads of `object[key]`, with `fallback` when the member is missing or null.
std::string string_or(const json& object, std::string_view key, const std::string& where, std::string fallback);
double number_or(const json& object, std::string_view key, const std::string& where, double fallback);
bool bool_or(const json& object, std::string_view key, const std::string& where, bool fallback);

// The shortest decimal that reads back as `value`, so 0.2989f is written 0.2989, not 0.29890000820159912.
double shortest_decimal(float value);

// Deepest nesting parse() accepts: TensorFlow.js files nest a few dozen levels at most, and a
// bound keeps every recursive walk of a parsed value (dump, compare, copy) off the stack's edge.
constexpr int kMaxJsonDepth = 128;

// Parses JSON text; throws an Error naming `what` (e.g. "model.json") on malformed text or on
// arrays and objects nested deeper than kMaxJsonDepth.
json parse(std::string_view text, std::string_view what);

// At most `max_chars` characters of `value` as JSON, ending in "..." when cut: error messages
// quote a bad value this way, never whole (it may be megabytes long).
std::string excerpt(const json& value, size_t max_chars = 60);

}  // namespace camlens::json_fields
