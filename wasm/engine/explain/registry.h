#pragma once
// Every explanation method by name, with a one-line description, for the CLI and the page.
// A new method adds one line to the table in registry.cpp and its factory to methods/methods.h.
#include <memory>
#include <span>
#include <string_view>

#include "explain/method.h"

namespace camlens::explain {

struct MethodInfo {
  std::string_view name;         // e.g. "grad-cam"
  std::string_view description;  // one line
  std::unique_ptr<Method> (*make)();
};

// In the order a listing shows them.
std::span<const MethodInfo> registered_methods();
// The method called `name`; an Error listing the known names when there is none.
std::unique_ptr<Method> make_method(std::string_view name);

}  // namespace camlens::explain
