#include "evaluate/deletion.h"

#include "core/error.h"

namespace camlens::evaluate {

int curve_step(const CurveOptions& options, const Tensor& input) {
  if (options.step < 0) fail("evaluate: the curve's step must be a positive number of pixels (0: the input's width), got ", options.step);
  return options.step > 0 ? options.step : input.shape().w();
}

PixelCurve deletion_curve(VariantScorer& scorer, const explain::Map& map, const CurveOptions& options) {
  const Tensor& input = scorer.input();
  check_map_fits(map, input, "deletion");
  Tensor removed(input.shape());
  removed.fill(static_cast<float>(options.deletion_value));
  return replacement_curve(scorer, input, removed, rank_pixels(map), curve_step(options, input), "deletion");
}

}  // namespace camlens::evaluate
