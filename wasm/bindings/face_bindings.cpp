// Embind bridge for the face detector (faces/face_detector.h): the page's worker runs it on the
// photo when the model's crop is "face". Converts and decides nothing.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "faces/face_crop.h"
#include "faces/face_detector.h"
#include "image/channels.h"
#include "js_values.h"

namespace {

using emscripten::val;
using camlens::bindings::js_errors;
using camlens::bindings::js_from;

class JsFaceDetector {
 public:
  // model_json: BlazeFace's model.json text; shards: [{name: string, bytes: Uint8Array}].
  static JsFaceDetector* create(const val& model_json_text, const val& shards) {
    return js_errors([&] {
      if (!model_json_text.isString()) camlens::fail("FaceDetector: model.json must be given as text");
      const std::string model_json = model_json_text.as<std::string>();
      std::vector<camlens::ShardFile> files;
      const size_t count = shards["length"].as<size_t>();
      for (size_t i = 0; i < count; ++i) {
        const val shard = shards[i];
        if (!shard["name"].isString() || !shard["bytes"].instanceof(val::global("Uint8Array"))) {
          camlens::fail("FaceDetector: shards[", i, "] must be {name: string, bytes: Uint8Array}");
        }
        files.push_back({shard["name"].as<std::string>(), emscripten::convertJSArrayToNumberVector<uint8_t>(shard["bytes"])});
      }
      return new JsFaceDetector(camlens::FaceDetector(model_json, camlens::shard_views(files)));
    });
  }

  // rgba: width x height x 4 bytes -> faces best score first, each as the result schema's face
  // plus "crop": the square box a face model sees for it, crop_scale times the face's box (the
  // model's metadata: {"face": f}, else kFaceCropScale).
  val detect(const val& rgba, int width, int height, float crop_scale) {
    return js_errors([&] {
      camlens::Image pixels(width, height, 4);  // checks the sizes
      const size_t given = rgba["length"].as<size_t>();
      if (given != pixels.size()) {
        camlens::fail("FaceDetector.detect: a ", width, "x", height, " RGBA image needs ", pixels.size(), " bytes, got ", given);
      }
      val(emscripten::typed_memory_view(pixels.size(), pixels.data())).call<void>("set", rgba);
      const std::vector<camlens::Face> faces = detector_.detect(camlens::to_rgb(pixels));
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const camlens::Face& face : faces) {
        nlohmann::ordered_json entry = nlohmann::ordered_json(camlens::face_json(face));
        const camlens::CropBox crop = camlens::face_crop_box(face, width, height, crop_scale);
        entry["crop"] = {{"x", crop.x}, {"y", crop.y}, {"width", crop.width}, {"height", crop.height}};
        out.push_back(std::move(entry));
      }
      return js_from(out);
    });
  }

 private:
  explicit JsFaceDetector(camlens::FaceDetector detector) : detector_(std::move(detector)) {}

  camlens::FaceDetector detector_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(camlens_faces) {
  emscripten::class_<JsFaceDetector>("FaceDetector")
      .constructor(&JsFaceDetector::create, emscripten::allow_raw_pointers())
      .function("detect", &JsFaceDetector::detect);
  // The face crop's default scale (io/metadata.h), for a model whose metadata says just "face".
  emscripten::constant("faceCropScale", camlens::kFaceCropScale);
}
