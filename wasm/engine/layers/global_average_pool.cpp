#include "layers/global_average_pool.h"

#include "core/error.h"

namespace camlens {

void global_average_pool_forward(Tensor& out, const Tensor& in, std::unique_ptr<kernels::PoolForward>& cache) {
  const Shape& s = in.shape();
  kernels::PoolGeometry g;
  g.batch = s.n();
  g.in_h = g.window_h = s.h();
  g.in_w = g.window_w = s.w();
  g.channels = s.c();
  kernels::pool_forward(cache, kernels::PoolKind::global_average, out.data(), in.data(), g);
}

void global_average_pool_backward(Tensor& d_in, const Tensor& d_out) {
  const Shape& s = d_in.shape();
  kernels::global_avg_pool_backward_reference(d_in.data(), d_out.data(), s.n(), s.h() * s.w(), s.c());
}

Shape GlobalAveragePool::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() != 4) fail("GlobalAveragePool '", name(), "' takes an NHWC rank-4 input, got ", in.str());
  return Shape{in.n(), in.c()};
}

void GlobalAveragePool::forward(Tensor& out, Inputs in, Phase) {
  global_average_pool_forward(out, *in[0], forward_cache_);
}

void GlobalAveragePool::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&,
                                 const BackwardRequest&) {
  if (d_in[0] != nullptr) global_average_pool_backward(*d_in[0], d_out);
}

}  // namespace camlens
