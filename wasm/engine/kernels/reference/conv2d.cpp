// Reference convolution loops: one output element (forward) or one product term (backward) at a
// time, straight from the definition. They are the specification, so clarity beats speed here.
#include <algorithm>
#include <cstddef>

#include "kernels/conv2d.h"

namespace camlens::kernels {

namespace {

size_t input_index(const ConvGeometry& g, int n, int y, int x, int c) {
  return ((static_cast<size_t>(n) * g.in_h + y) * g.in_w + x) * g.in_c + c;
}

size_t output_index(const ConvGeometry& g, int n, int y, int x, int c) {
  return ((static_cast<size_t>(n) * g.out_h + y) * g.out_w + x) * g.out_c + c;
}

// Conv2D weights [kh, kw, in_c, out_c].
size_t weights_index(const ConvGeometry& g, int ky, int kx, int ic, int oc) {
  return ((static_cast<size_t>(ky) * g.kernel_w + kx) * g.in_c + ic) * g.out_c + oc;
}

// Depthwise weights [kh, kw, in_c, multiplier] flattens to [kh, kw, out_c]: output channel
// c * multiplier + m sits at the same offset as weights element (c, m).
size_t depthwise_weights_index(const ConvGeometry& g, int ky, int kx, int oc) {
  return (static_cast<size_t>(ky) * g.kernel_w + kx) * g.out_c + oc;
}

// The input row/column a kernel tap reads for an output position (may fall in the padding).
int input_y(const ConvGeometry& g, int oy, int ky) { return oy * g.stride_h - g.pad.top + ky * g.dilation_h; }
int input_x(const ConvGeometry& g, int ox, int kx) { return ox * g.stride_w - g.pad.left + kx * g.dilation_w; }
bool inside(const ConvGeometry& g, int y, int x) { return y >= 0 && y < g.in_h && x >= 0 && x < g.in_w; }

// Calls visit(n, oy, ox, ky, kx, iy, ix) for every output position and every kernel tap that
// reads a real (non-padding) input pixel.
template <typename Visit>
void for_each_tap(const ConvGeometry& g, Visit visit) {
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int ky = 0; ky < g.kernel_h; ++ky)
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            int iy = input_y(g, oy, ky), ix = input_x(g, ox, kx);
            if (inside(g, iy, ix)) visit(n, oy, ox, ky, kx, iy, ix);
          }
}

void start_with_bias(float* out, const float* bias, const ConvGeometry& g) {
  size_t pixels = static_cast<size_t>(g.batch) * g.out_h * g.out_w;
  for (size_t p = 0; p < pixels; ++p)
    for (int oc = 0; oc < g.out_c; ++oc) out[p * g.out_c + oc] = bias ? bias[oc] : 0.0f;
}

void apply_activation(float* out, const ConvGeometry& g) {
  size_t count = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
  for (size_t i = 0; i < count; ++i) out[i] = activate(out[i], g.activation);
}

void accumulate_bias_grad(float* d_bias, const float* d_out, const ConvGeometry& g) {
  if (d_bias == nullptr) return;
  size_t pixels = static_cast<size_t>(g.batch) * g.out_h * g.out_w;
  for (size_t p = 0; p < pixels; ++p)
    for (int oc = 0; oc < g.out_c; ++oc) d_bias[oc] += d_out[p * g.out_c + oc];
}

}  // namespace

void conv2d_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                              const ConvGeometry& g) {
  start_with_bias(out, bias, g);
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      for (int ic = 0; ic < g.in_c; ++ic)
        out[output_index(g, n, oy, ox, oc)] += in[input_index(g, n, iy, ix, ic)] * weights[weights_index(g, ky, kx, ic, oc)];
  });
  apply_activation(out, g);
}

void conv2d_backward_input_reference(float* d_in, const float* d_out, const float* weights, const ConvGeometry& g) {
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      for (int ic = 0; ic < g.in_c; ++ic)
        d_in[input_index(g, n, iy, ix, ic)] += d_out[output_index(g, n, oy, ox, oc)] * weights[weights_index(g, ky, kx, ic, oc)];
  });
}

void conv2d_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out, const float* in,
                                      const ConvGeometry& g) {
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      for (int ic = 0; ic < g.in_c; ++ic)
        d_weights[weights_index(g, ky, kx, ic, oc)] += d_out[output_index(g, n, oy, ox, oc)] * in[input_index(g, n, iy, ix, ic)];
  });
  accumulate_bias_grad(d_bias, d_out, g);
}

void depthwise_conv2d_forward_reference(float* out, const float* in, const float* weights, const float* bias,
                                        const ConvGeometry& g) {
  int multiplier = g.multiplier();
  start_with_bias(out, bias, g);
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      out[output_index(g, n, oy, ox, oc)] += in[input_index(g, n, iy, ix, oc / multiplier)] * weights[depthwise_weights_index(g, ky, kx, oc)];
  });
  apply_activation(out, g);
}

void depthwise_conv2d_backward_input_reference(float* d_in, const float* d_out, const float* weights,
                                               const ConvGeometry& g) {
  int multiplier = g.multiplier();
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      d_in[input_index(g, n, iy, ix, oc / multiplier)] += d_out[output_index(g, n, oy, ox, oc)] * weights[depthwise_weights_index(g, ky, kx, oc)];
  });
}

void depthwise_conv2d_backward_weights_reference(float* d_weights, float* d_bias, const float* d_out,
                                                const float* in, const ConvGeometry& g) {
  int multiplier = g.multiplier();
  for_each_tap(g, [&](int n, int oy, int ox, int ky, int kx, int iy, int ix) {
    for (int oc = 0; oc < g.out_c; ++oc)
      d_weights[depthwise_weights_index(g, ky, kx, oc)] += d_out[output_index(g, n, oy, ox, oc)] * in[input_index(g, n, iy, ix, oc / multiplier)];
  });
  accumulate_bias_grad(d_bias, d_out, g);
}

}  // namespace camlens::kernels
