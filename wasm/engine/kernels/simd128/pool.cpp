// WebAssembly SIMD128 pooling: each output pixel sweeps its in-bounds window with channels 16, then
// 4, then one at a time. Windows are clipped to the image, which is max pooling's -inf padding
// and average pooling's in-bounds count (TensorFlow's rule). Sums run in the reference loops'
// order and divide like them, so results are bit-identical to the reference.
#include <wasm_simd128.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "kernels/pool.h"

namespace camlens::kernels {

namespace {

bool same_except_batch(PoolGeometry a, PoolGeometry b) {
  a.batch = b.batch = 1;
  return a == b;
}

// The in-bounds part of one output pixel's window: rows [h0, h1), columns [w0, w1).
struct Window {
  int h0, h1, w0, w1;
  int count() const { return (h1 - h0) * (w1 - w0); }
};

Window window_at(const PoolGeometry& g, int oh, int ow) {
  const int top = oh * g.stride_h - g.pad.top, left = ow * g.stride_w - g.pad.left;
  return {std::max(top, 0), std::min(top + g.window_h, g.in_h), std::max(left, 0), std::min(left + g.window_w, g.in_w)};
}

// Max: starts at -inf; pmax is one x86 instruction (maxps), unlike the NaN-propagating max.
struct MaxOf {
  static v128_t start() { return wasm_f32x4_splat(-std::numeric_limits<float>::infinity()); }
  static float start_scalar() { return -std::numeric_limits<float>::infinity(); }
  static v128_t add(v128_t acc, v128_t x) { return wasm_f32x4_pmax(acc, x); }
  static float add(float acc, float x) { return std::max(acc, x); }
  static v128_t finish(v128_t acc, v128_t) { return acc; }
  static float finish(float acc, float) { return acc; }
};

// Mean: a sum divided by the in-bounds count.
struct MeanOf {
  static v128_t start() { return wasm_f32x4_splat(0.0f); }
  static float start_scalar() { return 0.0f; }
  static v128_t add(v128_t acc, v128_t x) { return wasm_f32x4_add(acc, x); }
  static float add(float acc, float x) { return acc + x; }
  static v128_t finish(v128_t acc, v128_t count) { return wasm_f32x4_div(acc, count); }
  static float finish(float acc, float count) { return acc / count; }
};

// Reduces channels [c, c + 4 * V) over a window of rows [h0, h1) and columns [w0, w1) of an image
// whose rows are row_stride floats and pixels `channels` floats apart.
template <class Op, int V>
void reduce_block(float* out, const float* image, const Window& w, int row_stride, int channels, int c) {
  v128_t acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Op::start();
  for (int h = w.h0; h < w.h1; ++h) {
    const float* row = image + static_cast<size_t>(h) * row_stride + c;
    for (int x = w.w0; x < w.w1; ++x)
      for (int v = 0; v < V; ++v) acc[v] = Op::add(acc[v], wasm_v128_load(row + x * channels + 4 * v));
  }
  const v128_t count = wasm_f32x4_splat(static_cast<float>(w.count()));
  for (int v = 0; v < V; ++v) wasm_v128_store(out + c + 4 * v, Op::finish(acc[v], count));
}

template <class Op>
void reduce_window(float* out, const float* image, const Window& w, int row_stride, int channels) {
  int c = 0;
  for (; c + 16 <= channels; c += 16) reduce_block<Op, 4>(out, image, w, row_stride, channels, c);
  for (; c + 4 <= channels; c += 4) reduce_block<Op, 1>(out, image, w, row_stride, channels, c);
  for (; c < channels; ++c) {
    float acc = Op::start_scalar();
    for (int h = w.h0; h < w.h1; ++h)
      for (int x = w.w0; x < w.w1; ++x) acc = Op::add(acc, image[(static_cast<size_t>(h) * row_stride) + x * channels + c]);
    out[c] = Op::finish(acc, static_cast<float>(w.count()));
  }
}

template <class Op>
class WindowPoolForward final : public PoolForward {
 public:
  explicit WindowPoolForward(const PoolGeometry& g) : geometry_(g) {}
  bool accepts(const PoolGeometry& g) const override { return same_except_batch(g, geometry_); }

  void run(float* out, const float* in, const PoolGeometry& g) override {
    const int row_stride = g.in_w * g.channels;
    for (int n = 0; n < g.batch; ++n) {
      const float* image = in + static_cast<size_t>(n) * g.in_h * row_stride;
      for (int oh = 0; oh < g.out_h; ++oh)
        for (int ow = 0; ow < g.out_w; ++ow, out += g.channels)
          reduce_window<Op>(out, image, window_at(g, oh, ow), row_stride, g.channels);
    }
  }

 private:
  PoolGeometry geometry_;
};

// Global average: in [N, h, w, c] -> out [N, c], the whole image as one window (pixels as one row).
class GlobalAveragePoolForward final : public PoolForward {
 public:
  explicit GlobalAveragePoolForward(const PoolGeometry& g) : geometry_(g) {}
  bool accepts(const PoolGeometry& g) const override { return same_except_batch(g, geometry_); }

  void run(float* out, const float* in, const PoolGeometry& g) override {
    const int pixels = g.in_h * g.in_w;
    const Window whole{0, 1, 0, pixels};
    for (int n = 0; n < g.batch; ++n)
      reduce_window<MeanOf>(out + static_cast<size_t>(n) * g.channels,
                            in + static_cast<size_t>(n) * pixels * g.channels, whole, 0, g.channels);
  }

 private:
  PoolGeometry geometry_;
};

}  // namespace

std::unique_ptr<PoolForward> make_pool_forward(PoolKind kind, const PoolGeometry& g) {
  switch (kind) {
    case PoolKind::max: return std::make_unique<WindowPoolForward<MaxOf>>(g);
    case PoolKind::average: return std::make_unique<WindowPoolForward<MeanOf>>(g);
    case PoolKind::global_average: return std::make_unique<GlobalAveragePoolForward>(g);
  }
  fail("Pool (WebAssembly SIMD128): unknown pool kind ", static_cast<int>(kind),
       "; expected max, average or global_average");
}

}  // namespace camlens::kernels
