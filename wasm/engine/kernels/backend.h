#pragma once
// Chooses between the plain reference loops (the specification) and the optimised kernels
// (XNNPACK natively, SIMD128 in WebAssembly). Tests force the reference to compare the two.

namespace camlens::kernels {

void force_reference(bool forced);
bool reference_forced();
// The optimised kernel family this build carries: "xnnpack" or "wasm-simd128".
const char* optimized_backend_name();

// Forces the reference kernels for its lifetime, then restores the previous choice.
class ReferenceScope {
 public:
  explicit ReferenceScope(bool forced = true) : previous_(reference_forced()) { force_reference(forced); }
  ~ReferenceScope() { force_reference(previous_); }
  ReferenceScope(const ReferenceScope&) = delete;
  ReferenceScope& operator=(const ReferenceScope&) = delete;

 private:
  bool previous_;
};

}  // namespace camlens::kernels
