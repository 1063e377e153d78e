#include "evaluate/json.h"

#include <algorithm>
#include <cmath>

namespace camlens::evaluate {

namespace {

using json = nlohmann::ordered_json;

json curve_json(const PixelCurve& curve) {
  return {{"step", curve.step}, {"auc", curve.auc}, {"changed", curve.changed}, {"scores", curve.scores}};
}

void add_estimate(json& out, const char* name, const Estimate& e) {
  if (e.count > 0) out[name] = {{"mean", e.mean}, {"low", e.low}, {"high", e.high}};
}

}  // namespace

json map_evaluation_json(const MapEvaluation& e) {
  json out = json::object();
  if (e.deletion) out["deletion"] = curve_json(*e.deletion);
  if (e.insertion) out["insertion"] = curve_json(*e.insertion);
  if (e.road) {
    out["road"] = {{"percentiles", e.road->percentiles}, {"morf", e.road->morf},         {"lerf", e.road->lerf},
                   {"morf_mean", e.road->morf_mean},     {"lerf_mean", e.road->lerf_mean}, {"combined", e.road->combined}};
  }
  if (e.confidence) {
    out["confidence"] = {{"before", e.confidence->before}, {"after", e.confidence->after}, {"change", e.confidence->change},
                         {"drop", e.confidence->drop},     {"increase", e.confidence->increase}};
  }
  out["forward_passes"] = e.forward_passes;
  out["ms"] = e.ms;
  return out;
}

json summary_json(const MethodSummary& s, bool baseline) {
  json out = {{"method", s.method}, {"baseline", baseline}};
  int images = 0;
  for (const Estimate* e : {&s.deletion_auc, &s.insertion_auc, &s.road_morf, &s.average_drop}) images = std::max(images, e->count);
  out["images"] = images;
  add_estimate(out, "deletion_auc", s.deletion_auc);
  add_estimate(out, "insertion_auc", s.insertion_auc);
  add_estimate(out, "road_morf", s.road_morf);
  add_estimate(out, "road_lerf", s.road_lerf);
  add_estimate(out, "road_combined", s.road_combined);
  add_estimate(out, "average_drop", s.average_drop);
  add_estimate(out, "increase", s.increase);
  return out;
}

json sanity_json(std::span<const SanityStep> steps) {
  const auto number_or_null = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json out = json::array();
  for (const SanityStep& step : steps) {
    out.push_back({{"layer", step.layer},
                   {"spearman", number_or_null(step.spearman)},
                   {"spearman_abs", number_or_null(step.spearman_abs)},
                   {"ssim", number_or_null(step.ssim)}});
  }
  return out;
}

}  // namespace camlens::evaluate
