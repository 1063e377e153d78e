#pragma once
// Sanity checks (Adebayo et al. 2018): a map that does not change when the model's parameters are
// randomised was never about the model. The layers with parameters are randomised from the output
// down, cumulatively (cascading) or one at a time (independent); after each step the map is made
// again and compared with the original by Spearman's rank correlation of the raw map, with and
// without absolute values, and by SSIM of the normalised map (similarity.h). The model's own
// parameters are restored afterwards, even when a step throws.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "explain/map.h"
#include "explain/method.h"
#include "io/model.h"

namespace camlens::evaluate {

// What a map maker gives: the raw map (signed, any resolution) and the normalised one.
struct SanityMap {
  explain::Map raw;
  explain::Map normalized;
};
using MapMaker = std::function<SanityMap(Model&)>;

// `method`'s map of class `target_class` of `input` ([1, H, W, C]) at the model's default layer.
MapMaker method_map_maker(explain::Method& method, const Tensor& input, int target_class);

enum class Randomisation { cascading, independent };

struct SanityOptions {
  Randomisation mode = Randomisation::cascading;
  std::uint32_t seed = 0;
  explain::ProgressCallback progress;  // after each layer; false cancels
};

struct SanityStep {
  std::string layer;  // the layer randomised at this step (cascading: with every one before it)
  double spearman = 0.0, spearman_abs = 0.0, ssim = 0.0;  // against the original map; NaN: a constant map
};

// The nodes with parameters, the output's first.
std::vector<std::string> layers_with_parameters(Model& model);

// Each parameter of `layer` drawn again from a normal distribution with that parameter's own mean
// and standard deviation (seeded), so activations keep their scale but lose what training taught.
void randomise_layer(Model& model, const std::string& layer, std::uint32_t seed);

std::vector<SanityStep> sanity_check(Model& model, const MapMaker& make_map, const SanityOptions& options = {});

}  // namespace camlens::evaluate
