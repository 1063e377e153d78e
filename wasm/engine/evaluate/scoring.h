#pragma once
// What every faithfulness metric shares: the pixels of a map ranked, the probability of the
// explained class on many variants of one input (run through the model in batches), the curve of
// those probabilities as pixels change step by step, and the area under it.
//
// Metrics work in the model's input tensor (after preprocessing) with the map at the input's size,
// as the explanation pipeline upsamples it (explain/pipeline.h).
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "explain/map.h"
#include "explain/method.h"
#include "io/model.h"

namespace camlens::evaluate {

// The softmax probability of one class on variants of one input ([1, H, W, C]).
class VariantScorer {
 public:
  // batch_size: variants per forward pass (0: chosen from the model, explain::variant_batch_size).
  // progress: called after each batch with the stage and the share of the current stage done;
  // returning false cancels (explain::Cancelled).
  VariantScorer(Model& model, const Tensor& input, int target_class, int batch_size,
                explain::ProgressCallback progress = {});

  const Tensor& input() const { return input_; }
  Model& model() const { return model_; }
  int target_class() const { return target_class_; }
  // The class's probability on `count` variants; fill(i, item) writes variant i into `item`, which
  // holds the input's values on entry.
  std::vector<double> score(int count, const std::function<void(int, std::span<float>)>& fill, std::string_view stage);
  // The class's probability on the input itself (one pass, then remembered).
  double input_score();
  int forward_passes() const { return forward_passes_; }

 private:
  Model& model_;
  const Tensor& input_;
  int target_class_;
  int batch_size_;
  explain::ProgressCallback progress_;
  int forward_passes_ = 0;
  double input_score_ = -1.0;
};

// The class's probability for each item of `batch` after one forward pass: the model's own Softmax
// when it has one, else the softmax of its logits (as explain/predict.h reads a prediction).
std::vector<double> class_probabilities(Model& model, const Tensor& batch, int target_class);

// Every pixel index (y * width + x) of `map`, highest value first; equal values keep the lower index first.
std::vector<int> rank_pixels(const explain::Map& map);

// How many pixels have changed at each point of a curve that changes `step` pixels per step until
// all `pixels` have: 0, step, 2 step, ..., pixels (the last step may be shorter).
std::vector<int> step_schedule(int pixels, int step);

// The area under a curve of n >= 2 points spaced evenly on [0, 1] by the trapezoidal rule:
// (sum - first / 2 - last / 2) / (n - 1).
double curve_auc(std::span<const double> curve);

// A probability curve as pixels of `start` ([1, H, W, C]) are replaced by those of `finish`, all
// channels of a pixel together, in `ranking` order, `step` pixels per step.
struct PixelCurve {
  int step = 0;
  std::vector<int> changed;     // pixels changed at each point (step_schedule)
  std::vector<double> scores;   // the class's probability at each point
  double auc = 0.0;
};
PixelCurve replacement_curve(VariantScorer& scorer, const Tensor& start, const Tensor& finish,
                             std::span<const int> ranking, int step, std::string_view stage);

// Throws an Error unless `map` has the input's height and width and the input is one image [1, H, W, C].
void check_map_fits(const explain::Map& map, const Tensor& input, std::string_view metric);

}  // namespace camlens::evaluate
