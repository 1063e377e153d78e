#include "kernels/backend.h"

namespace camlens::kernels {

namespace {
bool g_reference_forced = false;
}

void force_reference(bool forced) { g_reference_forced = forced; }
bool reference_forced() { return g_reference_forced; }

const char* optimized_backend_name() {
#ifdef __EMSCRIPTEN__
  return "wasm-simd128";
#else
  return "xnnpack";
#endif
}

}  // namespace camlens::kernels
