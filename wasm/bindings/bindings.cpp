// Embind bindings: the only file that knows about Emscripten. Thin conversions between JS values
// and engine types; every C++ exception becomes a JS Error with the engine's message.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "image/preprocess.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "io/model_input.h"

namespace {

using emscripten::val;

// Runs `body`, turning a C++ exception into a thrown JS Error (Embind would pass a bare pointer).
template <typename Body>
auto js_errors(Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    val::global("Error").new_(std::string(e.what())).throw_();
  }
}

// A copy of `bytes` owned by JS (views of WASM memory go stale when it grows).
val copy_to_js(const uint8_t* bytes, size_t count) {
  return val::global("Uint8Array").new_(emscripten::typed_memory_view(count, bytes)).call<val>("slice");
}

val copy_to_js(const float* values, size_t count) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(count, values)).call<val>("slice");
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

}  // namespace

EMSCRIPTEN_BINDINGS(camlens) {
  emscripten::class_<JsModel>("Model")
      .constructor(&JsModel::create_without_metadata)
      .constructor(&JsModel::create)
      .function("describe", &JsModel::describe)
      .function("preprocess", &JsModel::preprocess)
      .function("preprocess", &JsModel::preprocess_crop)
      .function("forward", &JsModel::forward)
      .function("saveLayersModel", &JsModel::save_layers_model);
}
