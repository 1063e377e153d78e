// Embind bridge: the only file of the page's module that knows Emscripten. It converts, and
// decides nothing: requests go to the engine as JSON values (explain/request_json.h), results come
// back in the result schema (explain/json.h) with maps and pictures as typed arrays. Every C++
// exception becomes a JS Error with the engine's message (a cancelled view's is a 'CancelledError').
// Everything returned is a copy: views of WASM memory go stale when it grows.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "explain/explainer.h"
#include "explain/json.h"
#include "explain/map.h"
#include "explain/render.h"
#include "explain/request_json.h"
#include "image/channels.h"
#include "image/image.h"
#include "io/model.h"
#include "kernels/backend.h"
#include "js_values.h"

namespace {

using emscripten::val;
using camlens::bindings::js_errors;
using camlens::bindings::js_from;
using camlens::bindings::json_from;
namespace ex = camlens::explain;

// What the page reads: typed arrays for maps and pictures, and each map's heat for the pointer.
constexpr ex::ResultEncoding kPageEncoding{.arrays = ex::ArrayEncoding::binary, .heat = true};

// The progress callback of a JS function (fraction, stage, stage_fraction: -1 when the call has one
// stage) -> false to cancel; none for undefined.
ex::ProgressCallback progress_from(const val& on_progress) {
  if (on_progress.isUndefined() || on_progress.isNull()) return {};
  if (on_progress.typeOf().as<std::string>() != "function") camlens::fail("the progress callback must be a function");
  return [on_progress](const ex::Progress& p) {
    return !on_progress(p.fraction, std::string(p.stage), p.stage_fraction).strictlyEquals(val(false));
  };
}

// ---- the explainer ----

class JsExplainer {
 public:
  // shards: an array of {name: string, bytes: Uint8Array}; metadata_json may be "" (none). The texts
  // come as JS values and become strings inside js_errors: a thrown JS error skips the destructors
  // of Embind's own argument copies, so a failed load would leak them.
  static JsExplainer* create(const val& model_json_text, const val& shards, const val& metadata_json_text) {
    return js_errors([&] {
      if (!model_json_text.isString()) camlens::fail("Explainer: model.json must be given as text");
      const std::string model_json = model_json_text.as<std::string>();
      const std::string metadata_json = metadata_json_text.isString() ? metadata_json_text.as<std::string>() : std::string();
      std::vector<camlens::ShardFile> files;
      const size_t count = shards["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        const val shard = shards[i];
        if (!shard["name"].isString() || !shard["bytes"].instanceof(val::global("Uint8Array"))) {
          camlens::fail("Explainer: shards[", i, "] must be {name: string, bytes: Uint8Array}");
        }
        files.push_back({shard["name"].as<std::string>(), emscripten::convertJSArrayToNumberVector<uint8_t>(shard["bytes"])});
      }
      return new JsExplainer(camlens::load_model(model_json, camlens::shard_views(files), metadata_json));
    });
  }

  // An .onnx file's bytes (a Uint8Array), a metadata.json's text ("" for none) and its external
  // data files ([{name, bytes}], [] for none).
  static JsExplainer* create_onnx(const val& onnx_bytes, const val& metadata_json_text, const val& external) {
    return js_errors([&] {
      if (!onnx_bytes.instanceof(val::global("Uint8Array"))) camlens::fail("Explainer.fromOnnx: the model must be a Uint8Array");
      const std::string metadata_json = metadata_json_text.isString() ? metadata_json_text.as<std::string>() : std::string();
      const std::vector<uint8_t> bytes = emscripten::convertJSArrayToNumberVector<uint8_t>(onnx_bytes);
      return new JsExplainer(
          camlens::load_onnx_model(bytes, camlens::bindings::external_data_from(external, "Explainer.fromOnnx"), metadata_json));
    });
  }

  // The model in the result schema (kind "model").
  val describe() const {
    return js_errors([&] {
      return js_from(ex::model_json(explainer_.describe(), camlens::metadata_to_json(explainer_.model().metadata)));
    });
  }

  // rgba: width x height x 4 bytes (ImageData's). -> {width, height, crop}: the model's default box.
  val set_image(const val& rgba, int width, int height) {
    return js_errors([&] {
      camlens::Image pixels(width, height, 4);  // checks the sizes
      const size_t given = rgba["length"].as<size_t>();
      if (given != pixels.size()) {
        camlens::fail("setImage: a ", width, "x", height, " RGBA image needs ", pixels.size(), " bytes (4 per pixel), got ",
                      given);
      }
      val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
      const camlens::CropBox crop = explainer_.set_image(std::move(pixels));
      val out = val::object();
      out.set("width", width);
      out.set("height", height);
      out.set("crop", js_from(ex::box_json(crop)));
      return out;
    });
  }

  // A view (explain/request_json.h) -> the result schema's kind "view". on_progress(fraction,
  // stage) may return false to cancel; on_part(part) receives each part as soon as it is ready.
  val view(const val& request, const val& on_progress, const val& on_part) {
    return js_errors([&] {
      ex::ViewCallbacks callbacks;
      callbacks.progress = progress_from(on_progress);
      const std::vector<std::string>& labels = explainer_.model().metadata.labels;
      if (!on_part.isUndefined() && !on_part.isNull()) {
        callbacks.part = [&](const ex::ViewResult& part) { on_part(js_from(ex::view_json(part, labels, kPageEncoding, true))); };
      }
      const ex::ViewResult result = explainer_.view(ex::view_request_from_json(json_from(request)), callbacks);
      return js_from(ex::view_json(result, labels, kPageEncoding));
    });
  }
  val view_quietly(const val& request) { return view(request, val::undefined(), val::undefined()); }
  val view_with_progress(const val& request, const val& on_progress) { return view(request, on_progress, val::undefined()); }

  // Activation maximisation (explain/request_json.h) -> {width, height, rgba, initial_objective, final_objective}.
  val visualize(const val& options, const val& on_progress) {
    return js_errors([&] {
      ex::ActivationMaximizationOptions am = ex::visualization_from_json(json_from(options));
      am.progress = progress_from(on_progress);
      const ex::ActivationMaximizationResult result = explainer_.visualize(am);
      val out = val::object();
      out.set("width", result.image.width());
      out.set("height", result.image.height());
      const camlens::Image rgba = camlens::to_rgba(result.image);
      const val bytes = val(emscripten::typed_memory_view(rgba.size(), rgba.data())).call<val>("slice");
      out.set("rgba", val::global("Uint8ClampedArray").new_(bytes["buffer"]));
      out.set("initial_objective", result.initial_objective);
      out.set("final_objective", result.final_objective);
      return out;
    });
  }
  val visualize_quietly(const val& options) { return visualize(options, val::undefined()); }

 private:
  explicit JsExplainer(camlens::Model model) : explainer_(std::move(model)) {}

  ex::Explainer explainer_;
};

// ---- a kept map drawn again ----

// A map at its layer's resolution (a view's explanations[i].raw.values, as a training timeline keeps
// it) drawn over an RGBA picture the way a view draws its maps. look: a view request's colormap,
// alpha, smooth and max_side. -> {heatmap, overlay}, each {width, height, rgba}.
val render_map(const val& raw, int width, int height, const val& rgba, int image_width, int image_height,
               const val& look_fields) {
  return js_errors([&] {
    const ex::Look look = ex::view_request_from_json(json_from(look_fields)).look;
    std::vector<float> values = emscripten::convertJSArrayToNumberVector<float>(raw);
    if (width < 1 || height < 1 || values.size() != static_cast<size_t>(width) * static_cast<size_t>(height)) {
      camlens::fail("renderMap: a ", width, "x", height, " map needs ", static_cast<std::int64_t>(width) * height,
                    " values, got ", values.size());
    }
    ex::Map map(height, width);
    map.values = std::move(values);
    camlens::Image pixels(image_width, image_height, 4);  // checks the sizes
    if (rgba["length"].as<size_t>() != pixels.size()) {
      camlens::fail("renderMap: a ", image_width, "x", image_height, " RGBA image needs ", pixels.size(), " bytes, got ",
                    rgba["length"].as<size_t>());
    }
    val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
    const camlens::CropBox whole{0, 0, image_width, image_height};
    const ex::MapSize size = ex::drawn_size(whole, look.max_side);
    const camlens::Image region = camlens::crop_image(camlens::to_rgb(pixels), whole, size.width, size.height);
    const ex::RgbaPictures pictures = ex::rgba_pictures(region, ex::postprocess(map, size, look.upsampling), look.colormap,
                                                        look.alpha);
    const auto picture = [](const camlens::Image& image) {
      val out = val::object();
      out.set("width", image.width());
      out.set("height", image.height());
      const val bytes = val(emscripten::typed_memory_view(image.size(), image.data())).call<val>("slice");
      out.set("rgba", val::global("Uint8ClampedArray").new_(bytes["buffer"]));
      return out;
    };
    val out = val::object();
    out.set("heatmap", picture(pictures.heatmap));
    out.set("overlay", picture(pictures.overlay));
    return out;
  });
}

// How many threads split the engine's passes (kernels::set_thread_count); more than the module has
// workers for (Module.maxThreads, 1 on a page that is not cross-origin isolated) is an Error.
void set_thread_count(int threads) {
  js_errors([&] { camlens::kernels::set_thread_count(threads); });
}
int thread_count() { return camlens::kernels::thread_count(); }

}  // namespace

EMSCRIPTEN_BINDINGS(camlens) {
  emscripten::function("setThreadCount", &set_thread_count);
  emscripten::function("threadCount", &thread_count);
  emscripten::function("renderMap", &render_map);
  emscripten::class_<JsExplainer>("Explainer")
      .constructor(&JsExplainer::create)
      .class_function("fromOnnx", &JsExplainer::create_onnx, emscripten::allow_raw_pointers())
      .function("describe", &JsExplainer::describe)
      .function("setImage", &JsExplainer::set_image)
      .function("view", &JsExplainer::view_quietly)
      .function("view", &JsExplainer::view_with_progress)
      .function("view", &JsExplainer::view)
      .function("visualize", &JsExplainer::visualize_quietly)
      .function("visualize", &JsExplainer::visualize);
}
