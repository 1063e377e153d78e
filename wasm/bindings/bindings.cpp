// Embind bindings: the only file that knows about Emscripten. Thin conversions between JS values
// and engine types; every C++ exception becomes a JS Error with the engine's message (a cancelled
// explanation's Error is named 'CancelledError'). Everything returned is a copy: views of WASM
// memory go stale when it grows.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "explain/activation_maximization.h"
#include "explain/colormap.h"
#include "explain/layer_sweep.h"
#include "explain/method_params.h"
#include "explain/pipeline.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "explain/render.h"
#include "explain/run.h"
#include "image/channels.h"
#include "image/preprocess.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "io/model_input.h"
#include "kernels/backend.h"

namespace {

using emscripten::val;
namespace ex = camlens::explain;

val js_error(const char* message, const char* name) {
  val error = val::global("Error").new_(std::string(message));
  if (name != nullptr) error.set("name", std::string(name));
  return error;
}

// Runs `body`, turning a C++ exception into a thrown JS Error (Embind would pass a bare pointer).
// The JS error is thrown after the catch block ends, so the C++ exception is freed first.
template <typename Body>
auto js_errors(Body body) -> decltype(body()) {
  val error = val::undefined();
  try {
    return body();
  } catch (const ex::Cancelled& e) {
    error = js_error(e.what(), "CancelledError");
  } catch (const std::exception& e) {
    error = js_error(e.what(), nullptr);
  }
  error.throw_();
}

// A copy of `bytes` owned by JS (views of WASM memory go stale when it grows): slice() on a view of
// the memory, the one copy. Constructing a typed array from the view first copied it twice, and
// copies were three fifths of render()'s time in Chromium.
val copy_to_js(const uint8_t* bytes, size_t count) {
  return val(emscripten::typed_memory_view(count, bytes)).call<val>("slice");
}

val copy_to_js(const float* values, size_t count) {
  return val(emscripten::typed_memory_view(count, values)).call<val>("slice");
}

val string_array(const std::vector<std::string>& items) {
  val array = val::array();
  for (const std::string& item : items) array.call<void>("push", item);
  return array;
}

val dims_array(const camlens::Shape& shape) {
  val array = val::array();
  for (int i = 0; i < shape.rank(); ++i) array.call<void>("push", shape[i]);
  return array;
}

// ---- JS values -> engine types ----

bool is_absent(const val& value) { return value.isUndefined() || value.isNull(); }

double number_field(const val& object, const char* key, const char* what) {
  const val value = object[key];
  if (!value.isNumber()) camlens::fail(what, ".", key, " must be a number");
  return value.as<double>();
}

int whole_field(const val& object, const char* key, const char* what) {
  const double value = number_field(object, key, what);
  if (value != static_cast<double>(static_cast<int>(value))) {
    camlens::fail(what, ".", key, " must be a whole number, got ", value);
  }
  return static_cast<int>(value);
}

std::string string_field(const val& object, const char* key, const char* what, const std::string& fallback) {
  const val value = object[key];
  if (is_absent(value)) return fallback;
  if (!value.isString()) camlens::fail(what, ".", key, " must be a string");
  return value.as<std::string>();
}

// {x, y, width, height} in pixels, or null / undefined for the model's default crop of the image.
camlens::CropBox crop_box(const val& crop, const camlens::ModelMetadata& metadata, int width, int height,
                          const char* what) {
  if (is_absent(crop)) return camlens::default_crop_box(metadata.crop, width, height);
  return {whole_field(crop, "x", what), whole_field(crop, "y", what), whole_field(crop, "width", what),
          whole_field(crop, "height", what)};
}

val crop_to_js(const camlens::CropBox& box) {
  val out = val::object();
  out.set("x", box.x);
  out.set("y", box.y);
  out.set("width", box.width);
  out.set("height", box.height);
  return out;
}

// The progress callback of a JS function (fraction, stage) -> false to cancel; none for undefined.
ex::ProgressCallback progress_from(const val& on_progress) {
  if (is_absent(on_progress)) return {};
  if (on_progress.typeOf().as<std::string>() != "function") camlens::fail("the progress callback must be a function");
  return [on_progress](const ex::Progress& p) {
    return !on_progress(p.fraction, std::string(p.stage)).strictlyEquals(val(false));
  };
}

// How a map is drawn: colormap, opacity of the heat, smooth (bilinear) or the raw cells (nearest),
// and the longest side it is drawn at (0: the crop's own size).
struct Look {
  ex::Colormap colormap = ex::Colormap::jet;
  float alpha = 0.4f;
  ex::Upsampling upsampling = ex::Upsampling::bilinear;
  int max_side = 0;
};

Look look_from(const val& options, const char* what) {
  Look look;
  look.colormap = ex::colormap_named(string_field(options, "colormap", what, "jet"));
  if (!is_absent(options["alpha"])) {
    const double alpha = number_field(options, "alpha", what);
    if (!(alpha >= 0.0 && alpha <= 1.0)) camlens::fail(what, ".alpha must be from 0 to 1, got ", alpha);
    look.alpha = static_cast<float>(alpha);
  }
  const val smooth = options["smooth"];
  if (!is_absent(smooth) && !smooth.isTrue() && !smooth.isFalse()) camlens::fail(what, ".smooth must be true or false");
  look.upsampling = smooth.isFalse() ? ex::Upsampling::nearest : ex::Upsampling::bilinear;
  if (!is_absent(options["maxSide"])) {
    look.max_side = whole_field(options, "maxSide", what);
    if (look.max_side < 1) camlens::fail(what, ".maxSide must be at least 1 pixel, got ", look.max_side);
  }
  return look;
}

val map_to_js(const ex::Map& map) {
  val out = val::object();
  out.set("width", map.width);
  out.set("height", map.height);
  out.set("values", copy_to_js(map.values.data(), map.values.size()));
  return out;
}

// An image as {width, height, data: Uint8ClampedArray RGBA}, ready for ImageData. The bytes are
// copied once, into a buffer of their own (a view of the module's memory goes stale when it grows).
val rgba_to_js(const camlens::Image& image) {
  if (image.channels() != 4) return rgba_to_js(camlens::to_rgba(image));
  val out = val::object();
  out.set("width", image.width());
  out.set("height", image.height());
  out.set("data", val::global("Uint8ClampedArray").new_(copy_to_js(image.data(), image.size())["buffer"]));
  return out;
}

// An RGBA picture the page set (ImageData's bytes); kept as RGB, what the renderer blends over.
class JsImage {
 public:
  static JsImage* create(const val& rgba, int width, int height) {
    return js_errors([&] {
      camlens::Image pixels(width, height, 4);  // checks the sizes
      const size_t given = rgba["length"].as<size_t>();
      if (given != pixels.size()) {
        camlens::fail("Image: a ", width, "x", height, " RGBA image needs ", pixels.size(),
                      " bytes (4 per pixel), got ", given);
      }
      val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
      return new JsImage(camlens::to_rgb(pixels));
    });
  }
  int width() const { return rgb_.width(); }
  int height() const { return rgb_.height(); }
  const camlens::Image& rgb() const { return rgb_; }

  // The crop shrunk to `size`, kept for the next call: a page recolours and re-explains the same
  // crop at the same size many times, and shrinking a big photo reads all of it.
  const camlens::Image& shrunk_crop(const camlens::CropBox& box, ex::MapSize size) const {
    if (shrunk_.empty() || !(box == shrunk_box_ && size == shrunk_size_)) {
      shrunk_ = camlens::crop_image(rgb_, box, size.width, size.height);
      shrunk_box_ = box;
      shrunk_size_ = size;
    }
    return shrunk_;
  }

 private:
  explicit JsImage(camlens::Image rgb) : rgb_(std::move(rgb)) {}
  camlens::Image rgb_;
  mutable camlens::Image shrunk_;
  mutable camlens::CropBox shrunk_box_;
  mutable ex::MapSize shrunk_size_;
};

// The heat map coloured alone and over the crop, both RGBA, at the heat's size: the crop's own,
// or the crop shrunk to it (options.maxSide).
void add_pictures(val& out, const JsImage& image, const camlens::CropBox& box, const ex::Map& heat,
                  const Look& look) {
  const bool full_size = heat.width == box.width && heat.height == box.height;
  const ex::RgbaPictures pictures =
      full_size ? ex::rgba_pictures(image.rgb(), heat, box, look.colormap, look.alpha)
                : ex::rgba_pictures(image.shrunk_crop(box, {heat.height, heat.width}), heat, look.colormap, look.alpha);
  out.set("overlay", rgba_to_js(pictures.overlay));
  out.set("heatmap", rgba_to_js(pictures.heatmap));
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

class JsModel {
 public:
  // shards: an array of {name: string, bytes: Uint8Array}; metadata_json may be "" (none).
  static JsModel* create(const std::string& model_json, const val& shards, const std::string& metadata_json) {
    return js_errors([&] {
      std::vector<camlens::ShardFile> files;
      const size_t count = shards["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        const val shard = shards[i];
        if (!shard["name"].isString() || shard["bytes"].isUndefined()) {
          camlens::fail("Model: shards[", i, "] must be {name: string, bytes: Uint8Array}");
        }
        files.push_back({shard["name"].as<std::string>(), emscripten::convertJSArrayToNumberVector<uint8_t>(shard["bytes"])});
      }
      return new JsModel(camlens::load_model(model_json, camlens::shard_views(files), metadata_json));
    });
  }
  static JsModel* create_without_metadata(const std::string& model_json, const val& shards) {
    return create(model_json, shards, "");
  }

  // {input, inputShape, logits, probabilities, labels, metadata, nodes: [{name, kind, inputs, shape, spatial}]}
  val describe() const {
    return js_errors([&] {
      val nodes = val::array();
      for (const camlens::NodeInfo& node : model_.graph.nodes()) {
        val entry = val::object();
        entry.set("name", node.name);
        entry.set("kind", node.kind);
        entry.set("inputs", string_array(node.inputs));
        entry.set("shape", dims_array(node.item_shape));
        entry.set("spatial", node.spatial());
        nodes.call<void>("push", entry);
      }
      val out = val::object();
      out.set("input", model_.input());
      out.set("inputShape", dims_array(model_.graph.nodes().front().item_shape));
      out.set("logits", model_.logits);
      out.set("probabilities", model_.probabilities);
      out.set("labels", string_array(model_.metadata.labels));
      out.set("metadata", val::global("JSON").call<val>("parse", camlens::metadata_to_json(model_.metadata).dump()));
      out.set("nodes", nodes);
      const std::vector<std::string> explainable = ex::spatial_layers_feeding(model_.graph.nodes(), model_.logits);
      out.set("explainable", string_array(explainable));
      out.set("defaultLayer", explainable.empty() ? val::null() : val(ex::default_layer(model_)));
      out.set("methods", methods_at(std::string()));  // each at the layer it explains by default
      return out;
    });
  }

  // The registered methods, each with whether it applies at `layer` and, when not, why:
  // [{name, title, summary, perPixel, slow, applies, why?, ownLayer?}].
  val methods(const std::string& layer) const {
    return js_errors([&] { return methods_at(layer); });
  }

  // {classes: [{index, label, probability, logit}] (the `top` most probable), crop, timings: {forward}}
  val predict(const JsImage& image, const val& crop, int top) {
    return js_errors([&] {
      const camlens::CropBox box = crop_box(crop, model_.metadata, image.width(), image.height(), "predict: crop");
      const camlens::Tensor input = model_input(image, box);
      const auto start = std::chrono::steady_clock::now();
      const ex::Prediction prediction = ex::predict(model_, input);
      const double forward_ms = ms_since(start);
      val classes = val::array();
      const int count = std::clamp(top, 0, static_cast<int>(prediction.ranking.size()));
      for (int rank = 0; rank < count; ++rank) {
        const int c = prediction.ranking[rank];
        val entry = val::object();
        entry.set("index", c);
        entry.set("label", model_.metadata.labels[c]);
        entry.set("probability", prediction.probabilities[c]);
        entry.set("logit", prediction.logits[c]);
        classes.call<void>("push", entry);
      }
      val timings = val::object();
      timings.set("forward", forward_ms);
      val out = val::object();
      out.set("classes", classes);
      out.set("crop", crop_to_js(box));
      out.set("timings", timings);
      return out;
    });
  }

  // options: {method, classIndex (null: top-1), layer (null: default), crop (null: default),
  // colormap, alpha, smooth, maxSide (null: the crop's size; else heat and pictures shrunk to this
  // longest side), params}; on_progress(fraction, stage) returns false to cancel.
  val explain(const JsImage& image, const val& options, const val& on_progress) {
    return js_errors([&] {
      Request request = request_from(image, options, "explain: options", on_progress);
      const ex::Target target = target_from(options, "explain: options");
      return explanation_to_js(ex::explain_target(model_, request.input, *request.method, target, request.options),
                               image, request);
    });
  }
  val explain_quietly(const JsImage& image, const val& options) { return explain(image, options, val::undefined()); }

  // options as explain's, with `methods` (an array of names) instead of `method`, and `params`
  // keyed by method name ({'smooth-grad': {samples: 8}}). Every method after ONE shared forward
  // pass (what a grid of panels wants); one explanation per method, in the order given, each in
  // explain's shape. on_progress sees the whole call's fraction; false cancels it.
  val explain_many(const JsImage& image, const val& options, const val& on_progress) {
    return js_errors([&] {
      const char* what = "explainMany: options";
      Request request = common_request(image, options, what, on_progress);
      std::vector<std::unique_ptr<ex::Method>> methods = methods_from(options, what);
      std::vector<ex::Method*> pointers;
      for (const std::unique_ptr<ex::Method>& method : methods) pointers.push_back(method.get());
      const ex::Target targets[] = {target_from(options, what)};
      return explanations_to_js(ex::explain_all(model_, request.input, pointers, targets, request.options), image,
                                request);
    });
  }
  val explain_many_quietly(const JsImage& image, const val& options) {
    return explain_many(image, options, val::undefined());
  }

  // options as explain's, with k instead of classIndex: the k most probable classes, best first.
  val top_k(const JsImage& image, const val& options) {
    return js_errors([&] {
      Request request = request_from(image, options, "topK: options", val::undefined());
      const int k = whole_field(options, "k", "topK: options");
      return explanations_to_js(ex::explain_top_k(model_, request.input, *request.method, k, request.options), image,
                                request);
    });
  }

  // options as explain's (method default grad-cam; layer ignored): one map per spatial layer.
  val layer_sweep(const JsImage& image, const val& options) {
    return js_errors([&] {
      Request request = request_from(image, options, "layerSweep: options", val::undefined(), "grad-cam");
      const ex::Target target = target_from(options, "layerSweep: options");
      return explanations_to_js(
          ex::explain_layer_sweep(model_, request.input, *request.method, target, request.options), image, request);
    });
  }

  // Recolours without explaining again. options: {map (raw, to post-process) or heat (0..1, as an
  // explanation gave it), crop, colormap, alpha, smooth, maxSide} -> {heat, overlay, heatmap}. The
  // pictures are drawn at the heat's size: a heat given is drawn at its own, a raw map at maxSide's.
  val render(const JsImage& image, const val& options) const {
    return js_errors([&] {
      const camlens::CropBox box =
          crop_box(options["crop"], model_.metadata, image.width(), image.height(), "render: crop");
      const Look look = look_from(options, "render: options");
      ex::Map heat;
      if (!is_absent(options["map"])) {
        const ex::Map raw = map_from(options["map"], "render: options.map");
        heat = ex::postprocess(raw, ex::drawn_size(box, look.max_side), look.upsampling);
      } else if (!is_absent(options["heat"])) {
        heat = map_from(options["heat"], "render: options.heat");
        check_drawn_size(heat, box);
      } else {
        camlens::fail("render: options needs map (the raw map, post-processed again) or heat (the post-processed map)");
      }
      val out = val::object();
      out.set("heat", map_to_js(heat));
      add_pictures(out, image, box, heat, look);
      return out;
    });
  }

  // options: {classIndex} or {layer, channel}, and steps, start ('gray' | 'noise'), seed.
  // -> {width, height, data: RGBA, initialObjective, finalObjective}
  val activation_maximization(const val& options, const val& on_progress) {
    return js_errors([&] {
      const char* what = "activationMaximization: options";
      ex::ActivationMaximizationOptions am;
      am.layer = string_field(options, "layer", what, "");
      am.index = whole_field(options, am.layer.empty() ? "classIndex" : "channel", what);
      if (!is_absent(options["steps"])) am.steps = whole_field(options, "steps", what);
      const std::string start = string_field(options, "start", what, "gray");
      if (start != "gray" && start != "noise") {
        camlens::fail(what, ".start must be 'gray' or 'noise', got '", start, "'");
      }
      am.start = start == "gray" ? ex::ActivationMaximizationOptions::Start::gray
                                 : ex::ActivationMaximizationOptions::Start::noise;
      if (!is_absent(options["seed"])) am.seed = static_cast<std::uint32_t>(whole_field(options, "seed", what));
      am.progress = progress_from(on_progress);
      const ex::ActivationMaximizationResult result = ex::maximize_activation(model_, am);
      val out = rgba_to_js(result.image);
      out.set("initialObjective", result.initial_objective);
      out.set("finalObjective", result.final_objective);
      return out;
    });
  }

  // input: a Float32Array of batch x inputShape values, NHWC. Returns a Float32Array of
  // batch x classes logits (a copy).
  val forward(const val& input, int batch) {
    return js_errors([&] {
      const camlens::Shape item = model_.graph.nodes().front().item_shape;
      const size_t per_item = item.size();
      const size_t given = input["length"].as<size_t>();
      if (batch <= 0 || given != per_item * static_cast<size_t>(batch)) {
        camlens::fail("Model.forward: ", batch, " input(s) of ", item.str(), " need ", per_item * std::max(batch, 0),
                      " values, got ", given);
      }
      const std::vector<float> values = emscripten::convertJSArrayToNumberVector<float>(input);
      const camlens::Shape shape = item.rank() == 3 ? camlens::Shape{batch, item[0], item[1], item[2]}
                                   : item.rank() == 2 ? camlens::Shape{batch, item[0], item[1]}
                                                      : camlens::Shape{batch, item[0]};
      camlens::ForwardOptions options;
      options.keep = std::vector<std::string>{model_.logits};
      model_.graph.forward(camlens::Tensor(shape, values), options);
      const camlens::Tensor& logits = model_.graph.activation(model_.logits);
      return copy_to_js(logits.data(), logits.size());
    });
  }

  // pixels: a Uint8Array of height x width x channels bytes (1 gray, 3 RGB, 4 RGBA; rows top to
  // bottom). Crops the metadata's box (or `crop`, {x, y, width, height} in pixels) and returns the
  // model input as a Float32Array, ready for forward(input, 1).
  val preprocess(const val& pixels, int width, int height, int channels) const {
    return js_errors([&] {
      const camlens::Image image = image_from(pixels, width, height, channels);
      return preprocessed(image, camlens::default_crop_box(model_.metadata.crop, width, height));
    });
  }
  val preprocess_crop(const val& pixels, int width, int height, int channels, const val& crop) const {
    return js_errors([&] {
      const camlens::Image image = image_from(pixels, width, height, channels);
      for (const char* key : {"x", "y", "width", "height"}) {
        if (!crop[key].isNumber()) camlens::fail("Model.preprocess: crop.", key, " must be a number of pixels");
      }
      return preprocessed(image, {crop["x"].as<int>(), crop["y"].as<int>(), crop["width"].as<int>(),
                                  crop["height"].as<int>()});
    });
  }

  // {modelJson: string, weightsFile: string, weights: Uint8Array}: a TensorFlow.js layers model.
  val save_layers_model() const {
    return js_errors([&] {
      const camlens::SavedLayersModel saved = camlens::save_layers_model(model_.graph, &model_.metadata);
      val out = val::object();
      out.set("modelJson", saved.model_json);
      out.set("weightsFile", saved.weights_file);
      out.set("weights", copy_to_js(saved.weights.data(), saved.weights.size()));
      return out;
    });
  }

 private:
  explicit JsModel(camlens::Model model) : model_(std::move(model)) {}

  // What an explain-like call was asked: the method, the preprocessed crop, the pipeline's options.
  struct Request {
    std::unique_ptr<ex::Method> method;
    camlens::CropBox box;
    camlens::Tensor input;
    ex::ExplainOptions options;
    Look look;
  };

  Request request_from(const JsImage& image, const val& options, const char* what, const val& on_progress,
                       const std::string& default_method = "") const {
    Request request = common_request(image, options, what, on_progress);
    const std::string name = string_field(options, "method", what, default_method);
    if (name.empty()) camlens::fail(what, ".method is missing: name a method, e.g. 'grad-cam'");
    request.method = method_with_params(name, options["params"]);
    return request;
  }

  // A Request without its method: what explain and explainMany read the same way.
  Request common_request(const JsImage& image, const val& options, const char* what, const val& on_progress) const {
    if (!options.isUndefined() && options.typeOf().as<std::string>() != "object") {
      camlens::fail(what, " must be an object");
    }
    Request request;
    request.box = crop_box(options["crop"], model_.metadata, image.width(), image.height(), what);
    request.input = model_input(image, request.box);
    request.look = look_from(options, what);
    request.options.layer = string_field(options, "layer", what, "");
    request.options.sizes = {ex::drawn_size(request.box, request.look.max_side)};
    request.options.upsampling = request.look.upsampling;
    request.options.progress = progress_from(on_progress);
    return request;
  }

  static std::unique_ptr<ex::Method> method_with_params(const std::string& name, const val& params) {
    return ex::make_method(
        name, is_absent(params) ? nlohmann::json()
                                : nlohmann::json::parse(val::global("JSON").call<std::string>("stringify", params)));
  }

  // explainMany's methods: options.methods (names), each with options.params[name] if given.
  static std::vector<std::unique_ptr<ex::Method>> methods_from(const val& options, const char* what) {
    const val names = options["methods"];
    if (!val::global("Array").call<bool>("isArray", names) || names["length"].as<size_t>() == 0) {
      camlens::fail(what, ".methods must be a non-empty array of method names, e.g. ['cam', 'grad-cam']");
    }
    const val params = options["params"];
    if (!is_absent(params) && params.typeOf().as<std::string>() != "object") {
      camlens::fail(what, ".params must be an object keyed by method name, e.g. {'smooth-grad': {samples: 8}}");
    }
    std::vector<std::unique_ptr<ex::Method>> methods;
    for (size_t i = 0; i < names["length"].as<size_t>(); ++i) {
      if (!names[i].isString()) camlens::fail(what, ".methods[", i, "] must be a method name (a string)");
      const std::string name = names[i].as<std::string>();
      methods.push_back(method_with_params(name, is_absent(params) ? val::undefined() : params[name]));
    }
    return methods;
  }

  static ex::Target target_from(const val& options, const char* what) {
    return is_absent(options["classIndex"]) ? ex::Target::top()
                                            : ex::Target::of_class(whole_field(options, "classIndex", what));
  }

  camlens::Tensor model_input(const JsImage& image, const camlens::CropBox& box) const {
    return camlens::preprocess_image(image.rgb(), camlens::preprocess_spec(model_.metadata, box));
  }

  // A heat drawn over `box` is the box's size or the box shrunk, as maxSide shrinks it.
  static void check_drawn_size(const ex::Map& heat, const camlens::CropBox& box) {
    const ex::MapSize size{heat.height, heat.width};
    if (!(size == ex::drawn_size(box, std::max(heat.width, heat.height)))) {
      camlens::fail("render: options.heat is ", heat.height, " x ", heat.width,
                    " (height x width), neither the crop's size ", box.height, " x ", box.width,
                    " nor that crop shrunk with its aspect kept; pass the heat an explanation of this crop gave");
    }
  }

  static ex::Map map_from(const val& map, const char* what) {
    const int width = whole_field(map, "width", what), height = whole_field(map, "height", what);
    ex::Map out(height, width);
    const val values = map["values"];
    if (values.isUndefined() || values["length"].as<size_t>() != out.values.size()) {
      camlens::fail(what, ".values must hold width x height = ", out.values.size(), " numbers");
    }
    val(emscripten::typed_memory_view(out.values.size(), out.values.data())).call<void>("set", values);
    return out;
  }

  val explanation_to_js(const ex::Explanation& e, const JsImage& image, const Request& request) const {
    val out = val::object();
    out.set("method", e.method);
    out.set("layer", e.layer);
    out.set("classIndex", e.target_class);
    out.set("label", model_.metadata.labels[e.target_class]);
    out.set("probability", e.prediction.probabilities[e.target_class]);
    out.set("crop", crop_to_js(request.box));
    out.set("map", map_to_js(e.raw));
    const ex::Map& heat = e.upsampled.front();
    out.set("heat", map_to_js(heat));
    add_pictures(out, image, request.box, heat, request.look);
    out.set("weights",
            e.channel_weights.empty() ? val::null() : copy_to_js(e.channel_weights.data(), e.channel_weights.size()));
    val timings = val::object();
    timings.set("forward", e.timings.forward_ms);
    timings.set("backward", e.timings.backward_ms);
    timings.set("method", e.timings.map_ms);
    timings.set("postprocess", e.timings.postprocess_ms);
    out.set("timings", timings);
    return out;
  }

  val explanations_to_js(const std::vector<ex::Explanation>& explanations, const JsImage& image,
                         const Request& request) const {
    val out = val::array();
    for (const ex::Explanation& e : explanations) out.call<void>("push", explanation_to_js(e, image, request));
    return out;
  }

  val methods_at(const std::string& layer) const {
    val out = val::array();
    for (const ex::MethodInfo& info : ex::registered_methods()) {
      const std::unique_ptr<ex::Method> method = info.make();
      const std::optional<std::string> why = ex::why_not_applicable(model_, *method, layer);
      val entry = val::object();
      entry.set("name", std::string(info.name));
      entry.set("title", std::string(info.title));
      entry.set("summary", std::string(info.description));
      entry.set("perPixel", !method->requirements().layer);
      entry.set("slow", info.slow);
      entry.set("applies", !why.has_value());
      if (why) entry.set("why", *why);
      if (std::optional<std::string> own = method->own_layer(model_)) entry.set("ownLayer", *own);
      out.call<void>("push", entry);
    }
    return out;
  }

  static camlens::Image image_from(const val& pixels, int width, int height, int channels) {
    const size_t given = pixels["length"].as<size_t>();
    camlens::Image image(width, height, channels);  // checks the sizes and channels
    if (given != image.size()) {
      camlens::fail("Model.preprocess: a ", width, "x", height, "x", channels, " image needs ", image.size(),
                    " bytes, got ", given);
    }
    const std::vector<uint8_t> bytes = emscripten::convertJSArrayToNumberVector<uint8_t>(pixels);
    std::copy(bytes.begin(), bytes.end(), image.data());
    return image;
  }

  val preprocessed(const camlens::Image& image, const camlens::CropBox& box) const {
    const camlens::Tensor input = camlens::preprocess_image(image, camlens::preprocess_spec(model_.metadata, box));
    return copy_to_js(input.data(), input.size());
  }

  camlens::Model model_;
};

// WASM heap bytes malloc has handed out and not taken back: flat when nothing leaks.
size_t heap_bytes_in_use() { return mallinfo().uordblks; }

// How many threads split the engine's passes (kernels::set_thread_count); more than the module has
// workers for (Module.maxThreads, 1 on a page that is not cross-origin isolated) is an Error.
void set_thread_count(int threads) {
  js_errors([&] { camlens::kernels::set_thread_count(threads); });
}
int thread_count() { return camlens::kernels::thread_count(); }

}  // namespace

EMSCRIPTEN_BINDINGS(camlens) {
  emscripten::function("heapBytes", &heap_bytes_in_use);
  emscripten::function("setThreadCount", &set_thread_count);
  emscripten::function("threadCount", &thread_count);
  emscripten::class_<JsImage>("Image")
      .constructor(&JsImage::create)
      .function("width", &JsImage::width)
      .function("height", &JsImage::height);
  emscripten::class_<JsModel>("Model")
      .constructor(&JsModel::create_without_metadata)
      .constructor(&JsModel::create)
      .function("describe", &JsModel::describe)
      .function("preprocess", &JsModel::preprocess)
      .function("preprocess", &JsModel::preprocess_crop)
      .function("forward", &JsModel::forward)
      .function("saveLayersModel", &JsModel::save_layers_model)
      .function("methods", &JsModel::methods)
      .function("predict", &JsModel::predict)
      .function("explain", &JsModel::explain_quietly)
      .function("explain", &JsModel::explain)
      .function("explainMany", &JsModel::explain_many_quietly)
      .function("explainMany", &JsModel::explain_many)
      .function("topK", &JsModel::top_k)
      .function("layerSweep", &JsModel::layer_sweep)
      .function("render", &JsModel::render)
      .function("activationMaximization", &JsModel::activation_maximization);
}
