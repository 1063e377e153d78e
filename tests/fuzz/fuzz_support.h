#pragma once
// Shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp). A harness feeds one parser the fuzzer's
// bytes; a camlens::Error is the parser refusing them, which is what hostile input should get.
// Anything else (a sanitizer report, another exception, a crash, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "io/model.h"
#include "io/weights.h"

namespace camlens::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Weight bytes for every shard `manifest` names, as many as its entries ask for, holding small
// finite values: a fuzzed topology then meets weights that read cleanly, so the importer behind
// read_weights is reached. Empty when the manifest is no list of groups or would need more than
// `limit` bytes (read_weights then refuses the missing shards itself).
std::vector<ShardFile> synthesized_shards(const nlohmann::json& model, std::size_t limit = 8u << 20);

// One forward pass on a constant image, as `camlens predict` would run, when the model's input is small.
void forward_if_small(Model& model);

// load_model on a fuzzed model.json with synthesized shards; when it loads and its input is small,
// one forward pass on a constant image, as `camlens predict` would run.
void load_and_run(std::string_view model_json);

}  // namespace camlens::fuzz
