#pragma once
// Compares a layer's optimised path with the same layer under kernels::ReferenceScope, so layer
// tests exercise whichever optimised kernels the build carries.
#include <vector>

#include "core/tensor.h"
#include "layers/layer.h"

namespace camlens::test {

// Runs forward, then backward (every input gradient and every weight gradient) against a random
// probe, once with the reference forced and once without; checks each result agrees within `tol`.
void check_optimised_matches_reference(Layer& layer, const std::vector<const Tensor*>& inputs, float tol);

}  // namespace camlens::test
