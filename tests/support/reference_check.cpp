#include "support/reference_check.h"

#include <doctest/doctest.h>

#include <string>

#include "kernels/backend.h"
#include "support/gradcheck.h"

namespace camlens::test {

namespace {

struct Results {
  Tensor out;
  std::vector<Tensor> input_grads;
  std::vector<Tensor> weight_grads;
};

Results run_both_passes(Layer& layer, const std::vector<const Tensor*>& inputs, bool forced) {
  kernels::ReferenceScope scope(forced);
  for (Parameter& p : layer.parameters()) p.grad->fill(0.0f);
  Results r;
  r.out = run_forward(layer, inputs);
  Rng rng(5);
  Tensor probe = rng.tensor(r.out.shape());
  std::vector<Tensor*> d_in;
  for (const Tensor* t : inputs) r.input_grads.emplace_back(t->shape());
  for (Tensor& g : r.input_grads) d_in.push_back(&g);
  BackwardRequest request;
  request.weight_grads = true;
  layer.backward(d_in, probe, inputs, r.out, request);
  for (Parameter& p : layer.parameters()) r.weight_grads.push_back(p.grad->clone());
  return r;
}

}  // namespace

void check_optimised_matches_reference(Layer& layer, const std::vector<const Tensor*>& inputs, float tol) {
  Results reference = run_both_passes(layer, inputs, true);
  Results optimised = run_both_passes(layer, inputs, false);
  const std::string kind = layer.kind();
  CHECK_MESSAGE(max_abs_diff(optimised.out, reference.out) <= tol, kind << " forward");
  for (size_t i = 0; i < inputs.size(); ++i) {
    CHECK_MESSAGE(max_abs_diff(optimised.input_grads[i], reference.input_grads[i]) <= tol, kind << " d_input" << i);
  }
  std::vector<Parameter> params = layer.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK_MESSAGE(max_abs_diff(optimised.weight_grads[i], reference.weight_grads[i]) <= tol,
                  kind << " d_" << params[i].name);
  }
}

}  // namespace camlens::test
