#include "io/weights.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

using namespace camlens;
using nlohmann::json;

namespace {

template <typename T>
void append(std::vector<uint8_t>& bytes, const std::vector<T>& values) {
  const size_t start = bytes.size();
  bytes.resize(start + values.size() * sizeof(T));
  std::memcpy(bytes.data() + start, values.data(), values.size() * sizeof(T));
}

json entry(const std::string& name, std::vector<int> shape, const std::string& dtype = "float32") {
  return {{"name", name}, {"shape", shape}, {"dtype", dtype}};
}

Weights read(const json& manifest, const std::vector<ShardFile>& files) {
  return read_weights(manifest, shard_views(files));
}

}  // namespace

TEST_CASE("float32 weights: a group's shards are concatenated in order, tensors may span them") {
  std::vector<uint8_t> all;
  append<float>(all, {1, 2, 3, 4, 5, 6});
  append<int32_t>(all, {1, 2});
  // Split inside the second float of tensor "b": shard boundaries need not fall between tensors.
  std::vector<ShardFile> files{{"group1-shard1of2.bin", {all.begin(), all.begin() + 14}},
                               {"group1-shard2of2.bin", {all.begin() + 14, all.end()}},
                               {"other.bin", {}}};
  append<float>(files[2].bytes, {-7.5f});
  const json manifest = json::array(
      {{{"paths", {"group1-shard1of2.bin", "group1-shard2of2.bin"}},
        {"weights", {entry("a", {2}), entry("b", {2, 2}), entry("axes", {2}, "int32")}}},
       {{"paths", {"other.bin"}}, {"weights", {entry("scalar", {})}}}});
  const Weights weights = read(manifest, files);
  CHECK(weights.at("a", "test").floats == std::vector<float>{1, 2});
  CHECK(weights.at("b", "test").floats == std::vector<float>{3, 4, 5, 6});
  CHECK(weights.at("axes", "test").ints == std::vector<int32_t>{1, 2});
  CHECK(weights.at("axes", "test").dtype == WeightDType::int32);
  CHECK(weights.at("scalar", "test").floats == std::vector<float>{-7.5f});
  CHECK(weights.tensor("b", "test").shape() == Shape{2, 2});
  CHECK(weights.tensor("scalar", "test").shape() == Shape{1});
  CHECK_THROWS_WITH_AS(weights.at("missing", "Conv2D 'c'"),
                       doctest::Contains("Conv2D 'c' needs the weight 'missing', which the weights manifest does not list"),
                       Error);
}

TEST_CASE("shards are matched by file name when the manifest path has folders") {
  std::vector<ShardFile> files{{"weights.bin", {}}};
  append<float>(files[0].bytes, {0.5f});
  const json manifest = json::array({{{"paths", {"./models/x/weights.bin"}}, {"weights", {entry("w", {1})}}}});
  CHECK(read(manifest, files).at("w", "test").floats == std::vector<float>{0.5f});
}

TEST_CASE("uint8 and uint16 quantized weights: v = q * scale + min, rounded once as TensorFlow.js does") {
  std::vector<ShardFile> files{{"q.bin", {}}};
  append<uint8_t>(files[0].bytes, {0, 1, 128, 255});
  append<uint16_t>(files[0].bytes, {0, 1000, 65535});
  append<uint8_t>(files[0].bytes, {0, 3, 10});
  json u8 = entry("u8", {2, 2});
  u8["quantization"] = {{"dtype", "uint8"}, {"min", -1.0}, {"scale", 0.1}};
  json u16 = entry("u16", {3});
  u16["quantization"] = {{"dtype", "uint16"}, {"min", 0.25}, {"scale", 0.001}};
  json ints = entry("ints", {3}, "int32");
  ints["quantization"] = {{"dtype", "uint8"}, {"min", -2.0}, {"scale", 0.5}};
  const json manifest = json::array({{{"paths", {"q.bin"}}, {"weights", {u8, u16, ints}}}});
  const Weights weights = read(manifest, files);
  // Expected values computed in double and rounded to float, like Float32Array assignment in JS.
  CHECK(weights.at("u8", "test").floats ==
        std::vector<float>{float(0 * 0.1 - 1.0), float(1 * 0.1 - 1.0), float(128 * 0.1 - 1.0), float(255 * 0.1 - 1.0)});
  CHECK(weights.at("u16", "test").floats ==
        std::vector<float>{float(0.25), float(1000 * 0.001 + 0.25), float(65535 * 0.001 + 0.25)});
  // Math.round: -2, -0.5 -> 0 (halves round up), 3.
  CHECK(weights.at("ints", "test").ints == std::vector<int32_t>{-2, 0, 3});
}

TEST_CASE("float16 quantized weights decode as IEEE halves, subnormals and signed zero included") {
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(half_to_float(0x03ff) == std::ldexp(1023.0f, -24));  // largest subnormal
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));  // smallest normal
  CHECK(std::signbit(half_to_float(0x8000)));
  CHECK(half_to_float(0x3555) == 0.333251953125f);
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(std::isnan(half_to_float(0x7e00)));

  std::vector<ShardFile> files{{"h.bin", {}}};
  append<uint16_t>(files[0].bytes, {0x3c00, 0xc000, 0x0001});
  json half = entry("h", {3});
  half["quantization"] = {{"dtype", "float16"}};
  const Weights weights = read(json::array({{{"paths", {"h.bin"}}, {"weights", {half}}}}), files);
  CHECK(weights.at("h", "test").floats == std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24)});
}

TEST_CASE("byte counts are checked against the manifest, naming the file and the tensor") {
  const json manifest = json::array({{{"paths", {"w.bin"}}, {"weights", {entry("first", {2}), entry("second", {3})}}}});
  std::vector<ShardFile> truncated{{"w.bin", {}}};
  append<float>(truncated[0].bytes, {1, 2, 3, 4});  // second needs 3 floats, 2 are there
  CHECK_THROWS_WITH_AS(read(manifest, truncated),
                       doctest::Contains("shard file 'w.bin' is too short: tensor 'second' [3] needs bytes 8..20"),
                       Error);
  std::vector<ShardFile> longer{{"w.bin", {}}};
  append<float>(longer[0].bytes, {1, 2, 3, 4, 5, 6});
  CHECK_THROWS_WITH_AS(read(manifest, longer),
                       doctest::Contains("shard file 'w.bin' does not match the manifest: weightsManifest[0]'s tensors "
                                         "(the last is 'second') take 20 bytes, but its files hold 24"),
                       Error);
  CHECK_THROWS_WITH_AS(read(manifest, {}), doctest::Contains("needs the shard file 'w.bin', which was not given"), Error);
}

TEST_CASE("non-finite weights and unsupported storage are Errors naming the tensor") {
  std::vector<ShardFile> files{{"w.bin", {}}};
  append<float>(files[0].bytes, {1.0f, std::numeric_limits<float>::quiet_NaN()});
  const json manifest = json::array({{{"paths", {"w.bin"}}, {"weights", {entry("conv/kernel", {2})}}}});
  CHECK_THROWS_WITH_AS(read(manifest, files), doctest::Contains("tensor 'conv/kernel' [2] holds NaN at value 1"), Error);

  std::vector<ShardFile> halves{{"h.bin", {}}};
  append<uint16_t>(halves[0].bytes, {0xfc00});
  json half = entry("h", {1});
  half["quantization"] = {{"dtype", "float16"}};
  CHECK_THROWS_WITH_AS(read(json::array({{{"paths", {"h.bin"}}, {"weights", {half}}}}), halves),
                       doctest::Contains("tensor 'h' [1] holds an infinity"), Error);

  std::vector<ShardFile> bools{{"b.bin", {1}}};
  CHECK_THROWS_WITH_AS(read(json::array({{{"paths", {"b.bin"}}, {"weights", {entry("flag", {1}, "bool")}}}}), bools),
                       doctest::Contains("tensor 'flag' has dtype \"bool\"; supported: float32, int32"), Error);
  json odd = entry("odd", {1});
  odd["quantization"] = {{"dtype", "int4"}};
  CHECK_THROWS_WITH_AS(read(json::array({{{"paths", {"b.bin"}}, {"weights", {odd}}}}), bools),
                       doctest::Contains("tensor 'odd' is quantized as \"int4\"; supported quantizations: uint8, uint16, float16"),
                       Error);
}

TEST_CASE("weights: extreme but finite values are refused at load, naming the tensor") {
  std::vector<ShardFile> files{{"w.bin", {}}};
  append<float>(files[0].bytes, {1.0f, 3.4e38f});
  const json manifest = json::array({{{"paths", {"w.bin"}}, {"weights", {entry("dense/kernel", {2})}}}});
  CHECK_THROWS_WITH_AS(read(manifest, files),
                       doctest::Contains("tensor 'dense/kernel' [2] holds 3.4e+38 at value 1, beyond the +-1e+30"), Error);

  std::vector<ShardFile> bytes{{"q.bin", {0, 255}}};
  json huge_scale = entry("q", {2});
  huge_scale["quantization"] = {{"dtype", "uint8"}, {"min", 0}, {"scale", 1e35}};
  CHECK_THROWS_WITH_AS(read(json::array({{{"paths", {"q.bin"}}, {"weights", {huge_scale}}}}), bytes),
                       doctest::Contains("tensor 'q' has quantization min 0 and scale 1e+35; both must lie within +-1e+30"),
                       Error);
}

TEST_CASE("weights: int32 values dequantized outside the int32 range are Errors, not a wrapped cast") {
  std::vector<ShardFile> bytes{{"q.bin", {0, 1, 255}}};
  json shape = entry("shape", {3}, "int32");
  shape["quantization"] = {{"dtype", "uint8"}, {"min", -1}, {"scale", 1e7}};
  CHECK_THROWS_WITH_AS(read(json::array({{{"paths", {"q.bin"}}, {"weights", {shape}}}}), bytes),
                       doctest::Contains("tensor 'shape' is int32, but its quantization gives 2.55e+09 at value 2"), Error);
  shape["quantization"]["scale"] = 2;
  CHECK(read(json::array({{{"paths", {"q.bin"}}, {"weights", {shape}}}}), bytes).at("shape", "test").ints ==
        std::vector<int32_t>{-1, 1, 509});
}

TEST_CASE("weights: a tensor with a zero dimension reads as empty") {
  std::vector<ShardFile> files{{"w.bin", {}}};
  append<int32_t>(files[0].bytes, {7});
  const json manifest = json::array(
      {{{"paths", {"w.bin"}}, {"weights", {entry("none", {0, 3}), entry("ints", {0}, "int32"), entry("one", {1}, "int32")}}}});
  const Weights weights = read(manifest, files);
  CHECK(weights.at("none", "test").floats.empty());
  CHECK(weights.at("ints", "test").ints.empty());
  CHECK(weights.at("one", "test").ints == std::vector<int32_t>{7});
}

namespace {

namespace fs = std::filesystem;

// A fresh model folder under the system's temp folder, removed with the object.
class ModelFolder {
 public:
  ModelFolder() : root_(fs::temp_directory_path() / ("camlens_weights_test_" + std::to_string(std::random_device{}()))) {
    fs::create_directories(root_ / "model" / "sub");
  }
  ~ModelFolder() { fs::remove_all(root_); }
  fs::path model() const { return root_ / "model"; }
  void write(const fs::path& path, size_t bytes) const {
    std::ofstream(root_ / path, std::ios::binary) << std::string(bytes, '\0');
  }

 private:
  fs::path root_;
};

json two_floats_from(const std::string& path) {
  return json::array({{{"paths", {path}}, {"weights", {entry("w", {2})}}}});
}

}  // namespace

TEST_CASE("weights: shard paths stay inside the model's folder and name regular files") {
  const ModelFolder folder;
  folder.write("outside.bin", 8);
  folder.write("model/sub/w.bin", 8);
  CHECK(read_shard_files(two_floats_from("sub/w.bin"), folder.model())[0].bytes.size() == 8);
  CHECK(read_shard_files(two_floats_from("sub/../sub/w.bin"), folder.model())[0].bytes.size() == 8);
  auto check_refused = [&](const std::string& path, const char* message) {
    CHECK_THROWS_WITH_AS(read_shard_files(two_floats_from(path), folder.model()), doctest::Contains(message), Error);
  };
  check_refused("/dev/zero", "weightsManifest[0].paths[0] is the absolute path '/dev/zero'; shard paths must be relative");
  check_refused("../outside.bin", "weightsManifest[0].paths[0] '../outside.bin' leads out of the model's folder");
  check_refused("sub/../../outside.bin", "'sub/../../outside.bin' leads out of the model's folder");
  check_refused("", "weightsManifest[0].paths[0] is \"\"; give the shard's file name");
  check_refused(".", "weightsManifest[0].paths[0] '.' is a folder; it must name a shard file");
  check_refused("sub", "weightsManifest[0].paths[0] 'sub' is a folder");
  check_refused(std::string("sub/w.bin") + '\0' + "/../../outside.bin", "weightsManifest[0].paths[0] holds a NUL character");
  check_refused("%s%n", "cannot open shard file '");
  check_refused("%s%n", "(weightsManifest[0].paths[0]): No such file or directory");
  fs::create_symlink(fs::path("..") / "outside.bin", folder.model() / "link.bin");
  check_refused("link.bin", "'link.bin' leads out of the model's folder");
}

TEST_CASE("weights: shard files are read up to the bytes the manifest needs") {
  const ModelFolder folder;
  folder.write("model/big.bin", 1 << 20);
  const std::vector<ShardFile> files = read_shard_files(two_floats_from("big.bin"), folder.model());
  CHECK(files[0].bytes.size() == 8);
  folder.write("model/short.bin", 5);
  const std::vector<ShardFile> short_files = read_shard_files(two_floats_from("short.bin"), folder.model());
  CHECK_THROWS_WITH_AS(read(two_floats_from("short.bin"), short_files),
                       doctest::Contains("shard file 'short.bin' is too short: tensor 'w' [2] needs bytes 0..8 of "
                                         "weightsManifest[0], which holds 5 bytes (short.bin (5 bytes))"),
                       Error);
  CHECK_THROWS_WITH_AS(read_file_bytes(folder.model() / "nothing.json"),
                       doctest::Contains("nothing.json': No such file or directory"), Error);
}
