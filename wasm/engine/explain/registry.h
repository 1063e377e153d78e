#pragma once
// Every explanation method by name, with a one-line description, for the CLI and the page.
// A new method adds one line to the table in registry.cpp and its factory to methods/methods.h.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "explain/method.h"

namespace camlens {
struct Model;
}

namespace camlens::explain {

struct MethodInfo {
  std::string_view name;         // e.g. "grad-cam"
  std::string_view title;        // as people write it, e.g. "Grad-CAM"
  std::string_view description;  // one line
  // Runs many extra passes (seconds rather than milliseconds in the browser): it reports progress
  // between them and can be cancelled.
  bool slow;
  std::unique_ptr<Method> (*make)();
};

// In the order a listing shows them.
std::span<const MethodInfo> registered_methods();
// The method called `name`; an Error listing the known names when there is none.
std::unique_ptr<Method> make_method(std::string_view name);

// Why `method` cannot explain `model` at `layer` (empty: the model's default layer), or nullopt
// when it can: per-pixel methods always can; layer methods need a spatial layer feeding the logits,
// and some (CAM) a particular head (Method::unsupported).
std::optional<std::string> why_not_applicable(const Model& model, const Method& method, const std::string& layer = {});

}  // namespace camlens::explain
