#include "layers/avg_pool.h"

#include "layers/pool_window.h"

namespace camlens {

void avg_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache) {
  kernels::pool_forward(cache, kernels::PoolKind::average, out.data(), in.data(), g);
}

void avg_pool_backward(Tensor& d_in, const Tensor& d_out, const kernels::PoolGeometry& g) {
  kernels::avg_pool_backward(d_in.data(), d_out.data(), g);
}

Shape AvgPool::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  kernels::PoolGeometry g = pool_geometry(window_, inputs[0], kind(), name());
  return Shape::nhwc(g.batch, g.out_h, g.out_w, g.channels);
}

void AvgPool::forward(Tensor& out, Inputs in, Phase) {
  avg_pool_forward(out, *in[0], pool_geometry(window_, in[0]->shape(), kind(), name()), forward_cache_);
}

void AvgPool::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  if (d_in[0] == nullptr) return;
  avg_pool_backward(*d_in[0], d_out, pool_geometry(window_, in[0]->shape(), kind(), name()));
}

}  // namespace camlens
