// WebAssembly SIMD128 forward convolutions, built once per layer (weights packed at creation).
// Standard convolutions are one packed GEMM over output pixels: a 1x1 stride-1 unpadded
// convolution reads the input as the matrix directly; any other reads it through an indirection
// table of per-tap row offsets (XNNPACK's indirect GEMM), so no im2col copy is ever written.
// Depthwise convolutions sweep each output pixel's in-bounds taps, channels 16, then 4, then one
// at a time. An unpadded 1x1 or a stride-1 convolution's input gradient runs the same GEMMs on its
// weights transposed (1x1) or turned (any other kernel), packed once.
#include <wasm_simd128.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.h"
#include "kernels/conv2d.h"
#include "kernels/parallel.h"
#include "kernels/simd128/gemm_packed.h"

namespace camlens::kernels {

namespace {

// Everything run() relies on except the batch size, which may change between calls.
bool same_except_batch(ConvGeometry a, ConvGeometry b) {
  a.batch = b.batch = 1;
  return a == b;
}

size_t image_floats_in(const ConvGeometry& g) { return static_cast<size_t>(g.in_h) * g.in_w * g.in_c; }
size_t image_floats_out(const ConvGeometry& g) { return static_cast<size_t>(g.out_h) * g.out_w * g.out_c; }

// The input row/column a kernel tap reads for an output position, which may fall in the padding.
int input_y(const ConvGeometry& g, int oy, int ky) { return oy * g.stride_h - g.pad.top + ky * g.dilation_h; }
int input_x(const ConvGeometry& g, int ox, int kx) { return ox * g.stride_w - g.pad.left + kx * g.dilation_w; }

// Where each output pixel's taps read in one image: offsets[pixel * taps + tap] is the start of that
// tap's in_c floats, -1 in the padding (read from a row of zeros instead).
class Indirection {
 public:
  explicit Indirection(const ConvGeometry& g) : taps_(g.kernel_h * g.kernel_w), kc_(g.in_c), zero_(g.in_c, 0.0f) {
    if (image_floats_in(g) > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      fail("Conv2D (WebAssembly SIMD128): an input image of ", g.in_h, "x", g.in_w, "x", g.in_c,
           " floats is beyond the 2^31 the indirection table can address; use smaller images");
    }
    offsets_.reserve(static_cast<size_t>(g.out_h) * g.out_w * taps_);
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int ky = 0; ky < g.kernel_h; ++ky)
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int iy = input_y(g, oy, ky), ix = input_x(g, ox, kx);
            const bool inside = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
            offsets_.push_back(inside ? (iy * g.in_w + ix) * g.in_c : -1);
          }
  }

  simd128::IndirectRows rows(const float* image) const { return {image, offsets_.data(), zero_.data(), taps_, kc_}; }

 private:
  int taps_, kc_;
  std::vector<int32_t> offsets_;
  std::vector<float> zero_;
};

class StandardConvForward final : public ConvForward {
 public:
  StandardConvForward(const ConvGeometry& g, const float* weights, const float* bias)
      : geometry_(g),
        weights_(g.kernel_h * g.kernel_w * g.in_c, g.out_c, weights, g.out_c, bias) {
    if (!g.pointwise()) indirection_.emplace(g);
  }

  bool accepts(const ConvGeometry& g) const override { return same_except_batch(g, geometry_); }

  void run(float* out, const float* in, const ConvGeometry& g) override {
    if (!indirection_) {
      // Pointwise: pixels of every image are consecutive rows of one matrix.
      simd128::gemm_packed(g.batch * g.in_h * g.in_w, in, g.in_c, weights_, out, g.out_c, g.activation);
      return;
    }
    const int pixels = g.out_h * g.out_w;
    for (int n = 0; n < g.batch; ++n) {
      simd128::igemm_packed(pixels, indirection_->rows(in + n * image_floats_in(g)), weights_,
                            out + n * image_floats_out(g), g.out_c, g.activation);
    }
  }

 private:
  ConvGeometry geometry_;
  simd128::PackedWeights weights_;
  std::optional<Indirection> indirection_;  // absent for a pointwise convolution
};

// Clamp bounds of the fused activation, as vectors and scalars.
struct Clamp {
  float low, high;
  explicit Clamp(Activation activation)
      : low(activation == Activation::none ? -std::numeric_limits<float>::infinity() : 0.0f),
        high(activation == Activation::relu6 ? 6.0f : std::numeric_limits<float>::infinity()) {}
  v128_t operator()(v128_t v) const {
    return wasm_f32x4_pmin(wasm_f32x4_splat(high), wasm_f32x4_pmax(wasm_f32x4_splat(low), v));
  }
  float operator()(float v) const { return std::min(std::max(v, low), high); }
};

// The taps of one output position that land inside the image: ky in [ky0, ky1), kx in [kx0, kx1).
struct TapRange {
  int ky0, ky1, kx0, kx1;
};

// First tap index whose input coordinate (start + tap * step) is >= 0, and one past the last < size.
void inside_taps(int start, int step, int taps, int size, int& first, int& end) {
  first = start >= 0 ? 0 : (-start + step - 1) / step;
  end = start >= size ? 0 : std::min(taps, (size - 1 - start) / step + 1);
  first = std::min(first, end);
}

TapRange tap_range(const ConvGeometry& g, int oy, int ox) {
  TapRange r{};
  inside_taps(input_y(g, oy, 0), g.dilation_h, g.kernel_h, g.in_h, r.ky0, r.ky1);
  inside_taps(input_x(g, ox, 0), g.dilation_w, g.kernel_w, g.in_w, r.kx0, r.kx1);
  return r;
}

class DepthwiseConvForward final : public ConvForward {
 public:
  // The weights [kh, kw, in_c, multiplier] are [kh * kw, out_c] row-major: kept as is.
  DepthwiseConvForward(const ConvGeometry& g, const float* weights, const float* bias)
      : geometry_(g),
        weights_(weights, weights + static_cast<size_t>(g.kernel_h) * g.kernel_w * g.out_c),
        bias_(g.out_c, 0.0f) {
    if (bias) std::copy(bias, bias + g.out_c, bias_.begin());
  }

  bool accepts(const ConvGeometry& g) const override { return same_except_batch(g, geometry_); }

  // Threads take chunks of output rows (of every image in turn); each pixel's sum is the same.
  void run(float* out, const float* in, const ConvGeometry& g) override {
    const Clamp clamp(g.activation);
    const size_t rows = static_cast<size_t>(g.batch) * g.out_h;
    const size_t work = kDepthwiseTapWork * rows * g.out_w * g.kernel_h * g.kernel_w * g.out_c;
    parallel_chunks(rows, 1, work, [&](size_t row_begin, size_t row_end) {
      std::vector<Tap> taps(static_cast<size_t>(g.kernel_h) * g.kernel_w);
      for (size_t row = row_begin; row < row_end; ++row) {
        const int n = static_cast<int>(row / g.out_h), oy = static_cast<int>(row % g.out_h);
        const float* image = in + n * image_floats_in(g);
        float* out_pixel = out + n * image_floats_out(g) + static_cast<size_t>(oy) * g.out_w * g.out_c;
        for (int ox = 0; ox < g.out_w; ++ox, out_pixel += g.out_c) {
          const int count = gather_taps(taps.data(), image, oy, ox);
          if (g.multiplier() == 1) {
            pixel_multiplier_one(out_pixel, taps.data(), count, clamp);
          } else {
            pixel_any_multiplier(out_pixel, taps.data(), count, clamp);
          }
        }
      }
    });
  }

 private:
  // One in-bounds tap of the current output pixel: its input pixel and its weights row.
  struct Tap {
    const float* x;
    const float* w;
  };

  // Lists the pixel's in-bounds taps once, so every channel block just walks the list.
  int gather_taps(Tap* taps, const float* image, int oy, int ox) const {
    const ConvGeometry& g = geometry_;
    const TapRange range = tap_range(g, oy, ox);
    int count = 0;
    for (int ky = range.ky0; ky < range.ky1; ++ky)
      for (int kx = range.kx0; kx < range.kx1; ++kx) {
        const size_t pixel = static_cast<size_t>(input_y(g, oy, ky)) * g.in_w + input_x(g, ox, kx);
        taps[count++] = {image + pixel * g.in_c, weights_.data() + (static_cast<size_t>(ky) * g.kernel_w + kx) * g.out_c};
      }
    return count;
  }

  // Channels [c, c + 4 * V) of one output pixel in V vectors.
  template <int V>
  void channel_block(float* out_pixel, const Tap* taps, int count, int c, const Clamp& clamp) const {
    v128_t acc[V];
    for (int v = 0; v < V; ++v) acc[v] = wasm_v128_load(bias_.data() + c + 4 * v);
    for (int t = 0; t < count; ++t) {
      const float* x = taps[t].x + c;
      const float* w = taps[t].w + c;
      for (int v = 0; v < V; ++v)
        acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(wasm_v128_load(x + 4 * v), wasm_v128_load(w + 4 * v)));
    }
    for (int v = 0; v < V; ++v) wasm_v128_store(out_pixel + c + 4 * v, clamp(acc[v]));
  }

  // Output channel c reads input channel c: 16 channels per pass, then 4, then one at a time.
  void pixel_multiplier_one(float* out_pixel, const Tap* taps, int count, const Clamp& clamp) const {
    const int channels = geometry_.out_c;
    int c = 0;
    for (; c + 16 <= channels; c += 16) channel_block<4>(out_pixel, taps, count, c, clamp);
    for (; c + 4 <= channels; c += 4) channel_block<1>(out_pixel, taps, count, c, clamp);
    for (; c < channels; ++c) out_pixel[c] = clamp(channel_sum(taps, count, c, c));
  }

  // Output channel o reads input channel o / multiplier; a plain loop, as no model here needs speed.
  void pixel_any_multiplier(float* out_pixel, const Tap* taps, int count, const Clamp& clamp) const {
    for (int o = 0; o < geometry_.out_c; ++o) {
      out_pixel[o] = clamp(channel_sum(taps, count, o / geometry_.multiplier(), o));
    }
  }

  float channel_sum(const Tap* taps, int count, int in_channel, int out_channel) const {
    float sum = bias_[out_channel];
    for (int t = 0; t < count; ++t) sum += taps[t].x[in_channel] * taps[t].w[out_channel];
    return sum;
  }

  ConvGeometry geometry_;
  std::vector<float> weights_;
  std::vector<float> bias_;
};

// An unpadded 1x1 convolution's input gradient: d_out (pixels x out_c) * weights^T, the weights
// transposed and packed once. At stride 1 it is added straight into d_in (pixels x in_c). At stride s,
// d_out's pixel (y, x) lands on d_in's (y * s, x * s) alone: the product goes to a scratch buffer and
// is added there, so a strided shortcut never packs its weights per call nor scatters a column
// buffer on one thread.
class OneByOneBackwardInput final : public ConvBackwardInput {
 public:
  OneByOneBackwardInput(const ConvGeometry& g, const float* weights) : geometry_(g) {
    // weights [in_c, out_c] -> its transpose [out_c, in_c], the B the GEMM packs row by row.
    std::vector<float> transposed(static_cast<size_t>(g.out_c) * g.in_c);
    for (int ic = 0; ic < g.in_c; ++ic)
      for (int oc = 0; oc < g.out_c; ++oc) {
        transposed[static_cast<size_t>(oc) * g.in_c + ic] = weights[static_cast<size_t>(ic) * g.out_c + oc];
      }
    weights_ = simd128::PackedWeights(g.out_c, g.in_c, transposed.data(), g.in_c, nullptr);
  }

  bool accepts(const ConvGeometry& g) const override { return same_except_batch(g, geometry_); }

  void run(float* d_in, const float* d_out, const ConvGeometry& g) override {
    if (g.pointwise()) {
      simd128::gemm_packed_accumulate(g.batch * g.in_h * g.in_w, d_out, g.out_c, weights_, d_in, g.in_c);
      return;
    }
    const int pixels_out = g.batch * g.out_h * g.out_w;
    scratch_.resize(static_cast<size_t>(pixels_out) * g.in_c);
    simd128::gemm_packed(pixels_out, d_out, g.out_c, weights_, scratch_.data(), g.in_c, Activation::none);
    const float* product = scratch_.data();
    for (int n = 0; n < g.batch; ++n)
      for (int y = 0; y < g.out_h; ++y)
        for (int x = 0; x < g.out_w; ++x, product += g.in_c) {
          float* d_x = d_in + ((static_cast<size_t>(n) * g.in_h + y * g.stride_h) * g.in_w + x * g.stride_w) * g.in_c;
          for (int c = 0; c < g.in_c; ++c) d_x[c] += product[c];
        }
  }

  // Unpadded 1x1, at any stride.
  static bool takes(const ConvGeometry& g) { return g.kernel_h == 1 && g.kernel_w == 1 && g.pad == Padding{}; }

 private:
  ConvGeometry geometry_;
  simd128::PackedWeights weights_;
  std::vector<float> scratch_;
};

// Any other stride-1 convolution's input gradient: the convolution of d_out by the turned weights
// (transposed_geometry), on the forward's indirect GEMM, its weights packed once, so no column buffer
// is cleared, filled or scattered back on one thread.
class TurnedBackwardInput final : public ConvBackwardInput {
 public:
  TurnedBackwardInput(const ConvGeometry& g, const float* weights)
      : geometry_(g),
        weights_(g.kernel_h * g.kernel_w * g.out_c, g.in_c, turned_weights(weights, g).data(), g.in_c, nullptr),
        indirection_(transposed_geometry(g)) {}

  bool accepts(const ConvGeometry& g) const override { return same_except_batch(g, geometry_); }

  void run(float* d_in, const float* d_out, const ConvGeometry& g) override {
    const int pixels = g.in_h * g.in_w;
    for (int n = 0; n < g.batch; ++n) {
      simd128::igemm_packed_accumulate(pixels, indirection_.rows(d_out + n * image_floats_out(g)), weights_,
                                       d_in + n * image_floats_in(g), g.in_c);
    }
  }

 private:
  ConvGeometry geometry_;
  simd128::PackedWeights weights_;
  Indirection indirection_;
};

}  // namespace

std::unique_ptr<ConvBackwardInput> make_conv_backward_input(const ConvGeometry& g, const float* weights) {
  if (g.depthwise) return nullptr;
  if (OneByOneBackwardInput::takes(g)) return std::make_unique<OneByOneBackwardInput>(g, weights);
  if (g.stride_h != 1 || g.stride_w != 1) return nullptr;
  return std::make_unique<TurnedBackwardInput>(g, weights);
}

std::unique_ptr<ConvForward> make_conv_forward(const ConvGeometry& g, const float* weights, const float* bias) {
  if (g.depthwise) {
    if (g.in_c <= 0 || g.out_c % g.in_c != 0) {
      fail("DepthwiseConv2D (WebAssembly SIMD128): out_c ", g.out_c, " must be a multiple of in_c ", g.in_c,
           " (out_c = in_c * depth multiplier)");
    }
    return std::make_unique<DepthwiseConvForward>(g, weights, bias);
  }
  return std::make_unique<StandardConvForward>(g, weights, bias);
}

}  // namespace camlens::kernels
