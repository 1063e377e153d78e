#include "kernels/backend.h"

namespace camlens::kernels {

namespace {
bool g_reference_forced = false;
bool g_pin_threads = false;
bool g_exact_sums = false;
}  // namespace

void force_reference(bool forced) { g_reference_forced = forced; }
bool reference_forced() { return g_reference_forced; }

void use_exact_sums(bool exact) { g_exact_sums = exact; }
bool exact_sums() { return g_exact_sums; }

void pin_threads_to_cpus(bool pin) { g_pin_threads = pin; }
bool threads_pinned_to_cpus() { return g_pin_threads; }

const char* optimized_backend_name() {
#ifdef __EMSCRIPTEN__
  return "wasm-simd128";
#else
  return "xnnpack";
#endif
}

}  // namespace camlens::kernels
