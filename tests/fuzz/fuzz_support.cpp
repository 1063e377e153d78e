#include "fuzz_support.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace camlens::fuzz {

using nlohmann::json;

namespace {

// Bytes per stored value of a manifest entry; 0 when the entry does not say in a way we know.
std::size_t stored_bytes_per_value(const json& entry) {
  const json* quantization = entry.contains("quantization") ? &entry["quantization"] : nullptr;
  const json& dtype = quantization != nullptr && quantization->is_object() && quantization->contains("dtype")
                          ? (*quantization)["dtype"]
                          : entry.contains("dtype") ? entry["dtype"] : json();
  if (!dtype.is_string()) return 4;
  const std::string name = dtype.get<std::string>();
  if (name == "uint8") return 1;
  if (name == "uint16" || name == "float16") return 2;
  return 4;
}

// The entry's element count, or 0 when its shape is no list of small non-negative integers.
std::size_t element_count(const json& entry) {
  if (!entry.is_object() || !entry.contains("shape") || !entry["shape"].is_array()) return 0;
  std::size_t count = 1;
  for (const json& dim : entry["shape"]) {
    if (!dim.is_number_integer() || dim.get<long long>() < 0 || dim.get<long long>() > (1 << 24)) return 0;
    count *= static_cast<std::size_t>(dim.get<long long>());
    if (count > (1u << 26)) return 0;
  }
  return count;
}

// Bytes that read as small finite float32 values (0.0625 steps in -0.5..0.5) and, read as any other
// dtype, as small values too.
void fill_pattern(std::vector<std::uint8_t>& bytes) {
  for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    const float value = static_cast<float>(static_cast<int>(i / 4 % 17) - 8) / 16.0f;
    std::memcpy(bytes.data() + i, &value, sizeof(value));
  }
}

}  // namespace

std::vector<ShardFile> synthesized_shards(const json& model, std::size_t limit) {
  if (!model.is_object() || !model.contains("weightsManifest") || !model["weightsManifest"].is_array()) return {};
  std::vector<ShardFile> files;
  std::size_t total = 0;
  for (const json& group : model["weightsManifest"]) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array()) continue;
    std::size_t bytes = 0;
    if (group.contains("weights") && group["weights"].is_array()) {
      for (const json& entry : group["weights"]) bytes += element_count(entry) * stored_bytes_per_value(entry);
    }
    total += bytes;
    if (total > limit) return {};
    // A group's shards are read back to back: its first path holds all its bytes, any others none.
    bool first = true;
    for (const json& path : group["paths"]) {
      if (!path.is_string()) continue;
      ShardFile file{path.get<std::string>(), std::vector<std::uint8_t>(first ? bytes : 0)};
      fill_pattern(file.bytes);
      files.push_back(std::move(file));
      first = false;
    }
  }
  return files;
}

void forward_if_small(Model& model) {
  const Shape item = model.graph.nodes().front().item_shape;  // nodes() returns a copy
  Shape shape;
  switch (item.rank()) {
    case 1: shape = Shape{1, item[0]}; break;
    case 2: shape = Shape{1, item[0], item[1]}; break;
    case 3: shape = Shape::nhwc(1, item[0], item[1], item[2]); break;
    default: return;
  }
  if (shape.size() > (1u << 16)) return;  // big inputs are slow, not wrong
  Tensor input(shape);
  input.fill(0.25f);
  model.graph.forward(input);
}

void load_and_run(std::string_view model_json) {
  const json parsed = json::parse(model_json, nullptr, false);  // discarded (not JSON): no shards
  const std::vector<ShardFile> files = synthesized_shards(parsed);
  try {
    Model model = load_model(model_json, shard_views(files));
    forward_if_small(model);
  } catch (const Error&) {
  }
}

}  // namespace camlens::fuzz
