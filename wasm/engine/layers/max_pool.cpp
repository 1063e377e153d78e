#include "layers/max_pool.h"

#include "layers/pool_window.h"

namespace camlens {

void max_pool_forward(Tensor& out, const Tensor& in, const kernels::PoolGeometry& g,
                      std::unique_ptr<kernels::PoolForward>& cache) {
  kernels::pool_forward(cache, kernels::PoolKind::max, out.data(), in.data(), g);
}

void max_pool_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const kernels::PoolGeometry& g) {
  kernels::max_pool_backward(d_in.data(), d_out.data(), in.data(), g);
}

void MaxPool::forward(Tensor& out, Inputs in, Phase) {
  max_pool_forward(out, *in[0], geometry(in[0]->shape()), forward_cache_);
}

std::unique_ptr<Layer> MaxPool::unpadded_copy() const {
  Window2D unpadded = window();
  unpadded.padding_mode = PaddingMode::valid;
  return std::make_unique<MaxPool>(name(), unpadded);
}

void MaxPool::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  if (d_in[0] == nullptr) return;
  max_pool_backward(*d_in[0], d_out, *in[0], geometry(in[0]->shape()));
}

}  // namespace camlens
