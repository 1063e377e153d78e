#include "explain/registry.h"

#include <string>

#include "core/error.h"
#include "explain/methods/methods.h"

namespace camlens::explain {

namespace {

const MethodInfo kMethods[] = {
    {"grad-cam", "Grad-CAM: channels weighted by their mean gradient", make_grad_cam},
};

}  // namespace

std::span<const MethodInfo> registered_methods() { return kMethods; }

std::unique_ptr<Method> make_method(std::string_view name) {
  std::string known;
  for (const MethodInfo& info : kMethods) {
    if (info.name == name) return info.make();
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  fail("explain: no method named '", name, "'; known methods: ", known);
}

}  // namespace camlens::explain
