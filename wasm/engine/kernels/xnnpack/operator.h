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

// Whether an operator created for geometry `created` can run `given`: XNNPACK bakes in everything
// but the batch and the spatial sizes, which setup passes anew (ConvGeometry, PoolGeometry).
template <typename Geometry>
bool same_but_batch_and_size(const Geometry& created, const Geometry& given) {
  Geometry sized = created;
  sized.batch = given.batch;
  sized.in_h = given.in_h;
  sized.in_w = given.in_w;
  sized.out_h = given.out_h;
  sized.out_w = given.out_w;
  return sized == given;
}

}  // namespace camlens::kernels::xnnpack
