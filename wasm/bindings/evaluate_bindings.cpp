// Embind bridge for the page's faithfulness metrics and sanity checks: converts between JS values
// and the engine's evaluate/ (deletion, insertion, ROAD, confidence change, the cascading
// randomisation), and decides nothing. It has a model of its own, as the audit does, because the
// sanity checks randomise parameters and the explain view's kept maps must stay as they were. Each
// call takes the explain view's photo (RGBA) and a view request's crop, class, layer and methods,
// so a number always belongs to the map a panel shows; results come back in the result schema
// (kind "evaluation", as `camlens evaluate --json` writes it).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "evaluate/baselines.h"
#include "evaluate/evaluate.h"
#include "evaluate/json.h"
#include "evaluate/sanity.h"
#include "evaluate/summary.h"
#include "explain/json.h"
#include "explain/method_params.h"
#include "explain/predict.h"
#include "explain/render.h"
#include "explain/request_json.h"
#include "explain/variants.h"
#include "image/channels.h"
#include "image/image.h"
#include "image/preprocess.h"
#include "io/json_fields.h"
#include "io/model.h"
#include "io/model_input.h"
#include "js_values.h"

namespace {

using emscripten::val;
using camlens::bindings::js_errors;
using camlens::bindings::js_from;
using camlens::bindings::json_from;
using ordered_json = nlohmann::ordered_json;
namespace ev = camlens::evaluate;
namespace ex = camlens::explain;
namespace jf = camlens::json_fields;

// The random baseline's seed for the first (here: the only) image, as `camlens evaluate` seeds it.
std::uint64_t random_baseline_seed(std::uint32_t seed) { return static_cast<std::uint64_t>(seed) * 1000003u; }

// The progress callback of a JS function (fraction, stage) -> false to cancel; none for undefined.
ex::ProgressCallback progress_from(const val& on_progress) {
  if (on_progress.isUndefined() || on_progress.isNull()) return {};
  if (on_progress.typeOf().as<std::string>() != "function") camlens::fail("the progress callback must be a function");
  return [on_progress](const ex::Progress& p) {
    return !on_progress(p.fraction, std::string(p.stage)).strictlyEquals(val(false));
  };
}

// photo: {width, height, data: RGBA bytes (ImageData's)} as an RGB Image.
camlens::Image rgb_from(const val& photo) {
  if (!photo["width"].isNumber() || !photo["height"].isNumber()) {
    camlens::fail("Evaluation: the photo must be {width, height, data: RGBA bytes}");
  }
  camlens::Image pixels(photo["width"].as<int>(), photo["height"].as<int>(), 4);  // checks the sizes
  const val data = photo["data"];
  const size_t given = data["length"].as<size_t>();
  if (given != pixels.size()) {
    camlens::fail("Evaluation: a ", pixels.width(), "x", pixels.height(), " RGBA photo needs ", pixels.size(),
                  " bytes (4 per pixel), got ", given);
  }
  val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", data);
  return camlens::to_rgb(pixels);
}

std::vector<uint8_t> bytes_of(const camlens::Image& image) { return {image.data(), image.data() + image.size()}; }

ordered_json picture_json(const camlens::Image& rgba) {
  return {{"width", rgba.width()}, {"height", rgba.height()},
          {"rgba", ordered_json::binary(bytes_of(rgba), ex::kRgbaSubtype)}};
}

// What every call shares: the photo, the box of it the model sees, that box preprocessed, and the
// explained class (the request's, or the top one).
struct Scene {
  camlens::Image photo;  // RGB
  camlens::CropBox crop;
  camlens::Tensor input;
  int target_class = 0;
  float probability = 0.0f;
  ex::ViewRequest view;  // crop, class, layer, methods and look
};

class JsEvaluation {
 public:
  static JsEvaluation* create(const val& model) {
    return js_errors([&] { return new JsEvaluation(camlens::bindings::model_from(model, "Evaluation")); });
  }

  // photo: {width, height, data}; request: a view request's crop, class, layer, methods, plus
  // "model" (the name the document gives it), "baselines" (true: also the random and Sobel maps), "metrics" (["deletion", "insertion",
  // "road", "confidence"] by default), "seed" (0), "step" (0: the input's width) and "batch_size"
  // (0: chosen from the model, as the methods choose theirs). on_progress(fraction, stage) may return false to cancel. -> kind "evaluation".
  val evaluate(const val& photo, const val& request, const val& on_progress) {
    return js_errors([&] {
      nlohmann::json fields = json_from(request);
      const nlohmann::json baselines_field = take(fields, "baselines");
      const bool baselines = baselines_field.is_null() || jf::as_bool(baselines_field, "evaluate: baselines");
      const std::string model_name = name_of(take(fields, "model"));
      ev::EvaluationOptions options;
      const nlohmann::json metrics = take(fields, "metrics");
      if (!metrics.is_null()) {
        std::string list;
        for (const nlohmann::json& name : jf::as_array(metrics, "evaluate: metrics")) {
          list += (list.empty() ? "" : ",") + jf::as_string(name, "evaluate: metrics[]");
        }
        options.metrics = ev::parse_metrics(list);
      }
      const std::uint32_t seed = whole(take(fields, "seed"), "seed", 0);
      options.road.seed = seed;
      options.curve.step = whole(take(fields, "step"), "step", 0);
      options.batch_size = whole(take(fields, "batch_size"), "batch_size", 0);
      const Scene scene = scene_from(photo, fields);

      struct Item {
        std::string name;
        bool baseline;
        std::unique_ptr<ex::Method> method;  // null for a baseline
        ex::MethodChoice choice;
      };
      std::vector<Item> items;
      for (const ex::MethodChoice& choice : scene.view.methods) items.push_back({choice.name, false, nullptr, choice});
      if (baselines) {
        items.push_back({"random", true, nullptr, {}});
        items.push_back({"sobel", true, nullptr, {}});
      }
      if (items.empty()) camlens::fail("evaluate: no method asked for and baselines off: nothing to evaluate");
      const ex::ProgressCallback progress = progress_from(on_progress);

      ordered_json maps = ordered_json::array(), failures = ordered_json::array(), summary = ordered_json::array();
      for (size_t i = 0; i < items.size(); ++i) {
        const Item& item = items[i];
        if (progress) {
          options.progress = [&, i](const ex::Progress& p) {
            return progress(ex::Progress{item.name + ": " + std::string(p.stage), (i + p.fraction) / items.size()});
          };
        }
        try {
          const ex::Map map = map_of(scene, item.name, item.baseline, item.choice, seed);
          const ev::MapEvaluation evaluation = ev::evaluate_map(model_, scene.input, map, scene.target_class, options);
          ordered_json entry = {{"method", item.name}, {"baseline", item.baseline}};
          entry.update(ev::map_evaluation_json(evaluation));
          maps.push_back(std::move(entry));
          summary.push_back(ev::summary_json(ev::summarise(item.name, {&evaluation, 1}), item.baseline));
        } catch (const ex::Cancelled&) {
          throw;
        } catch (const camlens::Error& e) {
          failures.push_back({{"method", item.name}, {"message", e.what()}});
        }
      }

      ordered_json metric_names = ordered_json::array(), method_names = ordered_json::array();
      for (ev::Metric m : options.metrics) metric_names.push_back(std::string(ev::metric_name(m)));
      for (const ex::MethodChoice& choice : scene.view.methods) method_names.push_back(choice.name);
      return js_from(document_json(model_name, std::move(metric_names), std::move(method_names),
                                   baselines ? ordered_json{"random", "sobel"} : ordered_json::array(),
                                   settings_json(options, scene.input, seed, model_),
                                   image_json(scene, std::move(maps), std::move(failures)), std::move(summary)));
    });
  }

  // Adebayo et al.'s sanity checks of one method's map: request is a view request's crop, class,
  // layer, one method and the look (colormap, alpha, smooth, max_side), plus "model" and "seed" (0). The
  // Sobel baseline (which ignores the model) goes through the same cascade. -> {document: kind
  // "evaluation" with each map's "sanity", pictures: {original, cascading: [one per step]}}: the
  // method's map as a panel draws it, before and after each step of the cascade.
  val sanity(const val& photo, const val& request, const val& on_progress) {
    return js_errors([&] {
      nlohmann::json fields = json_from(request);
      const std::uint32_t seed = whole(take(fields, "seed"), "seed", 0);
      const std::string model_name = name_of(take(fields, "model"));
      const Scene scene = scene_from(photo, fields);
      if (scene.view.methods.size() != 1) {
        camlens::fail("sanity: give exactly one method, e.g. \"methods\": [\"grad-cam\"]; got ",
                      scene.view.methods.size());
      }
      const ex::MethodChoice& choice = scene.view.methods.front();
      const std::unique_ptr<ex::Method> method = ex::make_method(choice.name, choice.params);
      const ex::ProgressCallback progress = progress_from(on_progress);
      // The cascading run draws its maps; the others only compare them.
      std::vector<ex::Map> drawn;
      bool drawing = false;
      ex::ExplainOptions explain_options;
      explain_options.layer = scene.view.layer;
      const ev::MapMaker make_map = [&](camlens::Model& model) {
        ex::Explanation e =
            ex::explain_target(model, scene.input, *method, ex::Target::of_class(scene.target_class), explain_options);
        if (drawing) drawn.push_back(e.raw);
        return ev::SanityMap{std::move(e.raw), std::move(e.upsampled.front())};
      };
      const auto run = [&](ev::Randomisation mode, double from, const std::string& what) {
        ev::SanityOptions options{.mode = mode, .seed = seed};
        if (progress) {
          options.progress = [&, from, what](const ex::Progress& p) {
            return progress(ex::Progress{what + ": " + std::string(p.stage), from + p.fraction / 2});
          };
        }
        return ev::sanity_check(model_, make_map, options);
      };
      const auto start = std::chrono::steady_clock::now();
      drawing = true;
      const std::vector<ev::SanityStep> cascading = run(ev::Randomisation::cascading, 0.0, "cascading");
      drawing = false;
      const std::vector<ev::SanityStep> independent = run(ev::Randomisation::independent, 0.5, "one layer at a time");
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

      const ex::Map edges = ev::sobel_map(scene.input);
      const ev::MapMaker fixed = [&edges](camlens::Model&) { return ev::SanityMap{edges, edges}; };
      const auto sobel_steps = [&](ev::Randomisation mode) {
        return ev::sanity_json(ev::sanity_check(model_, fixed, {.mode = mode, .seed = seed}));
      };
      // Forward passes are counted by the map metrics only, as `camlens evaluate` counts them.
      const ordered_json method_entry = {
          {"method", choice.name}, {"baseline", false},
          {"sanity", {{"cascading", ev::sanity_json(cascading)}, {"independent", ev::sanity_json(independent)}}},
          {"forward_passes", 0}, {"ms", ms}};
      const ordered_json sobel_entry = {
          {"method", "sobel"}, {"baseline", true},
          {"sanity", {{"cascading", sobel_steps(ev::Randomisation::cascading)},
                      {"independent", sobel_steps(ev::Randomisation::independent)}}},
          {"forward_passes", 0}, {"ms", 0}};
      ordered_json document =
          document_json(model_name, {"sanity"}, {choice.name}, {"sobel"}, settings_json({}, scene.input, seed, model_),
                        image_json(scene, {method_entry, sobel_entry}, ordered_json::array()), ordered_json::array());

      ordered_json pictures = ordered_json::array();
      for (const ex::Map& map : drawn) pictures.push_back(overlay_json(scene, map));
      ordered_json out = {{"document", std::move(document)},
                          {"pictures", {{"original", pictures.front()}, {"cascading", ordered_json::array()}}}};
      for (size_t i = 1; i < pictures.size(); ++i) out["pictures"]["cascading"].push_back(pictures[i]);
      return js_from(out);
    });
  }

 private:
  explicit JsEvaluation(camlens::Model model) : model_(std::move(model)) {}

  // Removes `name` from `fields` and returns its value (null when absent): what is left is a view request.
  static nlohmann::json take(nlohmann::json& fields, const char* name) {
    nlohmann::json value;
    if (fields.is_object() && fields.contains(name)) {
      value = std::move(fields[name]);
      fields.erase(name);
    }
    return value;
  }

  // The name the document gives the model (the page's title for it).
  static std::string name_of(const nlohmann::json& value) {
    return value.is_null() ? std::string("model.json") : jf::as_string(value, "evaluate: model");
  }

  static int whole(const nlohmann::json& value, const char* name, int fallback) {
    if (value.is_null()) return fallback;
    if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 1'000'000'000) {
      camlens::fail("evaluate: ", name, " must be a whole number from 0, got ", value.dump().substr(0, 40));
    }
    return value.get<int>();
  }

  // The photo, the request's box (the model's default one when absent), the box preprocessed and
  // the class explained; `fields` is what is left of the request: a view request.
  Scene scene_from(const val& photo, const nlohmann::json& fields) {
    Scene scene;
    scene.photo = rgb_from(photo);
    scene.view = ex::view_request_from_json(fields);
    scene.crop = scene.view.crop ? *scene.view.crop
                                 : camlens::default_crop_box(model_.metadata.crop, scene.photo.width(), scene.photo.height());
    camlens::check_crop_box(scene.photo, scene.crop, "evaluate: crop");
    scene.input = camlens::preprocess_image(scene.photo, camlens::preprocess_spec(model_.metadata, scene.crop));
    const ex::Prediction prediction = ex::predict(model_, scene.input);
    if (scene.view.targets.size() != 1) camlens::fail("evaluate: give one class (or none, for the top one), not a list");
    scene.target_class = ex::resolve_target(model_, prediction, scene.view.targets.front());
    scene.probability = prediction.probabilities[scene.target_class];
    return scene;
  }

  // The map `name` scores, at the input's size: a method's as the pipeline post-processes it, or a baseline.
  ex::Map map_of(const Scene& scene, const std::string& name, bool baseline, const ex::MethodChoice& choice, std::uint32_t seed) {
    const int height = scene.input.shape().h(), width = scene.input.shape().w();
    if (baseline) {
      return name == "random" ? ev::random_map(height, width, random_baseline_seed(seed)) : ev::sobel_map(scene.input);
    }
    const std::unique_ptr<ex::Method> method = ex::make_method(choice.name, choice.params);
    ex::ExplainOptions options;
    options.layer = scene.view.layer;
    ex::Explanation e =
        ex::explain_target(model_, scene.input, *method, ex::Target::of_class(scene.target_class), options);
    return std::move(e.upsampled.front());
  }

  // A raw map drawn over the crop as a panel draws it (the request's look).
  ordered_json overlay_json(const Scene& scene, const ex::Map& raw) const {
    const ex::Look& look = scene.view.look;
    const ex::MapSize size = ex::drawn_size(scene.crop, look.max_side);
    const camlens::Image region = camlens::crop_image(scene.photo, scene.crop, size.width, size.height);
    const ex::RgbaPictures pictures =
        ex::rgba_pictures(region, ex::postprocess(raw, size, look.upsampling), look.colormap, look.alpha);
    return picture_json(pictures.overlay);
  }

  ordered_json image_json(const Scene& scene, ordered_json maps, ordered_json failures) const {
    return {{"image", {{"width", scene.photo.width()}, {"height", scene.photo.height()}}},
            {"crop", ex::box_json(scene.crop)},
            {"class", scene.target_class},
            {"label", model_.metadata.labels.at(scene.target_class)},
            {"probability", scene.probability},
            {"maps", std::move(maps)},
            {"failures", std::move(failures)}};
  }

  // The whole document for one image, as `camlens evaluate --json` writes it.
  static ordered_json document_json(const std::string& model, ordered_json metrics, ordered_json methods, ordered_json baselines,
                                    ordered_json settings, ordered_json image, ordered_json summary) {
    ordered_json document = ex::result_header("evaluation");
    document["model"] = model;
    document["metrics"] = std::move(metrics);
    document["methods"] = std::move(methods);
    document["baselines"] = std::move(baselines);
    document["settings"] = std::move(settings);
    document["images"] = ordered_json::array({std::move(image)});
    document["summary"] = std::move(summary);
    document["skipped"] = ordered_json::array();
    return document;
  }

  static ordered_json settings_json(const ev::EvaluationOptions& options, const camlens::Tensor& input, std::uint32_t seed,
                                    const camlens::Model& model) {
    return {{"step", ev::curve_step(options.curve, input)},
            {"deletion_value", options.curve.deletion_value},
            {"blur", {{"taps", options.curve.blur_taps}, {"sigma", options.curve.blur_sigma}}},
            {"batch_size", ex::variant_batch_size(model, options.batch_size)},
            {"seed", seed},
            {"road", {{"percentiles", options.road.percentiles}, {"noise", options.road.noise}}}};
  }

  camlens::Model model_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_evaluate) {
  emscripten::class_<JsEvaluation>("Evaluation")
      .constructor(&JsEvaluation::create, emscripten::allow_raw_pointers())
      .function("evaluate", &JsEvaluation::evaluate)
      .function("sanity", &JsEvaluation::sanity);
}
