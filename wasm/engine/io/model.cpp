#include "io/model.h"

#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/graph_model.h"
#include "io/json_fields.h"
#include "io/layers_model.h"
#include "io/onnx_model.h"
#include "layers/binary_score.h"

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

// metadata.json's text parsed (null when empty), before anything heavier reads the model.
json parse_metadata(std::string_view metadata_json) {
  return metadata_json.empty() ? json() : jf::parse(metadata_json, "metadata.json");
}

// A score model's one output becomes two logits (layers/binary_score.h), so that every method,
// metric and view explains and ranks its two classes as any classifier's.
std::string two_class_logits(Graph& graph, const NodeInfo& output) {
  if (output.kind == "Softmax") {
    fail("metadata: \"output\": \"score\" names a model ending in one value in 0..1, but this model ends in a "
         "Softmax ('", output.name, "'); remove \"output\" (or set it to \"classes\")");
  }
  if (output.item_shape.rank() != 1 || output.item_shape[0] != 1) {
    fail("metadata: \"output\": \"score\" needs the model to end in one value per image, but '", output.name, "' gives ",
         output.item_shape.str(), "; remove \"output\" (or set it to \"classes\") for one logit per class");
  }
  const std::string name = output.name + "/two_classes";
  graph.add(std::make_unique<BinaryScore>(name), {output.name});
  return name;
}

// Names the logits and the probabilities of a freshly imported graph and resolves its metadata.
Model finish_model(Graph graph, const json* user_metadata, const json& metadata_file) {
  Model result{std::move(graph), {}, {}, {}};
  const json* file = metadata_file.is_null() ? nullptr : &metadata_file;
  const std::vector<NodeInfo> nodes = result.graph.nodes();
  const NodeInfo& output = nodes.back();
  if (read_output_kind(user_metadata, file) == OutputKind::score) {
    result.logits = two_class_logits(result.graph, output);
  } else if (output.kind == "Softmax") {
    result.probabilities = output.name;
    result.logits = output.inputs.at(0);
  } else {
    result.logits = output.name;
  }
  result.metadata = resolve_metadata(user_metadata, file, result.graph, result.logits);
  return result;
}

// Protobuf cannot encode a message of 2 GiB or more: a bigger .onnx file is not one.
constexpr uint64_t kMostOnnxBytes = (2ull << 30) - 1;

std::string metadata_text_beside(const std::filesystem::path& path) {
  return std::filesystem::exists(path) ? text_of(path, kMostMetadataJsonBytes, "metadata.json") : std::string();
}

// Bytes [offset, offset + length) of an external data file (length -1: to its end), checked.
std::vector<uint8_t> external_slice(const std::vector<uint8_t>& bytes, const std::string& location, uint64_t offset,
                                    int64_t length) {
  const uint64_t size = bytes.size();
  const uint64_t end = length < 0 ? size : offset + static_cast<uint64_t>(length);
  if (offset > size || end > size || end < offset) {
    fail("ONNX: the external data file '", location, "' holds ", size, " bytes; a tensor needs bytes ", offset, "..", end,
         ": the file is truncated or not the one the model was saved with");
  }
  return std::vector<uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.begin() + static_cast<std::ptrdiff_t>(end));
}

// Reads external data files from the .onnx file's folder, each file once, never from outside it.
class ExternalFiles {
 public:
  explicit ExternalFiles(std::filesystem::path directory) : directory_(std::move(directory)) {}

  std::vector<uint8_t> read(const std::string& location, uint64_t offset, int64_t length) {
    return external_slice(file(location), location, offset, length);
  }

 private:
  const std::vector<uint8_t>& file(const std::string& location) {
    auto cached = files_.find(location);
    if (cached != files_.end()) return cached->second;
    namespace fs = std::filesystem;
    const fs::path relative(location);
    if (location.empty() || location.find('\0') != std::string::npos || relative.has_root_path()) {
      fail("ONNX: the external data location '", location.substr(0, 64), "' must be a file name relative to the .onnx file");
    }
    std::error_code error;
    const fs::path folder = fs::weakly_canonical(directory_.empty() ? fs::path(".") : directory_, error);
    const fs::path full = error ? fs::path() : fs::weakly_canonical(folder / relative, error);
    const fs::path inside = full.lexically_relative(folder);
    if (error || inside.empty() || *inside.begin() == "..") {
      fail("ONNX: the external data location '", location.substr(0, 64), "' leads out of the model's folder '",
           directory_.string(), "'; external data must lie beside the .onnx file");
    }
    std::vector<uint8_t> bytes = read_file_bytes(full, kMostOnnxBytes + 1);
    if (bytes.size() > kMostOnnxBytes) fail("ONNX: the external data file '", location, "' is 2 GiB or more; camlens cannot hold it");
    return files_.emplace(location, std::move(bytes)).first->second;
  }

  std::filesystem::path directory_;
  std::unordered_map<std::string, std::vector<uint8_t>> files_;
};

}  // namespace

Model load_model(std::string_view model_json, std::span<const ShardBytes> shards, std::string_view metadata_json) {
  const json model = jf::parse(model_json, "model.json");
  jf::as_object(model, "model.json");
  const json metadata_file = parse_metadata(metadata_json);
  const Weights weights = read_weights(jf::require(model, "weightsManifest", "model.json"), shards);
  Graph graph = is_graph_model(model) ? import_graph_model(model, weights) : import_layers_model(model, weights);
  return finish_model(std::move(graph), jf::find(model, "userDefinedMetadata"), metadata_file);
}

onnx::ExternalDataReader external_data_in_memory(std::shared_ptr<const ExternalDataFiles> files) {
  return [files = std::move(files)](const std::string& location, uint64_t offset, int64_t length) {
    auto found = files->find(location);
    // A browser gives a picked file's base name only, whatever folder the model named.
    if (found == files->end()) found = files->find(std::filesystem::path(location).filename().string());
    if (found == files->end()) {
      fail("ONNX: the model's weights live in the external data file '", location.substr(0, 64),
           "', which was not given: select or drop it together with the .onnx file");
    }
    return external_slice(found->second, location, offset, length);
  };
}

Model load_onnx_model(std::span<const uint8_t> onnx_bytes, const onnx::ExternalDataReader& external,
                      std::string_view metadata_json) {
  const json metadata_file = parse_metadata(metadata_json);
  return finish_model(import_onnx_model(onnx_bytes, external), nullptr, metadata_file);
}

namespace {

constexpr uint64_t kMostLabelsBytes = 1ull << 20;

// The metadata text `sidecars` names, else the one `beside` the model (empty when there is none).
std::string metadata_text(const ModelSidecars& sidecars, const std::filesystem::path& beside) {
  if (sidecars.metadata.empty()) return metadata_text_beside(beside);
  if (!std::filesystem::is_regular_file(sidecars.metadata)) {
    fail("the metadata file '", sidecars.metadata.string(), "' does not exist or is not a file");
  }
  return text_of(sidecars.metadata, kMostMetadataJsonBytes, "metadata.json");
}

// Replaces the model's labels with the lines of `path` (a final newline and CR line ends allowed).
void apply_labels_file(Model& model, const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) fail("the labels file '", path.string(), "' does not exist or is not a file");
  const std::string text = text_of(path, kMostLabelsBytes, "labels file (one label per line)");
  std::vector<std::string> labels;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(std::move(line));
    start = end + 1;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) fail("the labels file '", path.string(), "' has an empty line ", i + 1, "; give one label per line");
  }
  const size_t logits = model.metadata.labels.size();
  if (labels.size() != logits) {
    fail("the labels file '", path.string(), "' has ", labels.size(), " label(s), one per line; the model has ", logits,
         " logits: give one label per logit, in the model's order");
  }
  model.metadata.labels = std::move(labels);
}

// The model at `model_path` with the metadata `sidecars` name (the labels are applied after).
Model read_model_file(const std::filesystem::path& model_path, const ModelSidecars& sidecars) {
  const std::filesystem::path directory = model_path.parent_path();
  if (model_path.extension() == ".onnx") {
    const std::vector<uint8_t> bytes = read_file_bytes(model_path, kMostOnnxBytes + 1);
    if (bytes.size() > kMostOnnxBytes) fail("'", model_path.string(), "' is 2 GiB or more: no ONNX file can be");
    std::filesystem::path metadata_path = directory / (model_path.stem().string() + ".metadata.json");
    if (!std::filesystem::exists(metadata_path)) metadata_path = directory / "metadata.json";
    ExternalFiles files(directory);
    const onnx::ExternalDataReader external = [&files](const std::string& location, uint64_t offset, int64_t length) {
      return files.read(location, offset, length);
    };
    return load_onnx_model(bytes, external, metadata_text(sidecars, metadata_path));
  }
  const std::string model_text = text_of(model_path, kMostModelJsonBytes, "TensorFlow.js model.json");
  const json model = jf::parse(model_text, model_path.string());
  const std::vector<ShardFile> files = read_shard_files(jf::require(model, "weightsManifest", "model.json"), directory);
  return load_model(model_text, shard_views(files), metadata_text(sidecars, directory / "metadata.json"));
}

}  // namespace

Model load_model_file(const std::filesystem::path& model_path, const ModelSidecars& sidecars) {
  Model model = read_model_file(model_path, sidecars);
  if (!sidecars.labels.empty()) apply_labels_file(model, sidecars.labels);
  return model;
}

}  // namespace camlens
