// Top-K: the maps of the K most probable classes from one forward pass and K backward passes.
#include "explain/pipeline.h"

#include "core/error.h"

namespace camlens::explain {

std::vector<Target> top_k_targets(int k) {
  if (k < 1) fail("explain: top-K needs K >= 1, got ", k);
  std::vector<Target> targets;
  for (int rank = 0; rank < k; ++rank) targets.push_back(Target::ranked(rank));
  return targets;
}

std::vector<Explanation> explain_top_k(Model& model, const Tensor& input, Method& method, int k,
                                       const ExplainOptions& options) {
  return explain_targets(model, input, method, top_k_targets(k), options);
}

}  // namespace camlens::explain
