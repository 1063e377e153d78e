#include "kernels/xnnpack/operator.h"

#include <limits>

#include "core/error.h"

namespace camlens::kernels::xnnpack {

const char* status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid_parameter";
    case xnn_status_invalid_state: return "invalid_state";
    case xnn_status_unsupported_parameter: return "unsupported_parameter";
    case xnn_status_unsupported_hardware: return "unsupported_hardware";
    case xnn_status_out_of_memory: return "out_of_memory";
  }
  return "unknown status";
}

void check(xnn_status status, const char* call, const char* who) {
  if (status != xnn_status_success) {
    fail(who, ": XNNPACK ", call, " failed: xnn_status_", status_name(status), " (", static_cast<int>(status),
         "); run with the reference kernels (kernels::force_reference) to bypass XNNPACK");
  }
}

void ensure_initialized() {
  // A function-local static is initialised once even with concurrent callers; if the call throws,
  // the next caller tries again.
  static const bool initialized = [] {
    check(xnn_initialize(nullptr), "xnn_initialize", "kernels");
    return true;
  }();
  (void)initialized;
}

Operator::~Operator() {
  if (op_ != nullptr) xnn_delete_operator(op_);
}

OutputRange output_range(Activation activation) {
  constexpr float infinity = std::numeric_limits<float>::infinity();
  switch (activation) {
    case Activation::none: return {-infinity, infinity};
    case Activation::relu: return {0.0f, infinity};
    case Activation::relu6: return {0.0f, 6.0f};
  }
  return {-infinity, infinity};
}

}  // namespace camlens::kernels::xnnpack
