// Embind bridge for live training: converts between JS values and the engine's TrainingSession
// (train/session.h), and decides nothing. Data comes in as IDX bytes or a folder listing plus each
// decoded picture as RGBA; every epoch goes out as its timeline entry (maps as Float32Arrays) and
// its snapshot (model.json text and the weights as a Uint8Array). Everything returned is a copy.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "image/channels.h"
#include "image/image.h"
#include "io/json_fields.h"
#include "io/layers_model_saver.h"
#include "js_values.h"
#include "train/session.h"
#include "train/timeline.h"

namespace {

using emscripten::val;
using camlens::bindings::js_errors;
using camlens::bindings::js_from;
using camlens::bindings::json_from;
using ordered_json = nlohmann::ordered_json;

std::vector<uint8_t> bytes_from(const val& array, const char* what) {
  if (!array.instanceof(val::global("Uint8Array"))) camlens::fail("Training: ", what, " must be a Uint8Array");
  return emscripten::convertJSArrayToNumberVector<uint8_t>(array);
}

val uint8_array(const uint8_t* data, size_t size, const char* type = "Uint8Array") {
  const val copy = val(emscripten::typed_memory_view(size, data)).call<val>("slice");
  return val::global(type).new_(copy["buffer"]);
}

// rgba: width x height x 4 bytes (ImageData's) as an Image.
camlens::Image image_from(const val& rgba, int width, int height, const char* what) {
  camlens::Image pixels(width, height, 4);  // checks the sizes
  const size_t given = rgba["length"].as<size_t>();
  if (given != pixels.size()) {
    camlens::fail(what, ": a ", width, "x", height, " RGBA image needs ", pixels.size(), " bytes (4 per pixel), got ", given);
  }
  val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
  return pixels;
}

val summary_js(const camlens::DataSummary& summary) {
  ordered_json counts = ordered_json::array(), skipped = ordered_json::array();
  size_t files = 0;
  for (const camlens::ClassCount& count : summary.counts) {
    counts.push_back({{"name", count.name}, {"train", count.train}, {"validation", count.validation}, {"skipped", count.skipped}});
    files += count.train + count.validation + count.skipped;
  }
  for (const camlens::SkippedFile& file : summary.skipped) {
    skipped.push_back({{"file", file.file}, {"reason", camlens::skip_reason_name(file.reason)}, {"detail", file.detail}});
  }
  return js_from({{"source", summary.source},
                  {"classes", summary.classes},
                  {"input", {summary.input[0], summary.input[1], summary.input[2]}},
                  {"counts", std::move(counts)},
                  {"files", files},
                  {"skipped", std::move(skipped)}});
}

class JsTraining {
 public:
  // The four decompressed IDX files of Fashion-MNIST, each a Uint8Array. -> the data's summary.
  val use_idx(const val& train_images, const val& train_labels, const val& test_images, const val& test_labels) {
    return js_errors([&] {
      return summary_js(session_.use_idx(bytes_from(train_images, "the training images"),
                                         bytes_from(train_labels, "the training labels"),
                                         bytes_from(test_images, "the test images"),
                                         bytes_from(test_labels, "the test labels")));
    });
  }

  // listing: train/session.h's folder listing; options: {input: [H, W, C] (default [64, 64, 3]),
  // validation_fraction (0.1), seed (1)}. -> the planned summary (counts before any decoding).
  val plan_folder(const val& listing, const val& options) {
    return js_errors([&] {
      const nlohmann::json fields = options.isUndefined() ? nlohmann::json::object() : json_from(options);
      namespace jf = camlens::json_fields;
      const std::vector<int> side =
          jf::find(fields, "input") ? jf::as_int_list(fields["input"], "folder options: input") : std::vector<int>{64, 64, 3};
      if (side.size() != 3) camlens::fail("folder options: input must be [height, width, channels], e.g. [64, 64, 3]");
      const camlens::Shape input{side[0], side[1], side[2]};
      camlens::SplitOptions split;
      split.validation_fraction = jf::number_or(fields, "validation_fraction", "folder options: validation_fraction", 0.1);
      split.seed = static_cast<uint64_t>(jf::number_or(fields, "seed", "folder options: seed", 1));
      return summary_js(session_.plan_folder(camlens::folder_listing_from_json(json_from(listing)), input, split));
    });
  }

  // The listing's name of the next file to decode, or null when every file is in.
  val next_file() const {
    return js_errors([&] { return session_.folder_done() ? val::null() : val(session_.next_file()); });
  }
  void add_image(const val& rgba, int width, int height) {
    js_errors([&] { session_.add_image(image_from(rgba, width, height, "addImage")); });
  }
  // reason: "not an image", "too large" or "unreadable"; detail: why, for the page's message.
  void skip_file(const val& reason, const val& detail) {
    js_errors([&] {
      session_.skip_file(camlens::skip_reason_named(reason.isString() ? reason.as<std::string>() : ""),
                         detail.isString() ? detail.as<std::string>() : std::string());
    });
  }
  val finish_data() {
    return js_errors([&] { return summary_js(session_.finish_folder()); });
  }

  // -> [{image, trueClass, label, width, height, rgba: Uint8ClampedArray}]
  val probes() const {
    return js_errors([&] {
      val out = val::array();
      const std::vector<std::string>& labels = session_.data_summary().classes;
      for (const camlens::ProbeImage& probe : session_.probes()) {
        const camlens::Image rgba = camlens::to_rgba(probe.image);
        val item = val::object();
        item.set("image", probe.probe.image);
        item.set("trueClass", probe.probe.true_class);
        item.set("label", labels.at(static_cast<size_t>(probe.probe.true_class)));
        item.set("width", rgba.width());
        item.set("height", rgba.height());
        item.set("rgba", uint8_array(rgba.data(), rgba.size(), "Uint8ClampedArray"));
        out.call<void>("push", item);
      }
      return out;
    });
  }
  // probes: [{rgba, width, height, trueClass}]
  void set_probes(const val& probes) {
    js_errors([&] {
      std::vector<camlens::ProbeImage> images;
      const size_t count = probes["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        const val probe = probes[i];
        camlens::Image rgba = image_from(probe["rgba"], probe["width"].as<int>(), probe["height"].as<int>(), "setProbes");
        images.push_back({{"", probe["trueClass"].as<int>()}, camlens::to_rgb(rgba)});
      }
      session_.set_probes(std::move(images));
    });
  }

  // settings: train/session.h's run settings. -> {timeline (no epochs yet), stepsPerEpoch}
  val start(const val& settings) {
    return js_errors([&] {
      session_.start(camlens::run_settings_from_json(settings.isUndefined() ? nlohmann::json::object() : json_from(settings)));
      val out = val::object();
      out.set("timeline", js_from(camlens::timeline_json(session_.run().timeline(), camlens::explain::ArrayEncoding::binary)));
      out.set("stepsPerEpoch", session_.run().steps_per_epoch());
      return out;
    });
  }

  // Trains the next epoch. on_progress(fraction of the epoch's steps done) is called before each
  // step and returns false to cancel. -> {entry, snapshot: {modelJson, weightsFile, weights}}, or
  // null when cancelled (the run stays after its last finished epoch).
  val epoch(const val& on_progress) {
    return js_errors([&] {
      const bool reporting = on_progress.typeOf().as<std::string>() == "function";
      double fraction = 0.0;
      std::optional<camlens::EpochOutcome> outcome = session_.next_epoch(
          [&](int done, int total) { fraction = static_cast<double>(done) / total; },
          [&] { return reporting && on_progress(fraction).strictlyEquals(val(false)); });
      if (!outcome) return val::null();
      if (reporting) on_progress(1.0);
      const camlens::SavedLayersModel saved = camlens::save_layers_model(outcome->snapshot, &session_.run().metadata());
      val snapshot = val::object();
      snapshot.set("modelJson", saved.model_json);
      snapshot.set("weightsFile", saved.weights_file);
      snapshot.set("weights", uint8_array(saved.weights.data(), saved.weights.size()));
      val out = val::object();
      out.set("entry", js_from(camlens::timeline_epoch_json(outcome->entry, camlens::explain::ArrayEncoding::binary)));
      out.set("snapshot", snapshot);
      out.set("epochsDone", session_.run().epochs_done());
      out.set("finished", session_.run().finished());
      return out;
    });
  }
  val epoch_quietly() { return epoch(val::undefined()); }

  // The whole timeline as timeline.json's text (maps as numbers), for a download.
  std::string timeline() {
    return js_errors([&] { return camlens::timeline_json(session_.run().timeline()).dump() + "\n"; });
  }

 private:
  camlens::TrainingSession session_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_training) {
  emscripten::class_<JsTraining>("Training")
      .constructor<>()
      .function("useIdx", &JsTraining::use_idx)
      .function("planFolder", &JsTraining::plan_folder)
      .function("nextFile", &JsTraining::next_file)
      .function("addImage", &JsTraining::add_image)
      .function("skipFile", &JsTraining::skip_file)
      .function("finishData", &JsTraining::finish_data)
      .function("probes", &JsTraining::probes)
      .function("setProbes", &JsTraining::set_probes)
      .function("start", &JsTraining::start)
      .function("epoch", &JsTraining::epoch_quietly)
      .function("epoch", &JsTraining::epoch)
      .function("timeline", &JsTraining::timeline);
}
