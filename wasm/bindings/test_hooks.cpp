// Test hooks: what the Node tests reach beneath the Explainer (raw forward passes against
// TensorFlow.js, preprocessing, the layers-model saver, the heap in use). Linked only into the
// tests' module (camlens-test.mjs), never into the page's.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <exception>
#include <string>
#include <vector>

#include "core/error.h"
#include "image/preprocess.h"
#include "io/layers_model_saver.h"
#include "io/model.h"
#include "io/model_input.h"

namespace {

using emscripten::val;

template <typename Body>
auto js_errors(Body body) -> decltype(body()) {
  val error = val::undefined();
  try {
    return body();
  } catch (const std::exception& e) {
    error = val::global("Error").new_(std::string(e.what()));
  }
  error.throw_();
}

val float_copy(const float* values, size_t count) {
  return val(emscripten::typed_memory_view(count, values)).call<val>("slice");
}

class TestModel {
 public:
  static TestModel* create(const std::string& model_json, const val& shards, const std::string& metadata_json) {
    return js_errors([&] {
      std::vector<camlens::ShardFile> files;
      for (size_t i = 0; i < shards["length"].as<size_t>(); ++i) {
        files.push_back({shards[i]["name"].as<std::string>(),
                         emscripten::convertJSArrayToNumberVector<uint8_t>(shards[i]["bytes"])});
      }
      return new TestModel(camlens::load_model(model_json, camlens::shard_views(files), metadata_json));
    });
  }
  static TestModel* create_without_metadata(const std::string& model_json, const val& shards) {
    return create(model_json, shards, "");
  }

  // {input, inputShape, logits, probabilities}: the graph's names the oracle tests compare by.
  val names() const {
    val out = val::object();
    out.set("input", model_.input());
    val shape = val::array();
    const camlens::Shape item = model_.graph.nodes().front().item_shape;
    for (int i = 0; i < item.rank(); ++i) shape.call<void>("push", item[i]);
    out.set("inputShape", shape);
    out.set("logits", model_.logits);
    out.set("probabilities", model_.probabilities);
    return out;
  }

  // input: batch x inputShape values, NHWC -> batch x classes logits.
  val forward(const val& input, int batch) {
    return js_errors([&] {
      const camlens::Shape item = model_.graph.nodes().front().item_shape;
      const size_t per_item = item.size();
      if (batch <= 0 || input["length"].as<size_t>() != per_item * static_cast<size_t>(batch)) {
        camlens::fail("TestModel.forward: ", batch, " input(s) of ", item.str(), " need ", per_item * std::max(batch, 0),
                      " values, got ", input["length"].as<size_t>());
      }
      std::vector<int> dims{batch};
      for (int i = 0; i < item.rank(); ++i) dims.push_back(item[i]);
      const camlens::Shape shape = dims.size() == 4 ? camlens::Shape{dims[0], dims[1], dims[2], dims[3]}
                                   : dims.size() == 3 ? camlens::Shape{dims[0], dims[1], dims[2]}
                                                      : camlens::Shape{dims[0], dims[1]};
      model_.graph.forward(camlens::Tensor(shape, emscripten::convertJSArrayToNumberVector<float>(input)),
                           {.keep = std::vector<std::string>{model_.logits}});
      const camlens::Tensor& logits = model_.graph.activation(model_.logits);
      return float_copy(logits.data(), logits.size());
    });
  }

  // pixels: height x width x channels bytes; the metadata's box (or `crop` in pixels) as the model's input.
  val preprocess(const val& pixels, int width, int height, int channels, const val& crop) const {
    return js_errors([&] {
      camlens::Image image(width, height, channels);
      if (pixels["length"].as<size_t>() != image.size()) {
        camlens::fail("TestModel.preprocess: a ", width, "x", height, "x", channels, " image needs ", image.size(), " bytes");
      }
      val(emscripten::typed_memory_view(image.size(), image.data())).call<void>("set", pixels);
      const camlens::CropBox box =
          crop.isUndefined() || crop.isNull()
              ? camlens::default_crop_box(model_.metadata.crop, width, height)
              : camlens::CropBox{crop["x"].as<int>(), crop["y"].as<int>(), crop["width"].as<int>(), crop["height"].as<int>()};
      const camlens::Tensor input = camlens::preprocess_image(image, camlens::preprocess_spec(model_.metadata, box));
      return float_copy(input.data(), input.size());
    });
  }

  // {modelJson, weightsFile, weights}: the model as a TensorFlow.js layers model.
  val save_layers_model() const {
    return js_errors([&] {
      const camlens::SavedLayersModel saved = camlens::save_layers_model(model_.graph, &model_.metadata);
      val out = val::object();
      out.set("modelJson", saved.model_json);
      out.set("weightsFile", saved.weights_file);
      out.set("weights", val(emscripten::typed_memory_view(saved.weights.size(), saved.weights.data())).call<val>("slice"));
      return out;
    });
  }

 private:
  explicit TestModel(camlens::Model model) : model_(std::move(model)) {}
  camlens::Model model_;
};

// WASM heap bytes malloc has handed out and not taken back: flat when nothing leaks.
size_t heap_bytes_in_use() { return mallinfo().uordblks; }

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_test_hooks) {
  emscripten::function("heapBytes", &heap_bytes_in_use);
  emscripten::class_<TestModel>("TestModel")
      .constructor(&TestModel::create_without_metadata)
      .constructor(&TestModel::create)
      .function("names", &TestModel::names)
      .function("forward", &TestModel::forward)
      .function("preprocess", &TestModel::preprocess)
      .function("saveLayersModel", &TestModel::save_layers_model);
}
