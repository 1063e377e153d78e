#include "evaluate/insertion.h"

#include <cmath>
#include <vector>

#include "core/error.h"

namespace camlens::evaluate {

namespace {

// SciPy's "reflect" boundary (d c b a | a b c d | d c b a) for an axis of `size` samples.
int reflected(int index, int size) {
  const int period = 2 * size;
  int m = ((index % period) + period) % period;
  return m < size ? m : period - 1 - m;
}

// One pass along rows (vertical: along columns) with zero padding.
void correlate_axis(Tensor& out, const Tensor& in, const std::vector<double>& kernel, bool vertical) {
  const Shape& s = in.shape();
  const int radius = static_cast<int>(kernel.size() / 2);
  for (int n = 0; n < s.n(); ++n) {
    for (int y = 0; y < s.h(); ++y) {
      for (int x = 0; x < s.w(); ++x) {
        for (int c = 0; c < s.c(); ++c) {
          double sum = 0.0;
          for (int i = -radius; i <= radius; ++i) {
            const int sy = vertical ? y + i : y, sx = vertical ? x : x + i;
            if (sy < 0 || sy >= s.h() || sx < 0 || sx >= s.w()) continue;
            sum += kernel[i + radius] * in.at(n, sy, sx, c);
          }
          out.at(n, y, x, c) = static_cast<float>(sum);
        }
      }
    }
  }
}

}  // namespace

std::vector<double> rise_kernel(int taps, double sigma) {
  if (taps < 1 || taps % 2 == 0 || taps > 255) fail("evaluate: the blur needs an odd number of taps from 1 to 255, got ", taps);
  if (!(sigma > 0.0 && sigma <= 64.0)) fail("evaluate: the blur's sigma must be above 0 and at most 64 pixels, got ", sigma);
  const int radius = static_cast<int>(4.0 * sigma + 0.5);  // SciPy's truncate = 4
  std::vector<double> weights(2 * radius + 1);
  double total = 0.0;
  for (int t = -radius; t <= radius; ++t) total += weights[t + radius] = std::exp(-0.5 * t * t / (sigma * sigma));
  std::vector<double> kernel(taps, 0.0);
  // The impulse at the centre, filtered: output i gathers every tap t whose reflected source i + t is the centre.
  for (int i = 0; i < taps; ++i) {
    for (int t = -radius; t <= radius; ++t) {
      if (reflected(i + t, taps) == taps / 2) kernel[i] += weights[t + radius] / total;
    }
  }
  return kernel;
}

Tensor rise_blur(const Tensor& input, int taps, double sigma) {
  if (input.shape().rank() != 4) fail("evaluate: rise_blur needs an NHWC tensor, got ", input.shape().str());
  const std::vector<double> kernel = rise_kernel(taps, sigma);
  Tensor rows(input.shape()), out(input.shape());
  correlate_axis(rows, input, kernel, /*vertical=*/false);
  correlate_axis(out, rows, kernel, /*vertical=*/true);
  return out;
}

PixelCurve insertion_curve(VariantScorer& scorer, const explain::Map& map, const CurveOptions& options) {
  const Tensor& input = scorer.input();
  check_map_fits(map, input, "insertion");
  const Tensor blurred = rise_blur(input, options.blur_taps, options.blur_sigma);
  return replacement_curve(scorer, blurred, input, rank_pixels(map), curve_step(options, input), "insertion");
}

}  // namespace camlens::evaluate
