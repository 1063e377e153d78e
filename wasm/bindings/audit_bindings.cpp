// Embind bridge for the page's dataset audit: converts between JS values and the engine's audit
// (audit/audit.h, audit/report.h), and decides nothing. The audit has an Explainer of its own, so
// the explain view's image and kept maps stay as they were; images come in one at a time as RGBA
// with their file and folder names, and the finished audit goes out as audit.json's text (kind
// "audit", as `camlens audit` writes it) and, given its example images, as report.html's text.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "audit/report.h"
#include "core/error.h"
#include "explain/explainer.h"
#include "image/channels.h"
#include "image/image.h"
#include "io/json_fields.h"
#include "io/model.h"
#include "io/weights.h"
#include "js_values.h"

namespace {

using emscripten::val;
using camlens::bindings::js_errors;
using camlens::bindings::json_from;
namespace audit = camlens::audit;

std::string string_from(const val& value, const char* what) {
  if (!value.isString()) camlens::fail("Audit: ", what, " must be a string");
  return value.as<std::string>();
}

// rgba: width x height x 4 bytes (ImageData's) as an RGB Image.
camlens::Image rgb_from(const val& rgba, int width, int height, const std::string& file) {
  camlens::Image pixels(width, height, 4);  // checks the sizes
  const size_t given = rgba["length"].as<size_t>();
  if (given != pixels.size()) {
    camlens::fail(file, ": a ", width, "x", height, " RGBA image needs ", pixels.size(), " bytes (4 per pixel), got ", given);
  }
  val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
  return camlens::to_rgb(pixels);
}

class JsAudit {
 public:
  // options: {method ('grad-cam'), layer ('' for the model's), foreground (0.15: the share of the
  // brightest that counts as the object), model and data (the names audit.json gives them)}.
  static JsAudit* create(const val& model, const val& options) {
    return js_errors([&] {
      namespace jf = camlens::json_fields;
      const nlohmann::json fields = options.isUndefined() ? nlohmann::json::object() : json_from(options);
      const double foreground = jf::number_or(fields, "foreground", "audit options: foreground", 0.15);
      if (!(foreground > 0.0 && foreground < 1.0)) camlens::fail("audit options: foreground must be between 0 and 1");
      auto* out = new JsAudit(camlens::bindings::model_from(model, "Audit"));
      audit::Audit& a = out->audit_;
      a.method = jf::string_or(fields, "method", "audit options: method", "grad-cam");
      a.layer = jf::string_or(fields, "layer", "audit options: layer", "");
      a.model = jf::string_or(fields, "model", "audit options: model", "");
      a.data = jf::string_or(fields, "data", "audit options: data", "");
      a.labels = out->explainer_.model().metadata.labels;
      out->request_.methods = {{a.method, nullptr}};
      out->request_.layer = a.layer;
      out->foreground_ = static_cast<float>(foreground);
      return out;
    });
  }

  // The class a folder name stands for (audit.h's class_of_folder), or null for none.
  val class_of_folder(const std::string& folder) const {
    const std::optional<int> found = audit::class_of_folder(folder, audit_.labels);
    return found ? val(*found) : val::null();
  }

  // One decoded image, audited at once: its file (relative to the data folder) and its class folder.
  void add_image(const val& rgba, int width, int height, const std::string& file, const std::string& folder) {
    js_errors([&] {
      const camlens::Image image = rgb_from(rgba, width, height, file);
      try {
        audit::ImageAudit result = audit::audit_image(explainer_, request_, image, audit::class_of_folder(folder, audit_.labels),
                                                      std::nullopt, foreground_);
        result.file = file;
        audit_.images.push_back(std::move(result));
      } catch (const camlens::Error& e) {
        camlens::fail(file, ": ", e.what());
      }
    });
  }

  // A file that could not be read, with why (the CLI's audit.json lists them under "skipped").
  void skip_file(const std::string& file, const std::string& reason) { audit_.skipped.push_back({file, reason}); }

  int images() const { return static_cast<int>(audit_.images.size()); }

  // The audit summarised -> audit.json's text.
  std::string finish() {
    return js_errors([&] {
      if (audit_.images.empty()) camlens::fail("no image of ", audit_.data.empty() ? "the folder" : audit_.data, " could be read");
      if (audit_.layer.empty()) audit_.layer = explainer_.model().metadata.explain_layer;
      std::sort(audit_.skipped.begin(), audit_.skipped.end(),
                [](const audit::SkippedImage& a, const audit::SkippedImage& b) { return a.file < b.file; });
      audit::summarise(audit_);
      summarised_ = true;
      return audit::audit_json(audit_).dump() + "\n";
    });
  }

  // report.html's text once finished. examples: [{file, rgba, width, height}], the images the
  // report shows (a cluster's first examples); one not given is shown as its map alone.
  std::string report(const val& examples) {
    return js_errors([&] {
      if (!summarised_) camlens::fail("Audit: call finish before report");
      std::map<std::string, camlens::Image> pictures;
      const size_t count = examples["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        const val example = examples[i];
        const std::string file = string_from(example["file"], "examples[].file");
        pictures.emplace(file, rgb_from(example["rgba"], example["width"].as<int>(), example["height"].as<int>(), file));
      }
      return audit::audit_report_html(audit_, [&](const std::string& file) {
        const auto found = pictures.find(file);
        return found == pictures.end() ? camlens::Image() : found->second.clone();
      });
    });
  }

 private:
  explicit JsAudit(camlens::Model model) : explainer_(std::move(model)) {}

  camlens::explain::Explainer explainer_;
  camlens::explain::ViewRequest request_;
  float foreground_ = 0.15f;
  audit::Audit audit_;
  bool summarised_ = false;
};

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_audit) {
  emscripten::class_<JsAudit>("Audit")
      .constructor(&JsAudit::create, emscripten::allow_raw_pointers())
      .function("classOfFolder", &JsAudit::class_of_folder)
      .function("addImage", &JsAudit::add_image)
      .function("skipFile", &JsAudit::skip_file)
      .function("images", &JsAudit::images)
      .function("finish", &JsAudit::finish)
      .function("report", &JsAudit::report);
}
