#pragma once
// Reading the gzipped IDX files of MNIST-style data sets (Debian's dataset-fashion-mnist puts
// them in /usr/share/datasets/fashion-mnist/). Parsing (idx.cpp) is in both builds: the page
// gunzips the files itself. Reading .gz files (read_idx_gz, load_fashion_mnist: idx_gz.cpp) is
// native only: it needs zlib, which the WebAssembly build neither has nor needs.
//
// IDX: big-endian magic 0x00 0x00 <type> <rank>, then rank big-endian uint32 dimensions, then the
// values row-major. Only unsigned bytes (type 0x08) are read: what MNIST-style sets use.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "train/dataset.h"

namespace camlens {

struct IdxArray {
  std::vector<int> dims;
  std::vector<uint8_t> values;
};

// Parses IDX bytes (already decompressed); `source` names them in errors.
IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& source);
// Reads and gunzips `path`, then parses it. A missing file is an Error naming it.
IdxArray read_idx_gz(const std::string& path);

// Images [N, rows, cols] and labels [N] as a Dataset of one channel (gather_batch scales to [0, 1]).
Dataset dataset_from_idx(const IdxArray& images, const IdxArray& labels, const std::string& source);

struct FashionMnist {
  Dataset train;  // 60,000 images
  Dataset test;   // 10,000 images
};
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// The class names of labels 0..9, as Zalando's README lists them.
const std::vector<std::string>& fashion_mnist_labels();
// Loads the four files from `dir`; a missing one is an Error naming it and the Debian package.
FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDir);

}  // namespace camlens
