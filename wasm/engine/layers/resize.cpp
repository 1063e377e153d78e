#include "layers/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/window.h"

namespace camlens {

namespace {

// Where output index o reads along one axis: between `lo` and `hi`, `frac` of the way to `hi`
// (nearest: lo == hi, frac 0).
struct Tap {
  int lo, hi;
  double frac;
};

// The taps of one axis, computed in double as TensorFlow.js computes them (JavaScript numbers).
std::vector<Tap> axis_taps(int in_size, int out_size, const ResizeParams& p) {
  const bool aligned = p.align_corners && out_size > 1;
  const double scale = static_cast<double>(aligned ? in_size - 1 : in_size) / (aligned ? out_size - 1 : out_size);
  std::vector<Tap> taps(static_cast<size_t>(out_size));
  for (int o = 0; o < out_size; ++o) {
    if (p.method == ResizeMethod::nearest) {
      const double source = p.half_pixel_centers ? scale * (o + 0.5) : scale * o;
      int nearest = std::min(in_size - 1, static_cast<int>(p.align_corners ? std::round(source) : std::floor(source)));
      if (p.half_pixel_centers) nearest = std::max(0, nearest);
      taps[o] = {nearest, nearest, 0.0};
      continue;
    }
    const double source = p.half_pixel_centers ? scale * (o + 0.5) - 0.5 : scale * o;
    // A source left of the first centre clamps lo and hi alike, so its (negative) frac weighs nothing.
    const int lo = std::max(0, static_cast<int>(std::floor(source)));
    const int hi = std::min(in_size - 1, static_cast<int>(std::ceil(source)));
    taps[o] = {lo, hi, source - lo};
  }
  return taps;
}

// Calls visit(out_offset, {the four input offsets}, {their four weights}) for every output pixel;
// the weights follow TensorFlow.js's order of interpolation, top and bottom rows first.
template <typename VisitFn>
void for_each_output(const Shape& in, const Shape& out, const ResizeParams& p, VisitFn visit) {
  const std::vector<Tap> rows = axis_taps(in.h(), out.h(), p), cols = axis_taps(in.w(), out.w(), p);
  const size_t channels = static_cast<size_t>(in.c());
  size_t out_offset = 0;
  for (int n = 0; n < out.n(); ++n) {
    for (const Tap& row : rows) {
      const size_t top = (static_cast<size_t>(n) * in.h() + row.lo) * in.w();
      const size_t bottom = (static_cast<size_t>(n) * in.h() + row.hi) * in.w();
      for (const Tap& col : cols) {
        const size_t offsets[4] = {(top + col.lo) * channels, (top + col.hi) * channels, (bottom + col.lo) * channels,
                                   (bottom + col.hi) * channels};
        visit(out_offset, offsets, row.frac, col.frac);
        out_offset += channels;
      }
    }
  }
}

}  // namespace

void resize_forward(Tensor& out, const Tensor& in, const ResizeParams& p) {
  const size_t channels = static_cast<size_t>(in.shape().c());
  const float* x = in.data();
  float* y = out.data();
  for_each_output(in.shape(), out.shape(), p, [&](size_t o, const size_t* at, double fy, double fx) {
    for (size_t c = 0; c < channels; ++c) {
      const double top = x[at[0] + c] + (double{x[at[1] + c]} - x[at[0] + c]) * fx;
      const double bottom = x[at[2] + c] + (double{x[at[3] + c]} - x[at[2] + c]) * fx;
      y[o + c] = static_cast<float>(top + (bottom - top) * fy);
    }
  });
}

void resize_backward(Tensor& d_in, const Tensor& d_out, const ResizeParams& p) {
  const size_t channels = static_cast<size_t>(d_in.shape().c());
  const float* g = d_out.data();
  float* dx = d_in.data();
  for_each_output(d_in.shape(), d_out.shape(), p, [&](size_t o, const size_t* at, double fy, double fx) {
    const double weights[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    for (int k = 0; k < 4; ++k) {
      if (weights[k] == 0.0) continue;
      const float w = static_cast<float>(weights[k]);
      for (size_t c = 0; c < channels; ++c) dx[at[k] + c] += w * g[o + c];
    }
  });
}

Resize2D::Resize2D(std::string name, const ResizeParams& params) : Layer(std::move(name)), params_(params) {
  if (params.height < 1 || params.width < 1 || std::max(params.height, params.width) > kMaxWindowExtent) {
    fail("Resize2D '", this->name(), "': the output size must be within 1..", kMaxWindowExtent, ", got ", params.height,
         "x", params.width);
  }
  if (params.align_corners && params.half_pixel_centers) {
    fail("Resize2D '", this->name(), "': align_corners and half_pixel_centers exclude each other (as in TensorFlow); "
         "set at most one");
  }
}

Shape Resize2D::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() != 4) fail("Resize2D '", name(), "' takes an NHWC rank-4 input, got ", in.str());
  return Shape::nhwc(in.n(), params_.height, params_.width, in.c());
}

void Resize2D::forward(Tensor& out, Inputs in, Phase) { resize_forward(out, *in[0], params_); }

void Resize2D::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) resize_backward(*d_in[0], d_out, params_);
}

}  // namespace camlens
