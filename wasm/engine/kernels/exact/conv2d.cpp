// Convolutions with exact sums: each output's products are added in double precision and the
// total is rounded to float32 once, so an output is the exact value up to one float32 rounding
// (see kernels::use_exact_sums). Weights stay in their HWIO layout, which reads as a
// (taps * in_c) x out_c matrix: one input value times one weights row updates every output channel.
#include <cstddef>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

namespace {

// Calls tap(ky, kx, iy, ix) for each kernel tap of output (oy, ox) that reads a real input pixel.
template <typename Tap>
void for_each_real_tap(const ConvGeometry& g, int oy, int ox, Tap tap) {
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = oy * g.stride_h - g.pad.top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = ox * g.stride_w - g.pad.left + kx * g.dilation_w;
      if (ix >= 0 && ix < g.in_w) tap(ky, kx, iy, ix);
    }
  }
}

// One output row (n, oy): every column and channel, sums held in `sums` (out_c doubles).
void convolve_row(float* out, const float* in, const float* weights, const float* bias, const ConvGeometry& g,
                  int n, int oy, std::vector<double>& sums) {
  const int multiplier = g.depthwise ? g.multiplier() : 1;
  for (int ox = 0; ox < g.out_w; ++ox) {
    for (int oc = 0; oc < g.out_c; ++oc) sums[oc] = bias != nullptr ? bias[oc] : 0.0;
    for_each_real_tap(g, oy, ox, [&](int ky, int kx, int iy, int ix) {
      const float* pixel = in + ((static_cast<size_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c;
      const size_t tap = static_cast<size_t>(ky) * g.kernel_w + kx;
      if (g.depthwise) {
        const float* row = weights + tap * g.out_c;  // [kh, kw, in_c, multiplier]
        for (int oc = 0; oc < g.out_c; ++oc) sums[oc] += static_cast<double>(pixel[oc / multiplier]) * row[oc];
        return;
      }
      for (int ic = 0; ic < g.in_c; ++ic) {
        const double x = pixel[ic];
        const float* row = weights + (tap * g.in_c + ic) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) sums[oc] += x * row[oc];
      }
    });
    float* target = out + ((static_cast<size_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c;
    for (int oc = 0; oc < g.out_c; ++oc) target[oc] = activate(static_cast<float>(sums[oc]), g.activation);
  }
}

}  // namespace

void conv2d_forward_exact(float* out, const float* in, const float* weights, const float* bias,
                          const ConvGeometry& g) {
  const size_t rows = static_cast<size_t>(g.batch) * g.out_h;
  parallel_for(rows, [&](size_t row) {
    std::vector<double> sums(g.out_c);
    convolve_row(out, in, weights, bias, g, static_cast<int>(row / g.out_h), static_cast<int>(row % g.out_h), sums);
  });
}

}  // namespace camlens::kernels
