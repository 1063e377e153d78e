// The gzip side of train/idx.h, native only: it needs zlib (the page gunzips with DecompressionStream).
#include <zlib.h>

#include <filesystem>
#include <memory>

#include "core/error.h"
#include "train/idx.h"

namespace camlens {

namespace {

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

std::vector<uint8_t> gunzip_file(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (file == nullptr) fail("cannot open '", path, "' for reading");
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int read = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (read < 0) {
      int code = 0;
      fail("'", path, "' is not a valid gzip file: ", gzerror(file.get(), &code));
    }
    if (read == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + read);
  }
  return bytes;
}

}  // namespace

IdxArray read_idx_gz(const std::string& path) {
  if (!std::filesystem::exists(path)) fail("IDX file '", path, "' does not exist");
  const std::vector<uint8_t> bytes = gunzip_file(path);
  return parse_idx(bytes, path);
}

FashionMnist load_fashion_mnist(const std::string& dir) {
  const std::string train_images = dir + "/train-images-idx3-ubyte.gz", train_labels = dir + "/train-labels-idx1-ubyte.gz";
  const std::string test_images = dir + "/t10k-images-idx3-ubyte.gz", test_labels = dir + "/t10k-labels-idx1-ubyte.gz";
  for (const std::string* path : {&train_images, &train_labels, &test_images, &test_labels}) {
    if (!std::filesystem::exists(*path)) {
      fail("Fashion-MNIST file '", *path, "' is missing; install it with `apt-get install dataset-fashion-mnist`",
           " (or pass the folder holding the four *-ubyte.gz files)");
    }
  }
  FashionMnist data;
  data.train = dataset_from_idx(read_idx_gz(train_images), read_idx_gz(train_labels), dir + " (training set)");
  data.test = dataset_from_idx(read_idx_gz(test_images), read_idx_gz(test_labels), dir + " (test set)");
  return data;
}

}  // namespace camlens
