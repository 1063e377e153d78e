#pragma once
// Element-wise passes over explanation maps in WebAssembly SIMD128 (explain/map.cpp,
// explain/colormap.cpp hold the portable loops beside the calls). Clang's WebAssembly cost model
// leaves the selects of std::min, std::max and clamps scalar; pmin and pmax are those selects:
// pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a. Each returns how many leading values it
// took (a multiple of its vector width); the caller finishes the rest.
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace camlens::kernels::simd128 {

// lanes[j] = the least (kLeast) or greatest of lanes[j] and values[i + j] for every whole block of 16.
template <bool kLeast>
size_t fold_extremes16(float* lanes, const float* values, size_t n) {
  v128_t lane[4];
  for (int j = 0; j < 4; ++j) lane[j] = wasm_v128_load(lanes + 4 * j);
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; ++j) {
      const v128_t v = wasm_v128_load(values + i + 4 * j);
      lane[j] = kLeast ? wasm_f32x4_pmin(lane[j], v) : wasm_f32x4_pmax(lane[j], v);
    }
  for (int j = 0; j < 4; ++j) wasm_v128_store(lanes + 4 * j, lane[j]);
  return i;
}

// v[i] = std::max(v[i], 0) (a NaN stays), four at a time.
inline size_t relu4(float* v, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(v + i, wasm_f32x4_pmax(wasm_v128_load(v + i), wasm_f32x4_splat(0.0f)));
  return i;
}

// out[i] = int(255 * clamp(values[i], 0, 1)), NaN to 0, sixteen at a time: pmax(0, v) maps NaN to 0.
inline size_t byte_indices16(const float* values, size_t n, uint8_t* out) {
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f), scale = wasm_f32x4_splat(255.0f);
  auto indices4 = [&](const float* v) {
    const v128_t clamped = wasm_f32x4_pmin(one, wasm_f32x4_pmax(zero, wasm_v128_load(v)));
    return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_mul(scale, clamped));
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t low = wasm_u16x8_narrow_i32x4(indices4(values + i), indices4(values + i + 4));
    const v128_t high = wasm_u16x8_narrow_i32x4(indices4(values + i + 8), indices4(values + i + 12));
    wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(low, high));
  }
  return i;
}

}  // namespace camlens::kernels::simd128
