#pragma once
// What the XNNPACK-backed kernels share: one library initialisation per process, status checks
// that throw a camlens::Error naming the call, an owning operator handle, activation bounds.
#include <xnnpack.h>

#include "kernels/window.h"

namespace camlens::kernels::xnnpack {

// Initialises XNNPACK once per process (thread-safe); throws if the hardware is unsupported.
void ensure_initialized();

// Throws an Error "<who>: XNNPACK <call> failed: <status>" unless status is success.
void check(xnn_status status, const char* call, const char* who);

const char* status_name(xnn_status status);

// Owns one XNNPACK operator, deleting it on destruction.
class Operator {
 public:
  Operator() = default;
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  xnn_operator_t get() const { return op_; }
  xnn_operator_t* receive() { return &op_; }  // the out-parameter of an xnn_create_* call

 private:
  xnn_operator_t op_ = nullptr;
};

// A fused activation as XNNPACK's output clamp.
struct OutputRange {
  float min, max;
};
OutputRange output_range(Activation activation);

}  // namespace camlens::kernels::xnnpack
