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

void AvgPool::forward(Tensor& out, Inputs in, Phase) {
  avg_pool_forward(out, *in[0], geometry(in[0]->shape()), forward_cache_);
}

void AvgPool::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  if (d_in[0] == nullptr) return;
  avg_pool_backward(*d_in[0], d_out, geometry(in[0]->shape()));
}

}  // namespace camlens
