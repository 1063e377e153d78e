// WebAssembly SIMD128 dense forward: the packed GEMM with the weights packed once per layer.
#include "kernels/dense.h"
#include "kernels/simd128/gemm_packed.h"

namespace camlens::kernels {

namespace {

class PackedDenseForward final : public DenseForward {
 public:
  PackedDenseForward(const DenseGeometry& g, const float* weights, const float* bias)
      : in_c_(g.in_c), out_c_(g.out_c), weights_(g.in_c, g.out_c, weights, g.out_c, bias) {}

  bool accepts(const DenseGeometry& g) const override { return g.in_c == in_c_ && g.out_c == out_c_; }

  void run(float* out, const float* in, const DenseGeometry& g) override {
    simd128::gemm_packed(g.batch, in, g.in_c, weights_, out, g.out_c, Activation::none);
  }

 private:
  int in_c_, out_c_;
  simd128::PackedWeights weights_;
};

}  // namespace

std::unique_ptr<DenseForward> make_dense_forward(const DenseGeometry& g, const float* weights, const float* bias) {
  return std::make_unique<PackedDenseForward>(g, weights, bias);
}

}  // namespace camlens::kernels
