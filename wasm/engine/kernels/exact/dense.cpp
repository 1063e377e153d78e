// Dense layers with exact sums: each output's products are added in double precision and rounded
// to float32 once (see kernels::use_exact_sums). Weights [in_c, out_c]: one input value times one
// weights row updates every output.
#include <cstddef>
#include <vector>

#include "kernels/dense.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

void dense_forward_exact(float* out, const float* in, const float* weights, const float* bias,
                         const DenseGeometry& g) {
  parallel_for(static_cast<size_t>(g.batch), [&](size_t n) {
    std::vector<double> sums(g.out_c);
    for (int o = 0; o < g.out_c; ++o) sums[o] = bias != nullptr ? bias[o] : 0.0;
    for (int i = 0; i < g.in_c; ++i) {
      const double x = in[n * g.in_c + i];
      const float* row = weights + static_cast<size_t>(i) * g.out_c;
      for (int o = 0; o < g.out_c; ++o) sums[o] += x * row[o];
    }
    for (int o = 0; o < g.out_c; ++o) out[n * g.out_c + o] = static_cast<float>(sums[o]);
  });
}

}  // namespace camlens::kernels
