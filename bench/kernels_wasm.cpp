// Embind surface of the kernel benchmark, so Node can time our WebAssembly kernels and
// TensorFlow.js's wasm backend on the same shapes in one process (bench/kernels_wasm.mjs).
#include <emscripten/bind.h>
#include <string>

#include "kernel_cases.h"

namespace {

using camlens::bench::KernelCase;

const std::vector<KernelCase>& cases() {
  static const std::vector<KernelCase> all = camlens::bench::emotion_model_cases();
  return all;
}

emscripten::val describe(int index) {
  const KernelCase& c = cases().at(index);
  emscripten::val out = emscripten::val::object();
  out.set("name", c.name);
  out.set("mflop", c.mflop());
  bool pool = c.kind == KernelCase::Kind::max_pool;
  out.set("kind", pool ? "max_pool" : c.kind == KernelCase::Kind::depthwise ? "depthwise" : "conv");
  out.set("inH", pool ? c.pool.in_h : c.conv.in_h);
  out.set("inC", pool ? c.pool.channels : c.conv.in_c);
  out.set("outC", pool ? c.pool.channels : c.conv.out_c);
  out.set("kernel", pool ? c.pool.window_h : c.conv.kernel_h);
  out.set("stride", pool ? c.pool.stride_h : c.conv.stride_h);
  out.set("same", pool ? c.pool.pad.bottom > 0 || c.pool.pad.top > 0 : c.conv.pad.bottom > 0 || c.conv.pad.top > 0);
  out.set("relu", !pool && c.conv.activation == camlens::Activation::relu);
  return out;
}

// pass: 0 forward, 1 backward to input, 2 backward to weights (bench::kPasses); null when the case
// has no such pass (a pool has no weights).
emscripten::val time_case(int index, int pass_index, bool reference) {
  const KernelCase& c = cases().at(index);
  const camlens::bench::Pass pass = camlens::bench::kPasses[pass_index];
  if (!camlens::bench::has_pass(c, pass)) return emscripten::val::null();
  camlens::bench::Timing t = camlens::bench::time_case(c, pass, reference);
  emscripten::val out = emscripten::val::object();
  out.set("median", t.median_ms);
  out.set("low", t.low_ms);
  out.set("high", t.high_ms);
  out.set("runs", t.runs);
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_kernel_bench) {
  emscripten::function("caseCount", +[] { return static_cast<int>(cases().size()); });
  emscripten::function("describe", &describe);
  emscripten::function("passName", +[](int pass_index) {
    return std::string(camlens::bench::pass_name(camlens::bench::kPasses[pass_index]));
  });
  emscripten::function("timeCase", &time_case);
}
