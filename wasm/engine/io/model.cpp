#include "io/model.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/graph_model.h"
#include "io/json_fields.h"
#include "io/layers_model.h"

namespace camlens {

namespace jf = json_fields;
using nlohmann::json;

namespace {

bool is_graph_model(const json& model) {
  const std::string format = jf::string_or(model, "format", "model.json", "");
  if (format == "graph-model") return true;
  if (format == "layers-model") return false;
  if (!format.empty()) fail("model.json has format \"", format, "\"; supported: graph-model, layers-model");
  const json* topology = jf::find(model, "modelTopology");
  return topology != nullptr && jf::find(*topology, "node") != nullptr;  // a GraphDef has nodes
}

// A model.json holds the topology and the manifest, the weights live in shards: even large graph
// models stay far below this, so a bigger file is the wrong file (or /dev/zero), not read whole.
constexpr uint64_t kMostModelJsonBytes = 64ull << 20;
constexpr uint64_t kMostMetadataJsonBytes = 1ull << 20;

std::string text_of(const std::filesystem::path& path, uint64_t most_bytes, const char* what) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, most_bytes + 1);
  if (bytes.size() > most_bytes) {
    fail("'", path.string(), "' is over ", most_bytes >> 20, " MB: too big for a ", what,
         " (the weights belong in the shard files the manifest names); is it the right file?");
  }
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Model load_model(std::string_view model_json, std::span<const ShardBytes> shards, std::string_view metadata_json) {
  const json model = jf::parse(model_json, "model.json");
  jf::as_object(model, "model.json");
  const json metadata_file = metadata_json.empty() ? json() : jf::parse(metadata_json, "metadata.json");
  const Weights weights = read_weights(jf::require(model, "weightsManifest", "model.json"), shards);

  Model result{is_graph_model(model) ? import_graph_model(model, weights) : import_layers_model(model, weights), {}, {}, {}};
  const std::vector<NodeInfo> nodes = result.graph.nodes();
  const NodeInfo& output = nodes.back();
  if (output.kind == "Softmax") {
    result.probabilities = output.name;
    result.logits = output.inputs.at(0);
  } else {
    result.logits = output.name;
  }
  result.metadata = resolve_metadata(jf::find(model, "userDefinedMetadata"), metadata_json.empty() ? nullptr : &metadata_file,
                                     result.graph, result.logits);
  return result;
}

Model load_model_file(const std::filesystem::path& model_json_path) {
  const std::string model_text = text_of(model_json_path, kMostModelJsonBytes, "TensorFlow.js model.json");
  const std::filesystem::path directory = model_json_path.parent_path();
  const json model = jf::parse(model_text, model_json_path.string());
  const std::vector<ShardFile> files = read_shard_files(jf::require(model, "weightsManifest", "model.json"), directory);
  const std::filesystem::path metadata_path = directory / "metadata.json";
  const std::string metadata_text =
      std::filesystem::exists(metadata_path) ? text_of(metadata_path, kMostMetadataJsonBytes, "metadata.json") : std::string();
  return load_model(model_text, shard_views(files), metadata_text);
}

}  // namespace camlens
