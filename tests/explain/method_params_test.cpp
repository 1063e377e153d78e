// Methods made from the page's JSON parameters (explain/method_params.h).
#include "explain/method_params.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "explain/methods/pixel_methods.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using json = nlohmann::json;

namespace {

Map raw_map(Method& method) {
  Model model = test::patch_model();
  return explain_target(model, test::patch_image(), method, Target::of_class(0)).raw;
}

std::string error_of(std::string_view name, const json& params) {
  try {
    make_method(name, params);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("no parameters give the registry's method; parameters reach the method's options") {
  for (const MethodInfo& info : registered_methods()) {
    CAPTURE(std::string(info.name));
    CHECK(make_method(info.name, json())->name() == info.name);
    CHECK(make_method(info.name, json::object())->name() == info.name);
  }
  std::unique_ptr<Method> from_json = make_method("smooth-grad", {{"samples", 3}, {"sigma", 0.3}, {"seed", 7}});
  std::unique_ptr<Method> direct = make_smooth_grad({.samples = 3, .noise_fraction = 0.3f, .seed = 7});
  CHECK(raw_map(*from_json).values == raw_map(*direct).values);
  CHECK(raw_map(*from_json).values != raw_map(*make_method("smooth-grad")).values);

  std::unique_ptr<Method> occlusion = make_method("occlusion", {{"patch", 3}, {"stride", 2}, {"fill", 0.0}});
  CHECK(raw_map(*occlusion).values == raw_map(*make_occlusion({.patch = 3, .stride = 2, .fill = 0.0f})).values);

  IntegratedGradients direct_ig({.baseline = Baseline::blurred, .steps = 8, .rule = IntegrationRule::trapezoid});
  std::unique_ptr<Method> ig =
      make_method("integrated-gradients", {{"steps", 8}, {"baseline", "blurred"}, {"rule", "trapezoid"}});
  CHECK(raw_map(*ig).values == raw_map(direct_ig).values);
}

TEST_CASE("bad parameters are errors that name what the method takes") {
  CHECK(error_of("grad-cam", {{"samples", 4}}) == "grad-cam: unknown parameter 'samples'; it takes no parameters");
  CHECK(error_of("smooth-grad", {{"sample", 4}}) == "smooth-grad: unknown parameter 'sample'; it takes samples, sigma, seed");
  CHECK(error_of("smooth-grad", {{"samples", 2.5}}) ==
        "smooth-grad: parameter 'samples' must be a whole number from 1 to 65536, got 2.5");
  CHECK(error_of("smooth-grad", {{"samples", "many"}}).find("must be a whole number") != std::string::npos);
  CHECK(error_of("smooth-grad", {{"sigma", -1}}) == "smooth-grad: parameter 'sigma' must be a number >= 0, got -1");
  CHECK(error_of("occlusion", {{"patch", 0}}).find("'patch' must be a whole number from 1") != std::string::npos);
  CHECK(error_of("integrated-gradients", {{"baseline", "white"}}) ==
        "integrated-gradients: parameter 'baseline' must be one of 'black', 'blurred', got \"white\"");
  CHECK(error_of("occlusion", json::array({1})).find("parameters must be an object") != std::string::npos);
  CHECK(error_of("no-such-method", json()).find("no method named 'no-such-method'") != std::string::npos);
}
