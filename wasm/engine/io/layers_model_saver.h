#pragma once
// Graph -> TensorFlow.js layers model: a functional Keras config (model.json) plus one weights
// file, which tf.loadLayersModel loads and this project's importer (io/layers_model.h) reads back.
// Each node becomes the Keras layer of the same name; metadata, when given, goes into
// model.json's userDefinedMetadata. A convolution with explicit padding becomes a ZeroPadding2D
// ("<name>/pad") then a valid convolution: Keras has no explicit padding.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "io/metadata.h"

namespace camlens {

struct SavedLayersModel {
  std::string model_json;
  std::string weights_file;      // the name model.json gives the weights
  std::vector<uint8_t> weights;  // float32, little-endian, in manifest order
};

// Throws an Error naming a node that Keras cannot express (e.g. a pool with explicit padding,
// an Affine with per-channel values).
SavedLayersModel save_layers_model(const Graph& graph, const ModelMetadata* metadata = nullptr,
                                   const std::string& weights_file = "weights.bin");

// Writes model.json and the weights file into `directory` (which must exist).
void save_layers_model_files(const Graph& graph, const ModelMetadata* metadata, const std::filesystem::path& directory);

}  // namespace camlens
