#include "kernels/pool.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "kernels/parallel.h"
#ifdef __wasm_simd128__
#include "kernels/simd128/max_pool_blocks.h"
#endif

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

// The max-pool backward runs in two passes, each split by rows, so that no two threads write the
// same floats and every input pixel sums its gradients in the reference's order at any thread
// count: first each window's winner per channel, then each input pixel's sum over the windows it
// won, in window order.

namespace {

// The image-pixel index (h * in_w + w) of one window's first maximum per channel: the reference's
// strict > over a row-major scan, so a NaN that comes first keeps it and a later NaN is passed over.
// Scalar: restrict-qualified, so the channel loop vectorises natively.
void find_winners_scalar(int32_t* __restrict winners, float* __restrict best, const float* __restrict image,
                         const WindowBounds& b, int in_w, size_t channels, size_t c0, size_t c1) {
  const int32_t first = b.h0 * in_w + b.w0;
  for (size_t c = c0; c < c1; ++c) {
    best[c] = image[first * channels + c];
    winners[c] = first;
  }
  for (int h = b.h0; h < b.h1; ++h)
    for (int w = b.w0; w < b.w1; ++w) {
      const int32_t pixel = h * in_w + w;
      const float* x = image + static_cast<size_t>(pixel) * channels;
      for (size_t c = c0; c < c1; ++c) {
        const bool greater = x[c] > best[c];
        best[c] = greater ? x[c] : best[c];
        winners[c] = greater ? pixel : winners[c];
      }
    }
}

// Adds each window's gradient where this pixel won it, window after window.
void add_won_scalar(float* __restrict d_x, const int32_t* __restrict winners, const float* __restrict g_out,
                    int32_t pixel, size_t c0, size_t c1) {
  for (size_t c = c0; c < c1; ++c) d_x[c] += winners[c] == pixel ? g_out[c] : 0.0f;
}

// How many leading channels go through blocks of 16 (kernels/simd128/max_pool_blocks.h): whole
// blocks in WebAssembly; none natively, where the scalar loops vectorise.
size_t blocked_channels([[maybe_unused]] size_t channels) {
#ifdef __wasm_simd128__
  return channels / simd128::kMaxPoolBlock * simd128::kMaxPoolBlock;
#else
  return 0;
#endif
}

// The output rows whose windows cover input row (or column) i: [first, last], possibly empty.
struct Covering {
  int first, last;
};
Covering windows_covering(int i, int pad, int window, int stride, int out) {
  const int reach = i + pad - window + 1;  // the lowest window start that still covers i
  return {reach <= 0 ? 0 : (reach + stride - 1) / stride, std::min((i + pad) / stride, out - 1)};
}

}  // namespace

void max_pool_backward(float* d_in, const float* d_out, const float* in, const PoolGeometry& g) {
  if (reference_forced()) {
    max_pool_backward_reference(d_in, d_out, in, g);
    return;
  }
  const size_t channels = static_cast<size_t>(g.channels), blocked = blocked_channels(channels);
  const size_t in_image = static_cast<size_t>(g.in_h) * g.in_w * channels;
  const size_t out_image = static_cast<size_t>(g.out_h) * g.out_w * channels;
  thread_local std::vector<int32_t> winner_buffer;
  winner_buffer.resize(static_cast<size_t>(g.batch) * out_image);
  int32_t* const winners = winner_buffer.data();  // not the thread_local itself: tasks run on other threads
  const size_t work = g.batch * out_image * g.window_h * g.window_w * kPoolTapWork;

  // Pass 1, by output rows (of all images): each window's winners.
  parallel_chunks(static_cast<size_t>(g.batch) * g.out_h, 1, work, [&](size_t row0, size_t row1) {
    std::vector<float> best(channels);
    for (size_t row = row0; row < row1; ++row) {
      const size_t n = row / g.out_h;
      const int oh = static_cast<int>(row % g.out_h);
      for (int ow = 0; ow < g.out_w; ++ow) {
        const WindowBounds b = window_bounds(g, oh, ow);
        int32_t* won = winners + (row * g.out_w + ow) * channels;
        const float* image = in + n * in_image;
#ifdef __wasm_simd128__
        for (size_t c = 0; c < blocked; c += simd128::kMaxPoolBlock) {
          simd128::find_winners16(won + c, image + c, b.h0, b.h1, b.w0, b.w1, g.in_w, channels);
        }
#endif
        find_winners_scalar(won, best.data(), image, b, g.in_w, channels, blocked, channels);
      }
    }
  });

  // Pass 2, by input rows: each pixel adds the gradients of the windows it won, in window order.
  parallel_chunks(static_cast<size_t>(g.batch) * g.in_h, 1, work, [&](size_t row0, size_t row1) {
    for (size_t row = row0; row < row1; ++row) {
      const size_t n = row / g.in_h;
      const int h = static_cast<int>(row % g.in_h);
      const Covering rows = windows_covering(h, g.pad.top, g.window_h, g.stride_h, g.out_h);
      for (int w = 0; w < g.in_w; ++w) {
        const Covering columns = windows_covering(w, g.pad.left, g.window_w, g.stride_w, g.out_w);
        const int32_t pixel = h * g.in_w + w;
        float* d_x = d_in + n * in_image + static_cast<size_t>(pixel) * channels;
        for (int oh = rows.first; oh <= rows.last; ++oh)
          for (int ow = columns.first; ow <= columns.last; ++ow) {
            const size_t window = ((n * g.out_h + oh) * g.out_w + ow) * channels;
#ifdef __wasm_simd128__
            for (size_t c = 0; c < blocked; c += simd128::kMaxPoolBlock)
              simd128::add_won16(d_x + c, winners + window + c, d_out + window + c, pixel);
#endif
            add_won_scalar(d_x, winners + window, d_out + window, pixel, blocked, channels);
          }
      }
    }
  });
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
