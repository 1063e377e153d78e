// Integrated Gradients on the shipped emotion model (models/emotion): completeness.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "io/model.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

TEST_CASE("emotion model: integrated gradients is complete within 1% at 32 steps from the black baseline") {
  // Class 0's logit falls by about 5.9 from black to this input. The ReLU / max-pool kinks make
  // the estimate converge unevenly: the error is 5.7%, 2.0%, 0.02%, 0.36% and 0.14% at 8, 16, 32,
  // 64 and 128 steps (measured); 32 steps keep this test fast in WebAssembly.
  // Where the path's swings nearly cancel (class 3 here: +0.17 net over swings of +-2), even 128
  // steps leave a larger relative error.
  Model model = load_model_file("models/emotion/model.json");
  const Tensor input = emotion_pattern();
  IntegratedGradients ig({.steps = 32});
  const Explanation e = explain_target(model, input, ig, Target::of_class(0));
  const std::vector<std::string> keep{model.logits};
  model.graph.forward(input, {.keep = keep});
  const double at_input = model.graph.activation(model.logits)[0];
  model.graph.forward(ig.baseline(), {.keep = keep});
  const double at_black = model.graph.activation(model.logits)[0];
  CHECK(ig.baseline()[0] == -1.0f);  // black is (0 - 0.5) * 2
  REQUIRE(std::abs(at_input - at_black) > 1.0);
  double total = 0.0;
  for (float a : ig.attributions().values()) total += a;
  CHECK(std::abs(total - (at_input - at_black)) <= 0.01 * std::abs(at_input - at_black));
  CHECK(e.raw.values.size() == 64 * 64);
}
