#include "kernel_cases.h"

#include <memory>
#include <random>

#include "core/tensor.h"
#include "kernels/backend.h"

namespace camlens::bench {

namespace {

kernels::ConvGeometry conv(int in_hw, int in_c, int out_c, int k, int stride, bool same, bool depthwise,
                           Activation act) {
  Window2D window;
  window.kernel_h = window.kernel_w = k;
  window.stride_h = window.stride_w = stride;
  window.padding_mode = same ? PaddingMode::same : PaddingMode::valid;
  kernels::ConvGeometry g;
  g.in_h = g.in_w = in_hw;
  g.in_c = in_c;
  g.out_c = out_c;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.out_h = window.out_h(in_hw);
  g.out_w = window.out_w(in_hw);
  g.pad = window.pads(in_hw, in_hw);
  g.activation = act;
  g.depthwise = depthwise;
  return g;
}

KernelCase conv_case(std::string name, kernels::ConvGeometry g) {
  return {std::move(name), g.depthwise ? KernelCase::Kind::depthwise : KernelCase::Kind::conv, g, {}};
}

KernelCase max_pool_case(std::string name, int in_hw, int channels) {
  Window2D window = Window2D::square(3, 2, PaddingMode::same);
  kernels::PoolGeometry p;
  p.in_h = p.in_w = in_hw;
  p.channels = channels;
  p.window_h = p.window_w = 3;
  p.stride_h = p.stride_w = 2;
  p.out_h = window.out_h(in_hw);
  p.out_w = window.out_w(in_hw);
  p.pad = window.pads(in_hw, in_hw);
  return {std::move(name), KernelCase::Kind::max_pool, {}, p};
}

Tensor random_values(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(Shape{static_cast<int>(count)});
  for (float& v : t.values()) v = dist(rng);
  return t;
}

}  // namespace

double KernelCase::mflop() const {
  if (kind == Kind::max_pool) {
    return 1e-6 * pool.out_h * pool.out_w * pool.channels * pool.window_h * pool.window_w;
  }
  double taps = static_cast<double>(conv.kernel_h) * conv.kernel_w * (kind == Kind::depthwise ? 1 : conv.in_c);
  return 2e-6 * conv.out_h * conv.out_w * conv.out_c * taps;
}

std::vector<KernelCase> emotion_model_cases() {
  const auto none = Activation::none, relu = Activation::relu;
  return {
      conv_case("conv 3x3 1->32 s2 valid, 64x64", conv(64, 1, 32, 3, 2, false, false, relu)),
      conv_case("conv 3x3 32->64 valid, 31x31", conv(31, 32, 64, 3, 1, false, false, relu)),
      conv_case("depthwise 3x3 same, 29x29x64", conv(29, 64, 64, 3, 1, true, true, none)),
      conv_case("conv 1x1 64->128, 29x29", conv(29, 64, 128, 1, 1, true, false, relu)),
      conv_case("depthwise 3x3 same, 29x29x128", conv(29, 128, 128, 3, 1, true, true, none)),
      conv_case("conv 1x1 128->128, 29x29", conv(29, 128, 128, 1, 1, true, false, none)),
      max_pool_case("maxpool 3x3 s2 same, 29x29x128", 29, 128),
      conv_case("conv 1x1 64->128 s2, 29x29", conv(29, 64, 128, 1, 2, true, false, none)),
      conv_case("depthwise 3x3 same, 15x15x128", conv(15, 128, 128, 3, 1, true, true, none)),
      conv_case("conv 1x1 128->256, 15x15", conv(15, 128, 256, 1, 1, true, false, relu)),
      conv_case("depthwise 3x3 same, 15x15x256", conv(15, 256, 256, 3, 1, true, true, none)),
      conv_case("conv 1x1 256->256, 15x15", conv(15, 256, 256, 1, 1, true, false, none)),
      max_pool_case("maxpool 3x3 s2 same, 15x15x256", 15, 256),
      conv_case("conv 1x1 128->256 s2, 15x15", conv(15, 128, 256, 1, 2, true, false, none)),
      conv_case("conv 3x3 256->7 same, 8x8", conv(8, 256, 7, 3, 1, true, false, none)),
  };
}

const char* pass_name(Pass pass) {
  switch (pass) {
    case Pass::forward: return "forward";
    case Pass::backward_input: return "backward to input";
    case Pass::backward_weights: return "backward to weights";
  }
  return "?";
}

bool has_pass(const KernelCase& c, Pass pass) { return c.kind != KernelCase::Kind::max_pool || pass != Pass::backward_weights; }

Timing time_case(const KernelCase& c, Pass pass, bool reference, int min_runs, double min_seconds) {
  kernels::ReferenceScope scope(reference);
  if (c.kind == KernelCase::Kind::max_pool) {
    const kernels::PoolGeometry& g = c.pool;
    Tensor in = random_values(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.channels, 1);
    Tensor out = random_values(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.channels, 4);
    Tensor d_in(in.shape());
    std::unique_ptr<kernels::PoolForward> cache;
    if (pass == Pass::forward) {
      return measure([&] { kernels::pool_forward(cache, kernels::PoolKind::max, out.data(), in.data(), g); },
                     min_runs, min_seconds);
    }
    return measure([&] { kernels::max_pool_backward(d_in.data(), out.data(), in.data(), g); }, min_runs, min_seconds);
  }
  const kernels::ConvGeometry& g = c.conv;
  size_t weights_size = static_cast<size_t>(g.kernel_h) * g.kernel_w * g.in_c * (g.depthwise ? g.multiplier() : g.out_c);
  Tensor in = random_values(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, 1);
  Tensor weights = random_values(weights_size, 2);
  Tensor bias = random_values(static_cast<size_t>(g.out_c), 3);
  Tensor out = random_values(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c, 4);
  Tensor d_in(in.shape()), d_weights(weights.shape()), d_bias(bias.shape());
  std::unique_ptr<kernels::ConvForward> cache;
  std::unique_ptr<kernels::ConvBackwardInput> backward_cache;  // as the layer holds it: prepared once
  switch (pass) {
    case Pass::forward:
      return measure([&] { kernels::conv_forward(cache, out.data(), in.data(), weights.data(), bias.data(), g); },
                     min_runs, min_seconds);
    case Pass::backward_input:  // `out` stands in for the output gradient
      return measure(
          [&] { kernels::conv_backward_input(backward_cache, d_in.data(), out.data(), weights.data(), g); }, min_runs,
          min_seconds);
    case Pass::backward_weights:
      return measure([&] { kernels::conv_backward_weights(d_weights.data(), d_bias.data(), out.data(), in.data(), g); },
                     min_runs, min_seconds);
  }
  return {};
}

}  // namespace camlens::bench
