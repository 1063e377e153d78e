// libFuzzer harness: a training run's timeline.json (train/timeline), read back as `camlens train
// --resume` reads it, then written again as the run would go on writing it.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/json_fields.h"
#include "train/timeline.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nlohmann::json document = camlens::json_fields::parse(camlens::fuzz::as_text(data, size), "timeline.json");
    const camlens::Timeline timeline = camlens::timeline_from_json(document, "timeline.json");
    camlens::timeline_json(timeline).dump();
  } catch (const camlens::Error&) {
  }
  return 0;
}
