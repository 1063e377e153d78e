#pragma once
// TensorFlow.js weights: a manifest (model.json's "weightsManifest", a list of groups, each naming
// its shard files and the tensors stored in them back to back) plus the shards' bytes -> named
// tensors. A group's shards are concatenated in the order its "paths" list them.
// Stored dtypes: float32 and int32 as is; quantized float32 ("quantization": {"dtype": "uint8" or
// "uint16", "min", "scale"}: v = q * scale + min; or {"dtype": "float16"}: IEEE half) dequantized
// on load. Every byte must be accounted for, and float weights must be finite.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tensor.h"

namespace camlens {

// One shard as the caller has it: its file name and its bytes (borrowed for the read only).
struct ShardBytes {
  std::string name;
  std::span<const uint8_t> bytes;
};

// A shard read into memory (the file-reading convenience returns these).
struct ShardFile {
  std::string name;
  std::vector<uint8_t> bytes;
};
std::vector<ShardBytes> shard_views(const std::vector<ShardFile>& files);

enum class WeightDType { float32, int32 };

struct Weight {
  std::string name;
  std::vector<int> shape;      // as the manifest gives it; [] for a scalar
  WeightDType dtype = WeightDType::float32;
  std::vector<float> floats;   // float32 weights (dequantized when stored quantized)
  std::vector<int32_t> ints;   // int32 weights (shapes, axes)
  std::string shape_str() const;  // "[3, 3, 1, 32]"
};

class Weights {
 public:
  void add(Weight weight);  // throws on a duplicate name
  bool contains(std::string_view name) const { return index_.count(std::string(name)) != 0; }
  // Throws an Error naming `wanted_by` (e.g. "Conv2D 'conv1'") when there is no such weight.
  const Weight& at(std::string_view name, std::string_view wanted_by) const;
  // A float32 weight of rank <= 4 as a Tensor (a scalar becomes [1]).
  Tensor tensor(std::string_view name, std::string_view wanted_by) const;
  const std::vector<Weight>& all() const { return weights_; }

 private:
  std::vector<Weight> weights_;
  std::unordered_map<std::string, size_t> index_;
};

// Reads every tensor of `manifest` (the "weightsManifest" array) from `shards`, matched to the
// manifest's paths by name (exactly, else by file name without folders).
Weights read_weights(const nlohmann::json& manifest, std::span<const ShardBytes> shards);

// Reads the shard files `manifest` names from `directory` (where model.json lies). Each path must
// be relative and resolve, links followed, to a regular file inside `directory`; a group's files
// are read only up to the bytes its tensors take.
std::vector<ShardFile> read_shard_files(const nlohmann::json& manifest, const std::filesystem::path& directory);

// A file's bytes, at most `max_bytes` of them; throws an Error naming the file and the system's
// reason when it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path,
                                     uint64_t max_bytes = std::numeric_limits<uint64_t>::max());

// IEEE 754 binary16 -> float (exact: every half is a float).
float half_to_float(uint16_t half);

}  // namespace camlens
