#include <algorithm>

#include "kernels/pool.h"

namespace camlens::kernels {

namespace {

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

size_t in_index(const PoolGeometry& g, int n, int h, int w, int c) {
  return ((static_cast<size_t>(n) * g.in_h + h) * g.in_w + w) * g.channels + c;
}

size_t out_index(const PoolGeometry& g, int n, int h, int w, int c) {
  return ((static_cast<size_t>(n) * g.out_h + h) * g.out_w + w) * g.channels + c;
}

// Index into `in` of the first (row-major) maximum of the window.
size_t first_max_index(const float* in, const PoolGeometry& g, int n, int oh, int ow, int c) {
  WindowBounds b = window_bounds(g, oh, ow);
  size_t best = in_index(g, n, b.h0, b.w0, c);
  for (int h = b.h0; h < b.h1; ++h)
    for (int w = b.w0; w < b.w1; ++w) {
      size_t i = in_index(g, n, h, w, c);
      if (in[i] > in[best]) best = i;
    }
  return best;
}

}  // namespace

void max_pool_forward_reference(float* out, const float* in, const PoolGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow)
        for (int c = 0; c < g.channels; ++c) out[out_index(g, n, oh, ow, c)] = in[first_max_index(in, g, n, oh, ow, c)];
}

void max_pool_backward_reference(float* d_in, const float* d_out, const float* in, const PoolGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow)
        for (int c = 0; c < g.channels; ++c) d_in[first_max_index(in, g, n, oh, ow, c)] += d_out[out_index(g, n, oh, ow, c)];
}

void avg_pool_forward_reference(float* out, const float* in, const PoolGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow) {
        WindowBounds b = window_bounds(g, oh, ow);
        for (int c = 0; c < g.channels; ++c) {
          float sum = 0.0f;
          for (int h = b.h0; h < b.h1; ++h)
            for (int w = b.w0; w < b.w1; ++w) sum += in[in_index(g, n, h, w, c)];
          out[out_index(g, n, oh, ow, c)] = sum / static_cast<float>(b.count());
        }
      }
}

void avg_pool_backward_reference(float* d_in, const float* d_out, const PoolGeometry& g) {
  for (int n = 0; n < g.batch; ++n)
    for (int oh = 0; oh < g.out_h; ++oh)
      for (int ow = 0; ow < g.out_w; ++ow) {
        WindowBounds b = window_bounds(g, oh, ow);
        for (int c = 0; c < g.channels; ++c) {
          float share = d_out[out_index(g, n, oh, ow, c)] / static_cast<float>(b.count());
          for (int h = b.h0; h < b.h1; ++h)
            for (int w = b.w0; w < b.w1; ++w) d_in[in_index(g, n, h, w, c)] += share;
        }
      }
}

void global_avg_pool_forward_reference(float* out, const float* in, int batch, int pixels, int channels) {
  for (int n = 0; n < batch; ++n)
    for (int c = 0; c < channels; ++c) {
      float sum = 0.0f;
      for (int p = 0; p < pixels; ++p) sum += in[(static_cast<size_t>(n) * pixels + p) * channels + c];
      out[n * channels + c] = sum / static_cast<float>(pixels);
    }
}

void global_avg_pool_backward_reference(float* d_in, const float* d_out, int batch, int pixels, int channels) {
  for (int n = 0; n < batch; ++n)
    for (int c = 0; c < channels; ++c) {
      float share = d_out[n * channels + c] / static_cast<float>(pixels);
      for (int p = 0; p < pixels; ++p) d_in[(static_cast<size_t>(n) * pixels + p) * channels + c] += share;
    }
}

}  // namespace camlens::kernels
