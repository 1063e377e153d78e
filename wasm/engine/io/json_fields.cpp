#include "io/json_fields.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace camlens::json_fields {

namespace {

const char* type_name(const json& value) { return value.type_name(); }

}  // namespace

const json* find(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& require(const json& object, std::string_view key, const std::string& where) {
  if (!object.is_object()) fail(where, " must be a JSON object, got ", type_name(object));
  const json* value = find(object, key);
  if (value == nullptr) fail(where, " has no \"", key, "\"");
  return *value;
}

std::string as_string(const json& value, const std::string& where) {
  if (!value.is_string()) fail(where, " must be a string, got ", type_name(value));
  return value.get<std::string>();
}

double as_number(const json& value, const std::string& where) {
  if (!value.is_number()) fail(where, " must be a number, got ", type_name(value));
  return value.get<double>();
}

int as_int(const json& value, const std::string& where) {
  // TensorFlow writes int64 attributes and shape sizes as strings ("-1", "64").
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    long long parsed = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || end != text.data() + text.size() || parsed < std::numeric_limits<int>::min() ||
        parsed > std::numeric_limits<int>::max()) {
      fail(where, " must be an integer, got \"", text, "\"");
    }
    return static_cast<int>(parsed);
  }
  if (!value.is_number()) fail(where, " must be an integer, got ", type_name(value));
  const double number = value.get<double>();
  if (number != std::floor(number) || number < std::numeric_limits<int>::min() ||
      number > std::numeric_limits<int>::max()) {
    fail(where, " must be an integer, got ", value.dump());
  }
  return static_cast<int>(number);
}

bool as_bool(const json& value, const std::string& where) {
  if (!value.is_boolean()) fail(where, " must be true or false, got ", type_name(value));
  return value.get<bool>();
}

const json& as_array(const json& value, const std::string& where) {
  if (!value.is_array()) fail(where, " must be an array, got ", type_name(value));
  return value;
}

const json& as_object(const json& value, const std::string& where) {
  if (!value.is_object()) fail(where, " must be an object, got ", type_name(value));
  return value;
}

std::vector<int> as_int_list(const json& value, const std::string& where) {
  std::vector<int> list;
  for (size_t i = 0; i < as_array(value, where).size(); ++i) {
    list.push_back(as_int(value[i], where + "[" + std::to_string(i) + "]"));
  }
  return list;
}

std::string string_or(const json& object, std::string_view key, const std::string& where, std::string fallback) {
  const json* value = find(object, key);
  if (value == nullptr || value->is_null()) return fallback;
  return as_string(*value, where + "." + std::string(key));
}

double number_or(const json& object, std::string_view key, const std::string& where, double fallback) {
  const json* value = find(object, key);
  if (value == nullptr || value->is_null()) return fallback;
  return as_number(*value, where + "." + std::string(key));
}

bool bool_or(const json& object, std::string_view key, const std::string& where, bool fallback) {
  const json* value = find(object, key);
  if (value == nullptr || value->is_null()) return fallback;
  return as_bool(*value, where + "." + std::string(key));
}

double shortest_decimal(float value) {
  for (int digits = 1; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(value));
    if (std::strtof(text, nullptr) == value) return std::strtod(text, nullptr);
  }
  return value;
}

json parse(std::string_view text, std::string_view what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {  // syntax errors, and numbers beyond a double (1e400)
    fail(what, " is not valid JSON (", e.what(), ")");
  }
}

}  // namespace camlens::json_fields
