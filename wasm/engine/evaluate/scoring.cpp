#include "evaluate/scoring.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.h"
#include "explain/variants.h"
#include "layers/softmax.h"

namespace camlens::evaluate {

std::vector<double> class_probabilities(Model& model, const Tensor& batch, int target_class) {
  std::vector<std::string> keep{model.logits};
  if (!model.probabilities.empty()) keep.push_back(model.probabilities);
  model.graph.forward(batch, {.keep = std::move(keep)});
  const Tensor& logits = model.graph.activation(model.logits);
  Tensor softmax;
  const Tensor* probabilities = &logits;
  if (model.probabilities.empty()) {
    softmax = Tensor(logits.shape());
    softmax_forward(softmax, logits);
    probabilities = &softmax;
  } else {
    probabilities = &model.graph.activation(model.probabilities);
  }
  const int classes = probabilities->shape().c();
  if (target_class < 0 || target_class >= classes) {
    fail("evaluate: class ", target_class, " is out of range: the model has ", classes, " classes");
  }
  std::vector<double> result(probabilities->shape().n());
  for (size_t item = 0; item < result.size(); ++item) result[item] = (*probabilities)[item * classes + target_class];
  return result;
}

VariantScorer::VariantScorer(Model& model, const Tensor& input, int target_class, int batch_size,
                             explain::ProgressCallback progress)
    : model_(model),
      input_(input),
      target_class_(target_class),
      batch_size_(explain::variant_batch_size(model, batch_size)),
      progress_(std::move(progress)) {
  if (input.shape().rank() != 4 || input.shape().n() != 1) {
    fail("evaluate: the metrics take one image [1, H, W, C], got ", input.shape().str());
  }
}

std::vector<double> VariantScorer::score(int count, const std::function<void(int, std::span<float>)>& fill,
                                         std::string_view stage) {
  std::vector<double> scores;
  scores.reserve(count);
  explain::for_each_variant_batch(input_, count, batch_size_, fill, [&](int first, const Tensor& batch) {
    for (double p : class_probabilities(model_, batch, target_class_)) scores.push_back(p);
    ++forward_passes_;
    const int done = first + batch.shape().n();
    if (progress_ && !progress_(explain::Progress{stage, static_cast<double>(done) / count})) {
      throw explain::Cancelled("evaluate: cancelled by the progress callback during " + std::string(stage));
    }
  });
  return scores;
}

double VariantScorer::input_score() {
  if (input_score_ < 0.0) {
    input_score_ = class_probabilities(model_, input_, target_class_).front();
    ++forward_passes_;
  }
  return input_score_;
}

std::vector<int> rank_pixels(const explain::Map& map) {
  std::vector<int> order(map.values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return map.values[a] > map.values[b]; });
  return order;
}

std::vector<int> step_schedule(int pixels, int step) {
  if (pixels < 1 || step < 1) fail("evaluate: a curve needs at least one pixel and one pixel per step, got ", pixels, " and ", step);
  std::vector<int> changed{0};
  while (changed.back() < pixels) changed.push_back(std::min(changed.back() + step, pixels));
  return changed;
}

double curve_auc(std::span<const double> curve) {
  if (curve.size() < 2) fail("evaluate: the area under a curve needs at least 2 points, got ", curve.size());
  const double sum = std::accumulate(curve.begin(), curve.end(), 0.0);
  return (sum - curve.front() / 2 - curve.back() / 2) / static_cast<double>(curve.size() - 1);
}

PixelCurve replacement_curve(VariantScorer& scorer, const Tensor& start, const Tensor& finish,
                             std::span<const int> ranking, int step, std::string_view stage) {
  const Shape& in = scorer.input().shape();
  if (start.shape() != in || finish.shape() != in) {
    fail("evaluate: a curve's start ", start.shape().str(), " and finish ", finish.shape().str(),
         " must have the input's shape ", in.str());
  }
  const int pixels = in.h() * in.w();
  if (static_cast<int>(ranking.size()) != pixels) fail("evaluate: the ranking has ", ranking.size(), " pixels, the input ", pixels);
  PixelCurve curve;
  curve.step = step;
  curve.changed = step_schedule(pixels, step);
  const int channels = in.c();
  curve.scores = scorer.score(
      static_cast<int>(curve.changed.size()),
      [&](int point, std::span<float> item) {
        std::copy(start.values().begin(), start.values().end(), item.begin());
        for (int r = 0; r < curve.changed[point]; ++r) {
          const size_t at = static_cast<size_t>(ranking[r]) * channels;
          std::copy_n(finish.data() + at, channels, item.data() + at);
        }
      },
      stage);
  curve.auc = curve_auc(curve.scores);
  return curve;
}

void check_map_fits(const explain::Map& map, const Tensor& input, std::string_view metric) {
  if (input.shape().rank() != 4 || input.shape().n() != 1) {
    fail("evaluate: ", metric, " takes one image [1, H, W, C], got ", input.shape().str());
  }
  if (map.height != input.shape().h() || map.width != input.shape().w()) {
    fail("evaluate: ", metric, " needs the map at the input's size ", input.shape().h(), " x ", input.shape().w(),
         ", got ", map.height, " x ", map.width, "; upsample it as the explanation pipeline does (explain::postprocess)");
  }
}

}  // namespace camlens::evaluate
