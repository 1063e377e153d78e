// libFuzzer harness: a weights manifest and its shard bytes (io/weights' read_weights), from memory.
// Input: the manifest's JSON text (model.json's "weightsManifest" array), a NUL byte, then the
// shards' bytes, split evenly across the paths the manifest names, in order. (Reading shards from
// disk, read_shard_files, is left to the tests: a fuzzer must not open whatever path it invents.)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/weights.h"

namespace {

std::vector<std::string> shard_names(const nlohmann::json& manifest) {
  std::vector<std::string> names;
  if (!manifest.is_array()) return names;
  for (const nlohmann::json& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array()) continue;
    for (const nlohmann::json& path : group["paths"]) {
      if (path.is_string()) names.push_back(path.get<std::string>());
    }
  }
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* end = data + size;
  const std::uint8_t* separator = std::find(data, end, std::uint8_t{0});
  const nlohmann::json manifest = nlohmann::json::parse(data, separator, nullptr, false);
  if (manifest.is_discarded()) return 0;  // not a manifest: nothing of io/weights to reach
  const std::uint8_t* shard_bytes = separator == end ? end : separator + 1;
  const std::vector<std::string> names = shard_names(manifest);
  std::vector<camlens::ShardBytes> shards;
  const std::size_t total = static_cast<std::size_t>(end - shard_bytes);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::size_t from = total * i / names.size(), to = total * (i + 1) / names.size();
    shards.push_back({names[i], {shard_bytes + from, to - from}});
  }
  try {
    camlens::read_weights(manifest, shards);
  } catch (const camlens::Error&) {
  }
  return 0;
}
