// Score-CAM (Wang et al. 2020), as pytorch-grad-cam: each channel of the layer, upsampled to the
// input size (bilinear, align_corners as PyTorch's UpsamplingBilinear2d) and min-max normalised
// ((m - min) / (max - min + 1e-8)), masks the input; the target's logit on each masked input is
// the channel's score; the weights are the softmax of the scores. Gradient-free, one extra forward
// pass per channel, run in batches (ExplainOptions::batch_size) with progress between batches.
#include "explain/methods/methods.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "explain/map.h"
#include "explain/variants.h"

namespace camlens::explain {

namespace {

// Channel k of activations [1, h, w, C], upsampled to `size` and scaled to [0, 1].
Map channel_mask(const Tensor& acts, int k, MapSize size) {
  const int channels = acts.shape().c();
  Map channel(acts.shape().h(), acts.shape().w());
  for (size_t p = 0; p < channel.values.size(); ++p) channel.values[p] = acts[p * channels + k];
  Map mask = resize_bilinear(channel, size, PixelCentres::align_corners);
  const auto [lo, hi] = std::minmax_element(mask.values.begin(), mask.values.end());
  const float low = *lo, range = *hi - *lo + 1e-8f;
  for (float& m : mask.values) m = (m - low) / range;
  return mask;
}

class ScoreCam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "score-cam"; }
  Requirements requirements() const override { return {}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const Shape& in = context.input().shape();
    const int channels = acts.shape().c();
    const int in_channels = in.c();

    std::vector<double> scores(channels);
    for_each_variant_batch(
        context.input(), channels, context.batch_size(),
        [&](int k, std::span<float> item) {
          const Map mask = channel_mask(acts, k, {in.h(), in.w()});
          for (size_t p = 0; p < mask.values.size(); ++p) {
            for (int c = 0; c < in_channels; ++c) item[p * in_channels + c] *= mask.values[p];
          }
        },
        [&](int first, const Tensor& batch) {
          const Tensor& logits = context.forward_logits(batch);
          const int classes = logits.shape().c(), count = batch.shape().n();
          for (int b = 0; b < count; ++b) {
            scores[first + b] = logits[static_cast<size_t>(b) * classes + context.target_class()];
          }
          context.report_progress("score-cam masks " + std::to_string(first + count) + "/" + std::to_string(channels),
                                  static_cast<double>(first + count) / channels);
        });

    const double largest = *std::max_element(scores.begin(), scores.end());
    double total = 0.0;
    for (double& s : scores) total += s = std::exp(s - largest);
    std::vector<float> weights(channels);
    for (int k = 0; k < channels; ++k) weights[k] = static_cast<float>(scores[k] / total);
    return weights;
  }
};

}  // namespace

std::unique_ptr<Method> make_score_cam() { return std::make_unique<ScoreCam>(); }

}  // namespace camlens::explain
