// Occlusion sensitivity (Zeiler & Fergus 2014): how much the target's probability drops when a
// patch of the input is covered. Gradient-free: one forward pass for the input, then one per patch
// position, in batches (ExplainOptions::batch_size) with progress between them. A patch changes
// only what its region reaches, so each layer computes only that part again (RegionForward).
#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include "core/error.h"
#include "explain/input_space.h"
#include "explain/methods/methods.h"
#include "explain/methods/pixel_methods.h"
#include "explain/variants.h"
#include "io/model.h"
#include "layers/softmax.h"

namespace camlens::explain {

namespace {

// Where patches start along one axis: every `stride` from 0, then one flush with the far edge.
std::vector<int> patch_starts(int side, int patch, int stride) {
  std::vector<int> starts;
  for (int start = 0; start + patch <= side; start += stride) starts.push_back(start);
  if (starts.back() + patch < side) starts.push_back(side - patch);
  return starts;
}

// Softmax of `logits` [N, classes], class `target`, item by item.
std::vector<double> target_probabilities(const Tensor& logits, int target) {
  Tensor probabilities(logits.shape());
  softmax_forward(probabilities, logits);
  const int classes = logits.shape().c();
  std::vector<double> result(logits.shape().n());
  for (size_t item = 0; item < result.size(); ++item) result[item] = probabilities[item * classes + target];
  return result;
}

class Occlusion final : public Method {
 public:
  explicit Occlusion(const OcclusionOptions& options) : options_(options) {
    if (options.patch < 0 || options.stride < 0) {
      fail("occlusion: patch and stride must be positive (0: the default), got patch ", options.patch, ", stride ",
           options.stride);
    }
  }
  std::string_view name() const override { return "occlusion"; }
  Requirements requirements() const override { return {.layer = false}; }

  MethodMap compute(ExplainContext& context) override {
    const Tensor& input = context.input();
    const Shape& in = input.shape();
    const int patch_h = patch_side(in.h()), patch_w = patch_side(in.w());
    if (patch_h > in.h() || patch_w > in.w()) {
      fail("occlusion: the patch (", options_.patch, " pixels) is larger than the ", in.h(), " x ", in.w(),
           " input; pass a patch of at most ", std::min(in.h(), in.w()));
    }
    const int stride_h = options_.stride > 0 ? options_.stride : std::max(1, patch_h / 2);
    const int stride_w = options_.stride > 0 ? options_.stride : std::max(1, patch_w / 2);
    std::vector<Region> patches;
    for (int y : patch_starts(in.h(), patch_h, stride_h)) {
      for (int x : patch_starts(in.w(), patch_w, stride_w)) patches.push_back({y, x, y + patch_h, x + patch_w});
    }
    const Tensor fill = fill_pixel(context);
    const int target = context.target_class();
    // The input itself, as a region pass that changes nothing: it keeps the activations the
    // patches' passes reuse.
    const Region nothing{};
    const double unoccluded =
        target_probabilities(context.forward_logits_changed(input, std::span(&nothing, 1)), target).front();

    Map drop_sums(in.h(), in.w()), covering(in.h(), in.w());
    const int channels = in.c();
    const int total = static_cast<int>(patches.size());
    const auto occlude = [&](int index, std::span<float> image) {
      const Region& p = patches[index];
      for (int y = p.top; y < p.bottom; ++y) {
        for (int x = p.left; x < p.right; ++x) {
          float* pixel = image.data() + (static_cast<size_t>(y) * in.w() + x) * channels;
          std::copy(fill.data(), fill.data() + channels, pixel);
        }
      }
    };
    for_each_variant_batch(input, total, context.batch_size(), occlude, [&](int first, const Tensor& batch) {
      const int count = batch.shape().n();
      const std::span<const Region> covered(patches.data() + first, count);
      const std::vector<double> occluded =
          target_probabilities(context.forward_logits_changed(batch, covered), target);
      for (int item = 0; item < count; ++item) {
        const Region& p = patches[first + item];
        const float drop = static_cast<float>(unoccluded - occluded[item]);
        for (int y = p.top; y < p.bottom; ++y) {
          for (int x = p.left; x < p.right; ++x) {
            drop_sums.at(y, x) += drop;
            covering.at(y, x) += 1.0f;
          }
        }
      }
      context.report_progress("occlusion patches " + std::to_string(first + count) + "/" + std::to_string(total),
                              static_cast<double>(first + count) / total);
    });
    MethodMap result{std::move(drop_sums), {}};
    for (size_t p = 0; p < result.raw.values.size(); ++p) result.raw.values[p] /= covering.values[p];
    return result;
  }

 private:
  int patch_side(int side) const {
    return options_.patch > 0 ? options_.patch : std::max(1, static_cast<int>(std::lround(side / 8.0)));
  }

  // One pixel [1, 1, 1, C] of the fill value.
  Tensor fill_pixel(const ExplainContext& context) const {
    const Shape pixel = Shape::nhwc(1, 1, 1, context.input().shape().c());
    if (!options_.fill) return constant_level(context.model().metadata, pixel, 0.5f);
    Tensor fill(pixel);
    fill.fill(*options_.fill);
    return fill;
  }

  OcclusionOptions options_;
};

}  // namespace

std::unique_ptr<Method> make_occlusion(const OcclusionOptions& options) { return std::make_unique<Occlusion>(options); }
std::unique_ptr<Method> make_occlusion() { return make_occlusion(OcclusionOptions{}); }

}  // namespace camlens::explain
