#pragma once
// Methods with options given as a JSON object, as the page sends them, e.g.
// make_method("smooth-grad", {{"samples", 50}, {"sigma", 0.2}}). Parameters by method:
//   smooth-grad           samples (whole, >= 1), sigma (noise as a fraction of the input's range, >= 0), seed
//   integrated-gradients  steps (whole, >= 1), baseline ("black" | "blurred"), rule ("midpoint" | "trapezoid")
//   occlusion             patch, stride (whole pixels, >= 1), fill (a model-space value)
// The other methods take none. An unknown parameter, or a value of the wrong type or range, is an
// Error naming the method's parameters.
#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "explain/method.h"

namespace camlens::explain {

// `params` is an object (null or {} for the defaults).
std::unique_ptr<Method> make_method(std::string_view name, const nlohmann::json& params);

}  // namespace camlens::explain
