// Portable convolution kernels (kernels/conv2d.cpp dispatches to them): GEMM-based passes for
// standard convolutions and channel-innermost loops for depthwise ones, on kernels/gemm.h, so both
// builds run them with their own GEMM. Threads (kernels::set_thread_count) split each pass by what
// it writes: images of d_in, channels of a depthwise gradient, rows (patch entries) or, for short
// patches, columns (output channels) of a weight gradient; never a sum, so any thread count gives
// the same bits.
#include "kernels/portable/conv2d.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#ifdef __wasm_simd128__
#include "kernels/simd128/depthwise_taps.h"
#endif

namespace camlens::kernels {

namespace {

// im2col buffers are built a band of output rows at a time so they stay near this many floats
// (1 MiB): large enough for long GEMMs, small enough to stay in cache on big inputs.
constexpr size_t kColumnBudget = 256 * 1024;

size_t pixels_in(const ConvGeometry& g) { return static_cast<size_t>(g.in_h) * g.in_w; }
size_t pixels_out(const ConvGeometry& g) { return static_cast<size_t>(g.out_h) * g.out_w; }
int patch_size(const ConvGeometry& g) { return g.kernel_h * g.kernel_w * g.in_c; }

int rows_per_band(const ConvGeometry& g) {
  size_t row_floats = static_cast<size_t>(g.out_w) * patch_size(g);
  return static_cast<int>(std::clamp<size_t>(kColumnBudget / row_floats, 1, g.out_h));
}

// Copies n floats. A library call per run of a few floats (a one-channel input's taps, or a 3x3x1
// kernel row) cost more than the copy itself.
inline void copy_floats(float* dst, const float* src, int n) {
  if (n > 4) {
    std::copy_n(src, n, dst);
    return;
  }
  for (int i = 0; i < 4; ++i)
    if (i < n) dst[i] = src[i];
}

// Entries [p0, p1) of each patch (patch entry p = (ky * kernel_w + kx) * in_c + ic):
// columns[(oy - row_begin) * out_w + ox][p - p0] = image[iy][ix][ic], zero in the padding.
// An undilated kernel row that lies inside the image reads kernel_w adjacent pixels: one run of
// kernel_w * in_c floats, copied at once instead of tap by tap.
void im2col(float* columns, const float* image, const ConvGeometry& g, int row_begin, int row_end, int p0, int p1) {
  const int width = p1 - p0, kernel_row = g.kernel_w * g.in_c;
  float* patch = columns;
  for (int oy = row_begin; oy < row_end; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox, patch += width) {
      const int ix0 = ox * g.stride_w - g.pad.left;
      const bool row_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.kernel_w <= g.in_w;
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        const int row_first = ky * kernel_row;
        const int lo = std::max(row_first, p0), hi = std::min(row_first + kernel_row, p1);
        if (lo >= hi) continue;
        const int iy = oy * g.stride_h - g.pad.top + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) {
          std::fill_n(patch + (lo - p0), hi - lo, 0.0f);
          continue;
        }
        const float* image_row = image + static_cast<ptrdiff_t>(iy) * g.in_w * g.in_c;
        if (row_inside) {
          copy_floats(patch + (lo - p0), image_row + static_cast<ptrdiff_t>(ix0) * g.in_c + (lo - row_first), hi - lo);
          continue;
        }
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const int tap_first = row_first + kx * g.in_c;
          const int tap_lo = std::max(tap_first, lo), tap_hi = std::min(tap_first + g.in_c, hi);
          if (tap_lo >= tap_hi) continue;
          const int ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) {
            std::fill_n(patch + (tap_lo - p0), tap_hi - tap_lo, 0.0f);
          } else {
            copy_floats(patch + (tap_lo - p0), image_row + static_cast<ptrdiff_t>(ix) * g.in_c + (tap_lo - tap_first),
                        tap_hi - tap_lo);
          }
        }
      }
    }
}

// A per-thread im2col buffer of at least `floats`, kept between calls: allocating a fresh one each
// time cost page faults on every training step.
float* column_scratch(size_t floats) {
  thread_local std::vector<float> columns;
  if (columns.size() < floats) columns.resize(floats);
  return columns.data();
}

// dst[i] += src[i] for n floats; a plain loop for a run of a few (a one-channel input's taps).
inline void add_floats(float* __restrict dst, const float* __restrict src, int n) {
  for (int i = 0; i < n; ++i) dst[i] += src[i];
}

// The adjoint of im2col: image[iy][ix][ic] += columns[...] for every tap that read it. As in im2col,
// an undilated kernel row inside the image adds one run of kernel_w * in_c floats rather than one
// short run per tap; every pixel still gets its terms in patch, then tap order.
void col2im_add(float* image, const float* columns, const ConvGeometry& g, int row_begin, int row_end) {
  const int kernel_row = g.kernel_w * g.in_c;
  const float* patch = columns;
  for (int oy = row_begin; oy < row_end; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox, patch += patch_size(g)) {
      const int ix0 = ox * g.stride_w - g.pad.left;
      const bool row_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.kernel_w <= g.in_w;
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        const int iy = oy * g.stride_h - g.pad.top + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        float* image_row = image + static_cast<ptrdiff_t>(iy) * g.in_w * g.in_c;
        const float* taps = patch + ky * kernel_row;
        if (row_inside) {
          add_floats(image_row + static_cast<ptrdiff_t>(ix0) * g.in_c, taps, kernel_row);
          continue;
        }
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const int ix = ix0 + kx * g.dilation_w;
          if (ix >= 0 && ix < g.in_w) add_floats(image_row + static_cast<ptrdiff_t>(ix) * g.in_c, taps + kx * g.in_c, g.in_c);
        }
      }
    }
}

}  // namespace

ConvGeometry transposed_geometry(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.in_h = g.out_h, t.in_w = g.out_w, t.in_c = g.out_c;
  t.out_h = g.in_h, t.out_w = g.in_w, t.out_c = g.in_c;
  t.pad.top = (g.kernel_h - 1) * g.dilation_h - g.pad.top;
  t.pad.left = (g.kernel_w - 1) * g.dilation_w - g.pad.left;
  t.pad.bottom = t.pad.right = 0;
  return t;
}

std::vector<float> turned_weights(const float* weights, const ConvGeometry& g) {
  std::vector<float> turned(static_cast<size_t>(patch_size(g)) * g.out_c);
  float* dst = turned.data();
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const float* tap = weights + (static_cast<size_t>(g.kernel_h - 1 - ky) * g.kernel_w + (g.kernel_w - 1 - kx)) *
                                      g.in_c * g.out_c;
      for (int oc = 0; oc < g.out_c; ++oc)
        for (int ic = 0; ic < g.in_c; ++ic) *dst++ = tap[static_cast<size_t>(ic) * g.out_c + oc];
    }
  return turned;
}

namespace {

void accumulate_bias_grad(float* d_bias, const float* d_out, const ConvGeometry& g) {
  if (d_bias == nullptr) return;
  size_t pixels = g.batch * pixels_out(g);
  for (size_t p = 0; p < pixels; ++p) {
    const float* row = d_out + p * g.out_c;
    for (int oc = 0; oc < g.out_c; ++oc) d_bias[oc] += row[oc];
  }
}

// Below this many patch entries (rows of d_weights) a weights's gradient takes the short-patch path
// below: its rows fit in one or two GEMM row tiles (12 rows on AVX-512), so splitting them among
// threads would have every thread compute a whole tile, mostly padding.
constexpr int kFewPatchEntries = 32;

// d_weights += columns^T * d_out for a patch of fewer than kFewPatchEntries entries on images whose
// columns fit the column budget: the columns of as many whole images as fit are built at once
// (threads take images), then one GEMM over all their pixels per range of output channels (threads
// take channel ranges), so that no thread repeats another's im2col and each GEMM is long enough to
// pay for its packing. The groups depend on the geometry only, not on the threads.
void conv_backward_weights_short_patch(float* d_weights, const float* d_out, const float* in, const ConvGeometry& g,
                                      size_t work) {
  const int k = patch_size(g);
  const size_t image_columns = pixels_out(g) * k;
  const size_t group = std::max<size_t>(1, kColumnBudget / image_columns);
  float* columns = column_scratch(std::min<size_t>(group, g.batch) * image_columns);
  for (size_t first = 0; first < static_cast<size_t>(g.batch); first += group) {
    const size_t count = std::min<size_t>(group, g.batch - first);
    parallel_ranges(count, 1, work / g.batch * count, [&](size_t n0, size_t n1) {
      for (size_t n = n0; n < n1; ++n) {
        im2col(columns + n * image_columns, in + (first + n) * pixels_in(g) * g.in_c, g, 0, g.out_h, 0, k);
      }
    });
    const int pixels = static_cast<int>(count * pixels_out(g));
    const float* group_d_out = d_out + first * pixels_out(g) * g.out_c;
    parallel_ranges(g.out_c, kChannelGranule, work / g.batch * count, [&](size_t oc0, size_t oc1) {
      gemm_tn(k, static_cast<int>(oc1 - oc0), pixels, columns, k, group_d_out + oc0, g.out_c, d_weights + oc0, g.out_c);
    });
  }
}

// Calls visit(d_out_pixel, tap, input_pixel) for every output pixel and in-bounds kernel tap;
// the caller's loop over channels is then contiguous in every buffer.
template <typename Visit>
void for_each_depthwise_tap(const ConvGeometry& g, Visit visit) {
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        size_t out_pixel = (static_cast<size_t>(n) * g.out_h + oy) * g.out_w + ox;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          int iy = oy * g.stride_h - g.pad.top + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            int ix = ox * g.stride_w - g.pad.left + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            size_t in_pixel = (static_cast<size_t>(n) * g.in_h + iy) * g.in_w + ix;
            visit(out_pixel, ky * g.kernel_w + kx, in_pixel);
          }
        }
      }
}

size_t depthwise_work(const ConvGeometry& g) {
  return kDepthwiseTapWork * g.batch * pixels_out(g) * g.kernel_h * g.kernel_w * g.out_c;
}

// Most kernel taps a depthwise layer has for the gathering backward below (7x7).
constexpr int kMaxGatheredTaps = 49;

// dst[0, 16) += the sum over taps t of grads[t][c + j] * weights[t][c + j], summed in tap order.
inline void add_tap_products(float* dst, const float* const* grads, const float* const* weights, int taps, size_t c) {
  static_assert(kChannelGranule == 16);
#ifdef __wasm_simd128__
  simd128::add_tap_products16(dst, grads, weights, taps, c);
#else
  float sum[kChannelGranule] = {};
  for (int t = 0; t < taps; ++t) {
    const float* grad = grads[t] + c;
    const float* w = weights[t] + c;
    // Kept a loop so it becomes vector arithmetic: unrolled, GCC vectorises the loop over taps
    // instead, with gathers.
#pragma GCC unroll 1
    for (size_t j = 0; j < kChannelGranule; ++j) sum[j] += grad[j] * w[j];
  }
  for (size_t j = 0; j < kChannelGranule; ++j) dst[j] += sum[j];
#endif
}

// Stride 1, multiplier 1: each d_in pixel gathers its taps' d_out * weight in a block of channels
// held in registers, then adds it to d_in once, where scattering each tap would load and store d_in
// per tap. Threads take chunks of rows, so that no two threads write parts of the same pixel.
void depthwise_backward_input_gathered(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g) {
  constexpr size_t kBlock = kChannelGranule;
  const size_t channels = g.in_c;
  const size_t rows = static_cast<size_t>(g.batch) * g.in_h;
  parallel_chunks(rows, 1, depthwise_work(g), [&](size_t row_begin, size_t row_end) {
    const float* tap_grads[kMaxGatheredTaps];
    const float* tap_weights[kMaxGatheredTaps];
    for (size_t row = row_begin; row < row_end; ++row) {
      const int n = static_cast<int>(row / g.in_h), iy = static_cast<int>(row % g.in_h);
      for (int ix = 0; ix < g.in_w; ++ix) {
        int taps = 0;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          const int oy = iy + g.pad.top - ky * g.dilation_h;
          if (oy < 0 || oy >= g.out_h) continue;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int ox = ix + g.pad.left - kx * g.dilation_w;
            if (ox < 0 || ox >= g.out_w) continue;
            tap_grads[taps] = d_out + ((static_cast<size_t>(n) * g.out_h + oy) * g.out_w + ox) * channels;
            tap_weights[taps++] = weights + static_cast<size_t>(ky * g.kernel_w + kx) * channels;
          }
        }
        float* dst = d_in + ((static_cast<size_t>(n) * g.in_h + iy) * g.in_w + ix) * channels;
        size_t c = 0;
        for (; c + kBlock <= channels; c += kBlock) add_tap_products(dst + c, tap_grads, tap_weights, taps, c);
        for (; c < channels; ++c) {
          float sum = 0.0f;
          for (int t = 0; t < taps; ++t) sum += tap_grads[t][c] * tap_weights[t][c];
          dst[c] += sum;
        }
      }
    }
  });
}

}  // namespace

namespace portable {

// d_in = d_out * weights^T, per band of output rows: columns = d_out_band * weights^T, then col2im.
// Every stride-1 convolution's input gradient runs on a prepared weights instead (ConvBackwardInput).
void conv_backward_input_gemm(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g) {
  int k = patch_size(g);
  // weights^T (out_c x patch) once per call: the GEMM then packs its B panel from contiguous rows for
  // each image, where reading the HWIO weights transposed gathered one float at a time (the same
  // values in the same order, so the same bits).
  thread_local std::vector<float> transposed;
  transposed.resize(static_cast<size_t>(k) * g.out_c);
  for (int p = 0; p < k; ++p)
    for (int oc = 0; oc < g.out_c; ++oc) {
      transposed[static_cast<size_t>(oc) * k + p] = weights[static_cast<size_t>(p) * g.out_c + oc];
    }
  const float* weights_t = transposed.data();
  // Images write disjoint parts of d_in: threads take whole images (one image: the GEMM splits instead).
  const size_t parts = std::min<size_t>(parallel_thread_count(), g.batch);
  // Small images (a whole image within the column budget) go several to a GEMM: its B panel, the
  // weights, is then packed once per group instead of once per image. Each column still sums the
  // same products in the same order, so grouping does not change the bits.
  const int band = rows_per_band(g);
  const size_t group = band == g.out_h ? std::max<size_t>(1, kColumnBudget / (pixels_out(g) * k)) : 1;
  parallel_for(parts, [&](size_t part) {
    const Range images = split_range(g.batch, parts, part);
    float* columns = column_scratch(group * band * g.out_w * k);
    for (size_t n = images.begin; n < images.end;) {
      const size_t count = std::min(group, images.end - n);
      for (int row = 0; row < g.out_h; row += band) {
        const int row_end = std::min(row + band, g.out_h);
        const size_t image_columns = static_cast<size_t>(row_end - row) * g.out_w * k;
        const int m = static_cast<int>(count) * (row_end - row) * g.out_w;
        std::fill_n(columns, count * image_columns, 0.0f);
        gemm_nn(m, k, g.out_c, d_out + (n * pixels_out(g) + static_cast<size_t>(row) * g.out_w) * g.out_c, g.out_c,
                weights_t, k, columns, k);
        for (size_t i = 0; i < count; ++i) {
          col2im_add(d_in + (n + i) * pixels_in(g) * g.in_c, columns + i * image_columns, g, row, row_end);
        }
      }
      n += count;
    }
  });
}

// d_weights += columns^T * d_out, per band of output rows. Threads take disjoint ranges of patch
// entries (rows of d_weights) and build only their own columns (a short patch: see above): each
// entry's sum over images and pixels runs in the same order for any thread count.
void conv_backward_weights_gemm(float* d_weights, float* d_bias, const float* d_out, const float* in,
                               const ConvGeometry& g) {
  accumulate_bias_grad(d_bias, d_out, g);
  int k = patch_size(g);
  if (g.pointwise()) {
    int rows = static_cast<int>(g.batch * pixels_in(g));
    gemm_tn(g.in_c, g.out_c, rows, in, g.in_c, d_out, g.out_c, d_weights, g.out_c);
    return;
  }
  // One image (inference-time gradients): the GEMM splits its rows itself, over all pixels at once.
  const size_t work = g.batch == 1 ? 0 : g.batch * pixels_out(g) * k * g.out_c;
  if (k < kFewPatchEntries && g.batch > 1 && pixels_out(g) * k <= kColumnBudget) {
    conv_backward_weights_short_patch(d_weights, d_out, in, g, work);
    return;
  }
  // Each thread: rows [p0, p1) of d_weights over every image, building only those entries of each patch.
  parallel_ranges(k, 1, work, [&](size_t patch_begin, size_t patch_end) {
    const int p0 = static_cast<int>(patch_begin), p1 = static_cast<int>(patch_end), width = p1 - p0;
    const int band = rows_per_band(g);
    float* columns = column_scratch(static_cast<size_t>(band) * g.out_w * width);
    for (int n = 0; n < g.batch; ++n) {
      const float* image = in + n * pixels_in(g) * g.in_c;
      const float* image_d_out = d_out + n * pixels_out(g) * g.out_c;
      for (int row = 0; row < g.out_h; row += band) {
        int row_end = std::min(row + band, g.out_h);
        int m = (row_end - row) * g.out_w;
        im2col(columns, image, g, row, row_end, p0, p1);
        gemm_tn(width, g.out_c, m, columns, width, image_d_out + static_cast<size_t>(row) * g.out_w * g.out_c,
                g.out_c, d_weights + static_cast<size_t>(p0) * g.out_c, g.out_c);
      }
    }
  });
}

// Channel ranges are of input channels; with a multiplier m, input channel c owns outputs c*m .. c*m+m-1.
void depthwise_backward_input(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g) {
  int multiplier = g.multiplier();
  if (multiplier == 1 && g.stride_h == 1 && g.stride_w == 1 && g.kernel_h * g.kernel_w <= kMaxGatheredTaps) {
    depthwise_backward_input_gathered(d_in, d_out, weights, g);
    return;
  }
  parallel_ranges(g.in_c, kChannelGranule, depthwise_work(g), [&](size_t c0, size_t c1) {
    for_each_depthwise_tap(g, [&](size_t out_pixel, int tap, size_t in_pixel) {
      const float* grad = d_out + out_pixel * g.out_c;
      const float* tap_weights = weights + static_cast<size_t>(tap) * g.out_c;
      float* dst = d_in + in_pixel * g.in_c;
      if (multiplier == 1) {
        for (size_t c = c0; c < c1; ++c) dst[c] += grad[c] * tap_weights[c];
        return;
      }
      for (size_t c = c0; c < c1; ++c) {
        float sum = 0.0f;
        for (int m = 0; m < multiplier; ++m) sum += grad[c * multiplier + m] * tap_weights[c * multiplier + m];
        dst[c] += sum;
      }
    });
  });
}


void depthwise_backward_weights(float* d_weights, float* d_bias, const float* d_out, const float* in,
                               const ConvGeometry& g) {
  accumulate_bias_grad(d_bias, d_out, g);
  int multiplier = g.multiplier();
  parallel_ranges(g.in_c, kChannelGranule, depthwise_work(g), [&](size_t c0, size_t c1) {
    for_each_depthwise_tap(g, [&](size_t out_pixel, int tap, size_t in_pixel) {
      const float* grad = d_out + out_pixel * g.out_c;
      const float* x = in + in_pixel * g.in_c;
      float* dst = d_weights + static_cast<size_t>(tap) * g.out_c;
      if (multiplier == 1) {
        for (size_t c = c0; c < c1; ++c) dst[c] += grad[c] * x[c];
        return;
      }
      for (size_t c = c0; c < c1; ++c)
        for (int m = 0; m < multiplier; ++m) dst[c * multiplier + m] += grad[c * multiplier + m] * x[c];
    });
  });
}

}  // namespace portable

}  // namespace camlens::kernels
