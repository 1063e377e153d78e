#include "kernels/pool.h"

#include <algorithm>
#include <cstdint>
#include <vector>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include "kernels/backend.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

namespace {

void pool_forward_reference(PoolKind kind, float* out, const float* in, const PoolGeometry& g) {
  switch (kind) {
    case PoolKind::max: max_pool_forward_reference(out, in, g); return;
    case PoolKind::average: avg_pool_forward_reference(out, in, g); return;
    case PoolKind::global_average:
      global_avg_pool_forward_reference(out, in, g.batch, g.in_h * g.in_w, g.channels);
      return;
  }
}

// The in-bounds part of one output pixel's window: rows [h0, h1), columns [w0, w1).
struct WindowBounds {
  int h0, h1, w0, w1;
  int count() const { return (h1 - h0) * (w1 - w0); }
};

WindowBounds window_bounds(const PoolGeometry& g, int oh, int ow) {
  int top = oh * g.stride_h - g.pad.top;
  int left = ow * g.stride_w - g.pad.left;
  return {std::max(top, 0), std::min(top + g.window_h, g.in_h), std::max(left, 0),
          std::min(left + g.window_w, g.in_w)};
}

}  // namespace

void pool_forward(std::unique_ptr<PoolForward>& cache, PoolKind kind, float* out, const float* in,
                  const PoolGeometry& g) {
  if (reference_forced()) {
    pool_forward_reference(kind, out, in, g);
    return;
  }
  if (!cache || !cache->accepts(g)) cache = make_pool_forward(kind, g);
  cache->run(out, in, g);
}

// The backward passes below visit each output pixel once and sweep its window with the channel
// loop innermost (contiguous in NHWC, so it vectorises), where the reference loops per channel.

namespace {

// Restrict-qualified parameters tell the compiler the buffers never overlap, so these vectorise.
void keep_max(float* __restrict best, const float* __restrict x, int channels) {
  for (int c = 0; c < channels; ++c) best[c] = best[c] < x[c] ? x[c] : best[c];
}

// Adds g_out to d_x where x holds the window's maximum and no earlier pixel did (pending set),
// then clears those channels' pending flags.
void route_to_first_max(float* __restrict d_x, const float* __restrict x, const float* __restrict best,
                        uint32_t* __restrict pending, const float* __restrict g_out, int channels) {
  int c = 0;
#ifdef __wasm_simd128__
  // clang's WebAssembly cost model declines to vectorise the selects below: spelled out as masks.
  for (; c + 4 <= channels; c += 4) {
    const v128_t take = wasm_v128_and(wasm_f32x4_eq(wasm_v128_load(x + c), wasm_v128_load(best + c)),
                                      wasm_v128_load(pending + c));
    wasm_v128_store(d_x + c, wasm_f32x4_add(wasm_v128_load(d_x + c), wasm_v128_and(wasm_v128_load(g_out + c), take)));
    wasm_v128_store(pending + c, wasm_v128_andnot(wasm_v128_load(pending + c), take));
  }
#endif
  for (; c < channels; ++c) {
    const bool take = pending[c] != 0 && x[c] == best[c];
    d_x[c] += take ? g_out[c] : 0.0f;
    pending[c] = take ? 0 : pending[c];
  }
}

void route_unclaimed(float* __restrict d_first, const uint32_t* __restrict pending, const float* __restrict g_out,
                     int channels) {
  for (int c = 0; c < channels; ++c) {
    const float g = g_out[c];  // read whatever pending says: a select, not a branch
    d_first[c] += pending[c] != 0 ? g : 0.0f;
  }
}

#ifdef __wasm_simd128__
// The two sweeps for 16 channels of one window, their maxima and pending flags held in registers
// (kept in memory, the flags' loads and stores made the backward 5x slower than the forward).
// The same operations in the same order as keep_max, route_to_first_max and route_unclaimed.
constexpr int kRegisterBlock = 16;

void route_window_block(float* d_image, const float* image, const WindowBounds& b, int in_w, size_t channels,
                        const float* g_out) {
  constexpr int kVectors = kRegisterBlock / 4;
  auto at = [&](auto* base, int h, int w) { return base + static_cast<size_t>(h * in_w + w) * channels; };
  v128_t best[kVectors], pending[kVectors], gradient[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    best[v] = wasm_v128_load(at(image, b.h0, b.w0) + 4 * v);
    pending[v] = wasm_i32x4_splat(-1);
    gradient[v] = wasm_v128_load(g_out + 4 * v);
  }
  for (int h = b.h0; h < b.h1; ++h)
    for (int w = b.w0; w < b.w1; ++w)
      for (int v = 0; v < kVectors; ++v) best[v] = wasm_f32x4_pmax(best[v], wasm_v128_load(at(image, h, w) + 4 * v));
  for (int h = b.h0; h < b.h1; ++h)
    for (int w = b.w0; w < b.w1; ++w) {
      const float* x = at(image, h, w);
      float* d_x = at(d_image, h, w);
      for (int v = 0; v < kVectors; ++v) {
        const v128_t take = wasm_v128_and(wasm_f32x4_eq(wasm_v128_load(x + 4 * v), best[v]), pending[v]);
        wasm_v128_store(d_x + 4 * v, wasm_f32x4_add(wasm_v128_load(d_x + 4 * v), wasm_v128_and(gradient[v], take)));
        pending[v] = wasm_v128_andnot(pending[v], take);
      }
    }
  float* d_first = at(d_image, b.h0, b.w0);
  for (int v = 0; v < kVectors; ++v) {
    wasm_v128_store(d_first + 4 * v,
                    wasm_f32x4_add(wasm_v128_load(d_first + 4 * v), wasm_v128_and(gradient[v], pending[v])));
  }
}
#endif

// How many of `width` channels go through route_window_block: whole blocks in WebAssembly; none
// natively, where the compiler vectorises the two sweeps by itself.
size_t register_blocked([[maybe_unused]] size_t width) {
#ifdef __wasm_simd128__
  return width / kRegisterBlock * kRegisterBlock;
#else
  return 0;
#endif
}

}  // namespace

// Branch-free in two sweeps so the channel loops vectorise: first each channel's window maximum,
// then the gradient goes to the first pixel holding it (the reference's tie rule). A channel
// whose maximum no pixel equals (a NaN first in the window) routes it to the first pixel, as the
// reference's strict > does. In WebAssembly, whole blocks of 16 channels run in registers.
void max_pool_backward(float* d_in, const float* d_out, const float* in, const PoolGeometry& g) {
  if (reference_forced()) {
    max_pool_backward_reference(d_in, d_out, in, g);
    return;
  }
  const size_t channels = static_cast<size_t>(g.channels);
  // Images [n0, n1), channels [c0, c1).
  auto sweep = [&](size_t n0, size_t n1, size_t c0, size_t c1) {
    const size_t blocked = register_blocked(c1 - c0);
    const int width = static_cast<int>(c1 - c0 - blocked);
    std::vector<float> best(width);
    std::vector<uint32_t> pending(width);  // all ones until the channel's maximum is found
    for (size_t n = n0; n < n1; ++n) {
      const float* image = in + n * g.in_h * g.in_w * channels + c0;
      float* d_image = d_in + n * g.in_h * g.in_w * channels + c0;
      for (int oh = 0; oh < g.out_h; ++oh)
        for (int ow = 0; ow < g.out_w; ++ow) {
          const WindowBounds b = window_bounds(g, oh, ow);
          const float* g_window = d_out + ((n * g.out_h + oh) * g.out_w + ow) * channels + c0;
#ifdef __wasm_simd128__
          for (size_t c = 0; c < blocked; c += kRegisterBlock)
            route_window_block(d_image + c, image + c, b, g.in_w, channels, g_window + c);
#endif
          if (width == 0) continue;
          const size_t first = static_cast<size_t>(b.h0 * g.in_w + b.w0) * channels + blocked;
          std::copy_n(image + first, width, best.begin());
          for (int h = b.h0; h < b.h1; ++h)
            for (int w = b.w0; w < b.w1; ++w) {
              keep_max(best.data(), image + static_cast<size_t>(h * g.in_w + w) * channels + blocked, width);
            }
          const float* g_out = g_window + blocked;
          std::fill(pending.begin(), pending.end(), ~0u);
          for (int h = b.h0; h < b.h1; ++h)
            for (int w = b.w0; w < b.w1; ++w) {
              const size_t pixel = static_cast<size_t>(h * g.in_w + w) * channels + blocked;
              route_to_first_max(d_image + pixel, image + pixel, best.data(), pending.data(), g_out, width);
            }
          route_unclaimed(d_image + first, pending.data(), g_out, width);
        }
    }
  };
  // Overlapping windows of one image may write the same input pixel, never across images or
  // channels: threads take whole images, or ranges of channels when there are fewer images than
  // threads (an explanation's one image would otherwise leave the other threads idle).
  const size_t batch = static_cast<size_t>(g.batch);
  const size_t work = batch * g.out_h * g.out_w * g.window_h * g.window_w * channels;
  if (batch >= static_cast<size_t>(parallel_thread_count())) {
    parallel_ranges(batch, 1, work, [&](size_t n0, size_t n1) { sweep(n0, n1, 0, channels); });
  } else {
    parallel_ranges(channels, kChannelGranule, work, [&](size_t c0, size_t c1) { sweep(0, batch, c0, c1); });
  }
}

void avg_pool_backward(float* d_in, const float* d_out, const PoolGeometry& g) {
  if (reference_forced()) {
    avg_pool_backward_reference(d_in, d_out, g);
    return;
  }
  const int channels = g.channels;
  std::vector<float> share(channels);
  for (int n = 0; n < g.batch; ++n) {
    float* d_image = d_in + static_cast<size_t>(n) * g.in_h * g.in_w * channels;
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow) {
        WindowBounds b = window_bounds(g, oh, ow);
        const float count = static_cast<float>(b.count());
        const float* g_out = d_out + ((static_cast<size_t>(n) * g.out_h + oh) * g.out_w + ow) * channels;
        for (int c = 0; c < channels; ++c) share[c] = g_out[c] / count;
        for (int h = b.h0; h < b.h1; ++h)
          for (int w = b.w0; w < b.w1; ++w) {
            float* dx = d_image + (static_cast<size_t>(h) * g.in_w + w) * channels;
            for (int c = 0; c < channels; ++c) dx[c] += share[c];
          }
      }
  }
}

}  // namespace camlens::kernels
