// EigenCAM (Muhammad & Yeasin 2020): the activations reshaped to M (HW x C) projected on their
// first right singular vector v: map = M v, i.e. channel weights v. Class-agnostic and
// gradient-free. As in the paper, M is not mean-centred (pytorch-grad-cam centres it, which
// together with the ReLU of post-processing drops every below-average pixel).
//
// v is the top eigenvector of the Gram matrix G = M^T M (C x C, in double), found by power
// iteration from s = M^T 1 (the channel sums), which for non-negative activations already points
// near it. That start also fixes the singular vector's arbitrary sign so that the map sums to >= 0:
// the map's sum is v . s, and v is G^t s scaled, with s^T G^t s >= 0 since G is positive semidefinite.
#include "explain/methods/methods.h"

#include <cmath>

namespace camlens::explain {

namespace {

constexpr int kMaxIterations = 2000;
constexpr double kTolerance = 1e-12;  // on the squared change of the unit vector

double normalize(std::vector<double>& v) {
  double norm = 0.0;
  for (double x : v) norm += x * x;
  norm = std::sqrt(norm);
  if (norm > 0.0) {
    for (double& x : v) x /= norm;
  }
  return norm;
}

class EigenCam final : public ChannelWeightMethod {
 public:
  std::string_view name() const override { return "eigen-cam"; }
  Requirements requirements() const override { return {}; }

 protected:
  std::vector<float> channel_weights(ExplainContext& context) override {
    const Tensor& acts = context.activations();
    const int channels = acts.shape().c();
    const size_t pixels = acts.size() / channels;

    std::vector<double> gram(static_cast<size_t>(channels) * channels, 0.0), v(channels, 0.0);
    for (size_t p = 0; p < pixels; ++p) {
      const float* row = acts.data() + p * channels;
      for (int i = 0; i < channels; ++i) {
        v[i] += row[i];
        for (int j = 0; j <= i; ++j) gram[static_cast<size_t>(i) * channels + j] += static_cast<double>(row[i]) * row[j];
      }
    }
    for (int i = 0; i < channels; ++i) {
      for (int j = 0; j < i; ++j) gram[static_cast<size_t>(j) * channels + i] = gram[static_cast<size_t>(i) * channels + j];
    }
    if (normalize(v) == 0.0) v.assign(channels, 1.0 / std::sqrt(static_cast<double>(channels)));

    std::vector<double> next(channels);
    for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
      for (int i = 0; i < channels; ++i) {
        double sum = 0.0;
        for (int j = 0; j < channels; ++j) sum += gram[static_cast<size_t>(i) * channels + j] * v[j];
        next[i] = sum;
      }
      if (normalize(next) == 0.0) break;  // all activations are zero: any direction gives a zero map
      double change = 0.0;
      for (int i = 0; i < channels; ++i) change += (next[i] - v[i]) * (next[i] - v[i]);
      v.swap(next);
      if (change < kTolerance) break;
    }
    return {v.begin(), v.end()};
  }
};

}  // namespace

std::unique_ptr<Method> make_eigen_cam() { return std::make_unique<EigenCam>(); }

}  // namespace camlens::explain
