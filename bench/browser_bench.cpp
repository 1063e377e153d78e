// Embind surface of the in-browser benchmark (bench/browser/): the work whose time the page
// measures from JS, next to TensorFlow.js in the same Chromium session. The emotion model's forward
// pass is timed through the page's own module (build/wasm/camlens.mjs, Model.forward); this module
// adds what that bridge does not expose as one call: each explanation method on a fixed input, several
// methods after one shared forward pass (the engine alone, without the bridge's pictures), the
// built-in Fashion-MNIST CNN on a batch (inference forward; training forward + backward), and
// training epochs of each preset on Fashion-MNIST images the page fetched, with and without probes.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "explain/pipeline.h"
#include "explain/registry.h"
#include "io/model.h"
#include "kernels/backend.h"
#include "train/architecture.h"
#include "train/loss.h"
#include "train/random.h"
#include "train/run.h"
#include "train/training.h"
#include "training_run.h"

namespace {

using emscripten::val;

template <typename Body>
auto js_errors(Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    val::global("Error").new_(std::string(e.what())).throw_();
  }
}

val method_names() {
  val names = val::array();
  for (const camlens::explain::MethodInfo& info : camlens::explain::registered_methods()) {
    names.call<void>("push", std::string(info.name));
  }
  return names;
}

// The emotion model (or any TensorFlow.js model) and one preprocessed input, explained on demand.
class ExplainBench {
 public:
  // shards: [{name, bytes: Uint8Array}]; input: the model input as a Float32Array (Model.preprocess's
  // output); map_height x map_width: the size maps are upsampled to (the crop, as the page draws it).
  ExplainBench(const std::string& model_json, const val& shards, const std::string& metadata_json, const val& input,
               int map_height, int map_width)
      : model_(load(model_json, shards, metadata_json)) {
    js_errors([&] {
      const camlens::Shape item = model_.graph.nodes().front().item_shape;
      const std::vector<float> values = emscripten::convertJSArrayToNumberVector<float>(input);
      if (item.rank() != 3 || values.size() != item.size()) {
        camlens::fail("ExplainBench: the input must hold one ", item.str(), " item, got ", values.size(), " values");
      }
      input_ = camlens::Tensor(camlens::Shape{1, item[0], item[1], item[2]}, values);
      options_.sizes = {{map_height, map_width}};
    });
  }

  // One explanation of the top-1 class with `method`; returns the target class (so the work cannot
  // be skipped).
  int explain(const std::string& method) {
    return js_errors([&] {
      return camlens::explain::explain_target(model_, input_, method_named(method), camlens::explain::Target::top(),
                                              options_)
          .target_class;
    });
  }

  // Every method of `names` (a JS array) for the top-1 class after one shared forward pass
  // (explain_all, what Model.explainMany calls); returns the last explanation's class.
  int explain_all(const val& names) {
    return js_errors([&] {
      std::vector<camlens::explain::Method*> methods;
      for (const std::string& name : emscripten::vecFromJSArray<std::string>(names)) methods.push_back(&method_named(name));
      const camlens::explain::Target targets[] = {camlens::explain::Target::top()};
      return camlens::explain::explain_all(model_, input_, methods, targets, options_).back().target_class;
    });
  }

 private:
  static camlens::Model load(const std::string& model_json, const val& shards, const std::string& metadata_json) {
    return js_errors([&] {
      std::vector<camlens::ShardFile> files;
      const size_t count = shards["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        files.push_back({shards[i]["name"].as<std::string>(),
                         emscripten::convertJSArrayToNumberVector<uint8_t>(shards[i]["bytes"])});
      }
      return camlens::load_model(model_json, camlens::shard_views(files), metadata_json);
    });
  }

  camlens::explain::Method& method_named(const std::string& name) {
    auto& made = methods_[name];
    if (!made) made = camlens::explain::make_method(name);
    return *made;
  }

  camlens::Model model_;
  camlens::Tensor input_;
  camlens::explain::ExplainOptions options_;
  std::map<std::string, std::unique_ptr<camlens::explain::Method>> methods_;
};

// The built-in Fashion-MNIST CNN (train/architecture.h's "vgg", seed-1 weights) on one batch of random images.
class CnnBench {
  static camlens::Architecture architecture() { return camlens::make_architecture("vgg", camlens::Shape{28, 28, 1}, 10); }

 public:
  explicit CnnBench(int batch)
      : training_(camlens::build_training_graph(architecture(), 1)),
        inference_(camlens::build_inference_graph(architecture(), training_)) {
    camlens::SeededRandom random(7);
    images_ = camlens::Tensor(camlens::Shape{batch, 28, 28, 1});
    for (float& v : images_.values()) v = random.uniform(0.0f, 1.0f);
    for (int i = 0; i < batch; ++i) labels_.push_back(i % 10);
    backward_.request.weight_grads = true;
  }

  // Inference (BatchNorm folded, as the page runs a trained model): returns the first logit.
  float forward() {
    return inference_.forward(images_, camlens::ForwardOptions{camlens::Phase::inference, std::nullopt}).data()[0];
  }

  // A training step without the optimiser: zeroed gradients, forward in training mode, softmax
  // cross-entropy, and the backward pass with weight gradients. Returns the loss.
  float forward_backward() {
    for (const camlens::Parameter& p : training_.parameters()) p.grad->fill(0.0f);
    const camlens::Tensor& logits =
        training_.forward(images_, camlens::ForwardOptions{camlens::Phase::training, std::nullopt});
    const float loss = camlens::softmax_cross_entropy_forward(probabilities_, logits, labels_);
    d_logits_.reshape_storage(logits.shape(), /*zero=*/true);
    camlens::softmax_cross_entropy_backward(d_logits_, probabilities_, labels_);
    training_.backward(d_logits_, backward_);
    return loss;
  }

 private:
  camlens::Graph training_, inference_;
  camlens::Tensor images_, probabilities_, d_logits_;
  std::vector<int> labels_;
  camlens::BackwardOptions backward_;
};

// Fashion-MNIST images [N, 28, 28, 1] and their labels, as the page decoded them from the IDX files
// (Uint8Arrays of N * 784 and N bytes).
camlens::Dataset fashion_dataset(const val& pixels, const val& labels) {
  camlens::Dataset data;
  data.item_shape = camlens::Shape{28, 28, 1};
  data.pixels = emscripten::convertJSArrayToNumberVector<uint8_t>(pixels);
  for (const uint8_t label : emscripten::convertJSArrayToNumberVector<uint8_t>(labels)) data.labels.push_back(label);
  camlens::validate_dataset(data, 10, "the page's Fashion-MNIST images");
  return data;
}

// A preset ("vgg", "vgg-quick", "xception", "xception-quick") trained by the trainer's defaults
// (batch 64, AdamW, augmentation) on the page's images, one epoch per call, as a live run trains.
class EpochBench {
 public:
  EpochBench(const std::string& architecture, const val& train_pixels, const val& train_labels,
             const val& validation_pixels, const val& validation_labels)
      : train_(js_errors([&] { return fashion_dataset(train_pixels, train_labels); })),
        validation_(js_errors([&] { return fashion_dataset(validation_pixels, validation_labels); })),
        graph_(js_errors([&] {
          return camlens::build_training_graph(camlens::make_architecture(architecture, camlens::Shape{28, 28, 1}, 10), 1);
        })),
        trainer_(graph_, train_, validation_, options()) {}

  // Trainable values: the page checks that TensorFlow.js's model of the preset has as many.
  double parameters() {
    size_t count = 0;
    for (const camlens::Parameter& p : graph_.parameters()) count += p.value->size();
    return static_cast<double>(count);
  }

  // One epoch: {trainSeconds, validationSeconds, steps, multiplyAddsPerImage, trainAccuracy}, by the trainer's clock.
  val epoch() {
    return js_errors([&] {
      const std::optional<camlens::EpochReport> report = trainer_.run_epoch();
      val out = val::object();
      out.set("trainSeconds", report->train_seconds);
      out.set("validationSeconds", report->validation_seconds);
      out.set("steps", trainer_.steps_per_epoch());
      out.set("multiplyAddsPerImage", static_cast<double>(camlens::multiply_adds_per_image(graph_)));
      out.set("trainAccuracy", report->train.accuracy);
      return out;
    });
  }

 private:
  static camlens::TrainOptions options() {
    camlens::TrainOptions options;
    options.epochs = 1000;  // the cosine schedule changes the step size, not the work
    return options;
  }

  camlens::Dataset train_, validation_;
  camlens::Graph graph_;
  camlens::ClassifierTrainer trainer_;
};

// A training run as the page runs one (train/run.h): after each epoch the snapshot and the first
// validation image of `probes` classes explained with it (CAM), so that a run with probes and one
// without, an epoch of each in turn, give the probes' cost.
class RunEpochBench {
 public:
  RunEpochBench(const std::string& architecture, const val& train_pixels, const val& train_labels,
                const val& validation_pixels, const val& validation_labels, const val& labels, int probes)
      : set_(js_errors([&] {
          camlens::TrainingSet set;
          set.source = "fashion-mnist";
          set.labels = emscripten::vecFromJSArray<std::string>(labels);
          set.train = fashion_dataset(train_pixels, train_labels);
          set.validation = fashion_dataset(validation_pixels, validation_labels);
          return set;
        })),
        run_(js_errors([&] {
          return std::make_unique<camlens::TrainingRun>(
              camlens::bench::default_run_settings(architecture, set_), set_,
              camlens::bench::first_probe_of_each_class(set_.validation, 10, probes));
        })) {}

  // One epoch: {epochSeconds (training and validation), afterSeconds (the snapshot and the probes), wallSeconds}.
  val epoch() {
    return js_errors([&] {
      const camlens::bench::RunEpochTiming timing = camlens::bench::time_next_epoch(*run_);
      val out = val::object();
      out.set("epochSeconds", timing.epoch_seconds);
      out.set("afterSeconds", timing.after_seconds);
      out.set("wallSeconds", timing.wall_seconds);
      return out;
    });
  }

 private:
  camlens::TrainingSet set_;
  std::unique_ptr<camlens::TrainingRun> run_;  // it holds references to set_: never moved
};

// This module's own engine threads (the page's module has its own): up to Module.maxThreads.
void set_thread_count(int threads) {
  js_errors([&] { camlens::kernels::set_thread_count(threads); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_browser_bench) {
  emscripten::function("methodNames", &method_names);
  emscripten::function("setThreadCount", &set_thread_count);
  emscripten::class_<ExplainBench>("ExplainBench")
      .constructor<const std::string&, const val&, const std::string&, const val&, int, int>()
      .function("explain", &ExplainBench::explain)
      .function("explainAll", &ExplainBench::explain_all);
  emscripten::class_<CnnBench>("CnnBench")
      .constructor<int>()
      .function("forward", &CnnBench::forward)
      .function("forwardBackward", &CnnBench::forward_backward);
  emscripten::class_<EpochBench>("EpochBench")
      .constructor<const std::string&, const val&, const val&, const val&, const val&>()
      .function("parameters", &EpochBench::parameters)
      .function("epoch", &EpochBench::epoch);
  emscripten::class_<RunEpochBench>("RunEpochBench")
      .constructor<const std::string&, const val&, const val&, const val&, const val&, const val&, int>()
      .function("epoch", &RunEpochBench::epoch);
}
