#pragma once
// The max-pool backward's two passes for 16 channels at a time in WebAssembly SIMD128, held in
// registers: clang's cost model declines to vectorise the portable selects (kernels/pool.cpp).
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace camlens::kernels::simd128 {

constexpr size_t kMaxPoolBlock = 16;

// winners[0, 16) = the image-pixel index (h * in_w + w) of the first maximum of each channel over
// rows [h0, h1) and columns [w0, w1), by the reference's strict > over a row-major scan.
inline void find_winners16(int32_t* winners, const float* image, int h0, int h1, int w0, int w1, int in_w,
                           size_t channels) {
  constexpr int kVectors = kMaxPoolBlock / 4;
  const int32_t first = h0 * in_w + w0;
  v128_t best[kVectors], winner[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    best[v] = wasm_v128_load(image + static_cast<size_t>(first) * channels + 4 * v);
    winner[v] = wasm_i32x4_splat(first);
  }
  for (int h = h0; h < h1; ++h)
    for (int w = w0; w < w1; ++w) {
      const int32_t pixel = h * in_w + w;
      const float* x = image + static_cast<size_t>(pixel) * channels;
      const v128_t index = wasm_i32x4_splat(pixel);
      for (int v = 0; v < kVectors; ++v) {
        const v128_t value = wasm_v128_load(x + 4 * v);
        const v128_t greater = wasm_f32x4_gt(value, best[v]);
        best[v] = wasm_v128_bitselect(value, best[v], greater);
        winner[v] = wasm_v128_bitselect(index, winner[v], greater);
      }
    }
  for (int v = 0; v < kVectors; ++v) wasm_v128_store(winners + 4 * v, winner[v]);
}

// d_x[0, 16) += g_out[c] for each channel c whose window `pixel` won.
inline void add_won16(float* d_x, const int32_t* winners, const float* g_out, int32_t pixel) {
  const v128_t index = wasm_i32x4_splat(pixel);
  for (size_t c = 0; c < kMaxPoolBlock; c += 4) {
    const v128_t won = wasm_i32x4_eq(wasm_v128_load(winners + c), index);
    wasm_v128_store(d_x + c, wasm_f32x4_add(wasm_v128_load(d_x + c), wasm_v128_and(wasm_v128_load(g_out + c), won)));
  }
}

}  // namespace camlens::kernels::simd128
