// Native only: reading gzipped IDX files needs zlib, which the WebAssembly build does not carry.
#include "train/idx.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "support/requirements.h"

using namespace camlens;

namespace {

namespace fs = std::filesystem;

// A fresh empty folder under the system's temp folder, removed with the object.
class TempDir {
 public:
  explicit TempDir(const std::string& name) : path_(fs::temp_directory_path() / name) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// IDX bytes for unsigned-byte values of shape `dims`.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> bytes{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

void write_gzip(const fs::path& path, const std::vector<uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
}

}  // namespace

TEST_CASE("IDX: a hand-made gzipped file reads back") {
  TempDir dir("camlens_idx_test_read");
  // Two 2x3 images with pixels 0, 51, 102, ... and their labels.
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 12; ++i) pixels.push_back(static_cast<uint8_t>(i * 51 % 256));
  write_gzip(dir.path() / "images.gz", idx_bytes({2, 2, 3}, pixels));
  write_gzip(dir.path() / "labels.gz", idx_bytes({2}, {7, 3}));

  const IdxArray images = read_idx_gz((dir.path() / "images.gz").string());
  CHECK(images.dims == std::vector<int>{2, 2, 3});
  CHECK(images.values == pixels);

  const Dataset data = dataset_from_idx(images, read_idx_gz((dir.path() / "labels.gz").string()), "fixture");
  CHECK(data.image_shape() == Shape{2, 3, 1});
  CHECK(data.pixels == pixels);
  CHECK(data.labels == std::vector<int>{7, 3});
}

TEST_CASE("IDX: a missing file is an error naming it") {
  TempDir dir("camlens_idx_test_missing");
  const std::string missing = (dir.path() / "nothing.gz").string();
  CHECK_THROWS_WITH_AS(read_idx_gz(missing), doctest::Contains(("'" + missing + "' does not exist").c_str()), Error);
  CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path().string()),
                       doctest::Contains(((dir.path() / "train-images-idx3-ubyte.gz").string() + "' is missing").c_str()), Error);
  CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path().string()),
                       doctest::Contains("apt-get install dataset-fashion-mnist"), Error);
}

TEST_CASE("IDX: Debian's Fashion-MNIST" * test::requires_file(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz",
                                                               "apt-get install dataset-fashion-mnist")) {
  const FashionMnist data = load_fashion_mnist();
  CHECK(data.train.image_shape() == Shape{28, 28, 1});
  CHECK(data.train.size() == 60000);
  CHECK(data.test.image_shape() == Shape{28, 28, 1});
  CHECK(data.test.size() == 10000);
  validate_dataset(data.train, 10, "Fashion-MNIST training set");
  validate_dataset(data.test, 10, "Fashion-MNIST test set");
  // The first training image is an ankle boot (9), the first test image one too.
  CHECK(data.train.labels[0] == 9);
  CHECK(data.test.labels[0] == 9);
}
