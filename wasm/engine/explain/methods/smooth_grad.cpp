// SmoothGrad (Smilkov et al. 2017): saliency averaged over noisy copies of the input. The noise is
// drawn sample by sample from a seeded generator, so the map depends on the seed only, not on the
// batch size; the samples' gradients come from batched passes (ExplainOptions::batch_size).
#include <algorithm>
#include <string>

#include "core/error.h"
#include "explain/input_space.h"
#include "explain/methods/methods.h"
#include "explain/methods/pixel_methods.h"
#include "explain/variants.h"

namespace camlens::explain {

namespace {

class SmoothGrad final : public Method {
 public:
  explicit SmoothGrad(const SmoothGradOptions& options) : options_(options) {
    if (options.samples < 1) fail("smooth-grad: SmoothGradOptions::samples must be at least 1, got ", options.samples);
    if (!(options.noise_fraction >= 0.0f)) {
      fail("smooth-grad: SmoothGradOptions::noise_fraction must be >= 0, got ", options.noise_fraction);
    }
  }
  std::string_view name() const override { return "smooth-grad"; }
  Requirements requirements() const override { return {.layer = false}; }

  MethodMap compute(ExplainContext& context) override {
    const Tensor& input = context.input();
    const Shape& in = input.shape();
    const float sigma = options_.noise_fraction * value_range(input);
    NormalNoise noise(options_.seed);  // drawn in variant order, so batching does not change the samples

    std::vector<double> sums(static_cast<size_t>(in.h()) * in.w(), 0.0);
    for_each_variant_batch(
        input, options_.samples, context.batch_size(),
        [&](int, std::span<float> item) {
          for (float& value : item) value += sigma * noise.next();
        },
        [&](int first, const Tensor& batch) {
          const Tensor& grads = context.input_gradients(batch);
          const int count = batch.shape().n();
          for (int item = 0; item < count; ++item) {
            const Map saliency = channel_max_abs(grads, item);
            for (size_t p = 0; p < sums.size(); ++p) sums[p] += saliency.values[p];
          }
          context.report_progress(
              "smooth-grad samples " + std::to_string(first + count) + "/" + std::to_string(options_.samples),
              static_cast<double>(first + count) / options_.samples);
        });
    MethodMap result{Map(in.h(), in.w()), {}};
    for (size_t p = 0; p < sums.size(); ++p) result.raw.values[p] = static_cast<float>(sums[p] / options_.samples);
    return result;
  }

 private:
  SmoothGradOptions options_;
};

}  // namespace

std::unique_ptr<Method> make_smooth_grad(const SmoothGradOptions& options) { return std::make_unique<SmoothGrad>(options); }
std::unique_ptr<Method> make_smooth_grad() { return make_smooth_grad(SmoothGradOptions{}); }

}  // namespace camlens::explain
