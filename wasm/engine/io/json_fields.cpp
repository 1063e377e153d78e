#include "io/json_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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
    fail(where, " must be an integer, got ", excerpt(value));
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
  char text[32];
  const auto reads_back = [&](int digits) {
    std::snprintf(text, sizeof(text), "%.*g", std::clamp(digits, 1, 9), static_cast<double>(value));
    return std::strtof(text, nullptr) == value;
  };
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  const bool power_of_two = (bits & 0x007fffffu) == 0 && (bits & 0x7f800000u) != 0;
  if (power_of_two || !std::isfinite(value)) {
    // The gap below a power of two is half the gap above, so more digits may stop reading back.
    for (int digits = 1; digits < 9; ++digits) {
      if (reads_back(digits)) return std::strtod(text, nullptr);
    }
    return value;
  }
  // nlohmann's Grisu2 for the float's precision gives, in a few hundred nanoseconds, a decimal
  // that reads back: its digit count is the fewest or, rarely, one more. Each printf-and-parse try
  // costs microseconds (a 1,000-class prediction writes 2,000 values), so only those below it are tried.
  char grisu[32];
  char* end = nlohmann::detail::to_chars(grisu, grisu + sizeof(grisu) - 1, value);
  int digits = 0;
  bool leading = true;
  for (const char* c = grisu; c != end && *c != 'e'; ++c) {
    if (*c < '0' || *c > '9') continue;
    leading = leading && *c == '0';
    if (!leading) ++digits;
  }
  while (digits > 1 && reads_back(digits - 1)) --digits;
  if (digits > 8) return value;  // no decimal of eight digits or fewer reads back
  reads_back(std::max(digits, 1));  // the correctly rounded decimal of that length: the one printf gives
  return std::strtod(text, nullptr);
}

json parse(std::string_view text, std::string_view what) {
  // nlohmann's parser keeps its own stack, so depth is checked as values open, before any recursion.
  const json::parser_callback_t bound_depth = [what](int depth, json::parse_event_t event, json&) {
    if (depth >= kMaxJsonDepth && (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start)) {
      fail(what, " nests arrays and objects deeper than ", kMaxJsonDepth, " levels; no model file needs that many");
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), bound_depth);
  } catch (const json::exception& e) {  // syntax errors, and numbers beyond a double (1e400)
    fail(what, " is not valid JSON (", e.what(), ")");
  }
}

namespace {

// Appends `value` as JSON until `out` is longer than `limit`. Each level of nesting adds a bracket
// before it recurses, so the recursion is no deeper than `limit`, whatever the value.
void append_excerpt(const json& value, std::string& out, size_t limit) {
  if (out.size() > limit) return;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    out += json(text.substr(0, limit + 1)).dump(-1, ' ', false, json::error_handler_t::replace);
  } else if (value.is_array()) {
    out += '[';
    for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
      if (it != value.begin()) out += ", ";
      append_excerpt(*it, out, limit);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
      if (it != value.begin()) out += ", ";
      append_excerpt(json(it.key()), out, limit);
      out += ": ";
      append_excerpt(it.value(), out, limit);
    }
    out += '}';
  } else {
    out += value.dump();
  }
}

}  // namespace

std::string excerpt(const json& value, size_t max_chars) {
  std::string text;
  append_excerpt(value, text, max_chars);
  if (text.size() <= max_chars) return text;
  size_t cut = max_chars > 3 ? max_chars - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "...";
}

}  // namespace camlens::json_fields
