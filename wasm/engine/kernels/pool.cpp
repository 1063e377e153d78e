#include "kernels/pool.h"

#include <algorithm>
#include <vector>

#include "kernels/backend.h"

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

// Where each channel's first maximum lies in one window, with the channel loop vectorised: as a
// scalar loop (what clang 14 makes of an if or a ternary per channel) this pass cost as much as a
// 1x1 convolution in WebAssembly (4.2 ms for the emotion model's 29x29x128 pool; 0.4 ms vectorised).
void window_argmax(float* __restrict best_value, int* __restrict best_pixel, const float* image, int channels,
                   int in_w, const WindowBounds& b) {
  const int first = b.h0 * in_w + b.w0;
  std::copy_n(image + static_cast<size_t>(first) * channels, channels, best_value);
  std::fill_n(best_pixel, channels, first);
  for (int h = b.h0; h < b.h1; ++h)
    for (int w = b.w0; w < b.w1; ++w) {
      const int pixel = h * in_w + w;
      const float* __restrict x = image + static_cast<size_t>(pixel) * channels;
      for (int c = 0; c < channels; ++c) {
        // Strictly greater keeps the first maximum, as the reference does. The index moves under
        // an all-ones mask: clang 14 vectorises this for WebAssembly, a select of ints it does not.
        const int greater = -static_cast<int>(x[c] > best_value[c]);
        best_value[c] = greater ? x[c] : best_value[c];
        best_pixel[c] = (best_pixel[c] & ~greater) | (pixel & greater);
      }
    }
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

void max_pool_backward(float* d_in, const float* d_out, const float* in, const PoolGeometry& g) {
  if (reference_forced()) {
    max_pool_backward_reference(d_in, d_out, in, g);
    return;
  }
  const int channels = g.channels;
  std::vector<float> best_value(channels);
  std::vector<int> best_pixel(channels);
  for (int n = 0; n < g.batch; ++n) {
    const float* image = in + static_cast<size_t>(n) * g.in_h * g.in_w * channels;
    float* d_image = d_in + static_cast<size_t>(n) * g.in_h * g.in_w * channels;
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow) {
        window_argmax(best_value.data(), best_pixel.data(), image, channels, g.in_w, window_bounds(g, oh, ow));
        const float* g_out = d_out + ((static_cast<size_t>(n) * g.out_h + oh) * g.out_w + ow) * channels;
        for (int c = 0; c < channels; ++c) d_image[static_cast<size_t>(best_pixel[c]) * channels + c] += g_out[c];
      }
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
