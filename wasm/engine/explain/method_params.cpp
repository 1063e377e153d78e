#include "explain/method_params.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "explain/methods/pixel_methods.h"
#include "explain/registry.h"
#include "io/json_fields.h"

namespace camlens::explain {

namespace {

using json = nlohmann::json;

// Reads one method's parameters, checking names, types and ranges as it goes.
class Params {
 public:
  Params(std::string_view method, const json& params, std::vector<std::string> known)
      : method_(method), params_(params), known_(std::move(known)) {
    if (!params_.is_null() && !params_.is_object()) {
      fail(method_, ": parameters must be an object such as {\"samples\": 25}, got ", json_fields::excerpt(params_));
    }
    if (!params_.is_object()) return;
    for (const auto& [key, value] : params_.items()) {
      bool found = false;
      for (const std::string& name : known_) found = found || name == key;
      if (!found) fail(method_, ": unknown parameter '", key, "'; ", takes());
    }
  }

  bool has(const char* key) const { return params_.is_object() && params_.contains(key); }

  double number(const char* key, double min) const {
    const json& value = params_.at(key);
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < min) {
      fail(method_, ": parameter '", key, "' must be a number >= ", min, ", got ", json_fields::excerpt(value));
    }
    return value.get<double>();
  }

  long long whole(const char* key, long long min, long long max) const {
    const json& value = params_.at(key);
    const double number = value.is_number() ? value.get<double>() : NAN;
    if (!(number >= static_cast<double>(min) && number <= static_cast<double>(max)) || number != std::floor(number)) {
      fail(method_, ": parameter '", key, "' must be a whole number from ", min, " to ", max, ", got ", json_fields::excerpt(value));
    }
    return static_cast<long long>(number);
  }

  // One of `choices`; returns its index.
  int choice(const char* key, const std::vector<std::string>& choices) const {
    const json& value = params_.at(key);
    for (size_t i = 0; i < choices.size(); ++i) {
      if (value.is_string() && value.get<std::string>() == choices[i]) return static_cast<int>(i);
    }
    std::string listed;
    for (const std::string& c : choices) listed += (listed.empty() ? "'" : ", '") + c + "'";
    fail(method_, ": parameter '", key, "' must be one of ", listed, ", got ", json_fields::excerpt(value));
  }

 private:
  std::string takes() const {
    if (known_.empty()) return "it takes no parameters";
    std::string listed;
    for (const std::string& name : known_) listed += (listed.empty() ? "" : ", ") + name;
    return "it takes " + listed;
  }

  std::string_view method_;
  const json& params_;
  std::vector<std::string> known_;
};

constexpr long long kMostSteps = 1 << 16;  // beyond this a browser tab would work for minutes

}  // namespace

std::unique_ptr<Method> make_method(std::string_view name, const json& params) {
  if (name == "smooth-grad") {
    const Params p(name, params, {"samples", "sigma", "seed"});
    SmoothGradOptions options;
    if (p.has("samples")) options.samples = static_cast<int>(p.whole("samples", 1, kMostSteps));
    if (p.has("sigma")) options.noise_fraction = static_cast<float>(p.number("sigma", 0.0));
    if (p.has("seed")) options.seed = static_cast<std::uint32_t>(p.whole("seed", 0, UINT32_MAX));
    return make_smooth_grad(options);
  }
  if (name == "integrated-gradients") {
    const Params p(name, params, {"steps", "baseline", "rule"});
    IntegratedGradientsOptions options;
    if (p.has("steps")) options.steps = static_cast<int>(p.whole("steps", 1, kMostSteps));
    if (p.has("baseline")) {
      options.baseline = p.choice("baseline", {"black", "blurred"}) == 0 ? Baseline::black : Baseline::blurred;
    }
    if (p.has("rule")) {
      options.rule =
          p.choice("rule", {"midpoint", "trapezoid"}) == 0 ? IntegrationRule::midpoint : IntegrationRule::trapezoid;
    }
    return std::make_unique<IntegratedGradients>(options);
  }
  if (name == "occlusion") {
    const Params p(name, params, {"patch", "stride", "fill"});
    OcclusionOptions options;
    if (p.has("patch")) options.patch = static_cast<int>(p.whole("patch", 1, kMostSteps));
    if (p.has("stride")) options.stride = static_cast<int>(p.whole("stride", 1, kMostSteps));
    if (p.has("fill")) options.fill = static_cast<float>(p.number("fill", -HUGE_VAL));
    return make_occlusion(options);
  }
  std::unique_ptr<Method> method = make_method(name);  // an Error listing the methods for an unknown name
  const Params p(name, params, {});
  return method;
}

}  // namespace camlens::explain
