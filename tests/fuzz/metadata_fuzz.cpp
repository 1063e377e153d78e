// libFuzzer harness: metadata (io/metadata) against the shipped emotion model's graph, as metadata.json
// and as model.json's userDefinedMetadata, then written back as JSON, as load_model resolves it.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/json_fields.h"
#include "io/metadata.h"
#include "io/model.h"

namespace {

// Loaded once: resolve_metadata only reads the graph.
const camlens::Model& emotion_model() {
  static const camlens::Model model = camlens::load_model_file(CAMLENS_SOURCE_DIR "/models/emotion/model.json");
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const camlens::Model& model = emotion_model();
  try {
    const nlohmann::json metadata = camlens::json_fields::parse(camlens::fuzz::as_text(data, size), "metadata.json");
    for (bool from_model_json : {false, true}) {
      try {
        const camlens::ModelMetadata resolved =
            camlens::resolve_metadata(from_model_json ? &metadata : nullptr, from_model_json ? nullptr : &metadata,
                                      model.graph, model.logits);
        camlens::metadata_to_json(resolved).dump();
      } catch (const camlens::Error&) {
      }
    }
  } catch (const camlens::Error&) {
  }
  return 0;
}
