#pragma once
// The depthwise input gradient's inner sum in WebAssembly SIMD128 (kernels/portable/conv2d.cpp
// holds the portable loop beside the call).
#include <wasm_simd128.h>

#include <cstddef>

namespace camlens::kernels::simd128 {

// dst[0, 16) += the sum over taps t of grads[t][c + j] * weights[t][c + j], summed in tap order. Four
// vector sums stay in registers, where clang kept the portable loop's 16 sums in memory.
inline void add_tap_products16(float* dst, const float* const* grads, const float* const* weights, int taps,
                               size_t c) {
  v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
  for (int t = 0; t < taps; ++t)
    for (int v = 0; v < 4; ++v) {
      sum[v] = wasm_f32x4_add(sum[v], wasm_f32x4_mul(wasm_v128_load(grads[t] + c + 4 * v),
                                                     wasm_v128_load(weights[t] + c + 4 * v)));
    }
  for (int v = 0; v < 4; ++v) wasm_v128_store(dst + 4 * v, wasm_f32x4_add(wasm_v128_load(dst + 4 * v), sum[v]));
}

}  // namespace camlens::kernels::simd128
