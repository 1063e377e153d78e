#pragma once
// Model: a Graph with what it takes to use it — metadata (labels, input preprocessing, default
// layer to explain) and which nodes hold the logits and the probabilities. Explanations start
// from the logits: when the graph ends with a Softmax, the logits are what that Softmax reads.
//
// Loads TensorFlow.js models: graph models (io/graph_model.h) and layers models
// (io/layers_model.h), told apart by model.json's "format" (or, without one, by its topology);
// and ONNX models (io/onnx_model.h), whose metadata comes from a JSON file beside them.
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "graph/graph.h"
#include "io/metadata.h"
#include "io/onnx_proto.h"
#include "io/weights.h"

namespace camlens {

struct Model {
  Graph graph;
  ModelMetadata metadata;
  std::string logits;         // the node whose output is one logit per class
  std::string probabilities;  // the Softmax node after the logits; empty when the graph ends with them

  const std::string& input() const { return graph.input_name(); }
};

// model.json's text, its weight shards, and optionally a metadata.json's text (empty: none).
Model load_model(std::string_view model_json, std::span<const ShardBytes> shards, std::string_view metadata_json = {});

// An .onnx file's bytes (`external` reads its external data files; null: it has none) and
// optionally a metadata.json's text (empty: none).
Model load_onnx_model(std::span<const uint8_t> onnx_bytes, const onnx::ExternalDataReader& external,
                      std::string_view metadata_json = {});

// External data files given as bytes, by file name (a page's picked files): the reader looks a
// location up by its full name, then by its last path component.
using ExternalDataFiles = std::map<std::string, std::vector<uint8_t>>;
onnx::ExternalDataReader external_data_in_memory(std::shared_ptr<const ExternalDataFiles> files);

// Files that replace what load_model_file would find beside the model (the CLI's --metadata and
// --labels); an empty path keeps the default.
struct ModelSidecars {
  std::filesystem::path metadata;  // a metadata.json to read instead of the one beside the model
  std::filesystem::path labels;    // a text file, one label per line, one line per logit: the labels
};

// Reads model.json, the shards it names and, when present, metadata.json from model.json's folder.
// A path ending in .onnx is an ONNX model instead: its external data files are read from its folder,
// its metadata from NAME.metadata.json beside NAME.onnx, else from metadata.json in that folder.
// `sidecars` replace the metadata file and the labels (which then win over every metadata's).
Model load_model_file(const std::filesystem::path& model_path, const ModelSidecars& sidecars = {});

}  // namespace camlens
