#include "io/weights.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

#include "core/error.h"
#include "io/json_fields.h"

namespace camlens {

namespace jf = json_fields;
using nlohmann::json;

namespace {

std::string base_name(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The shards of one manifest group, read as one byte sequence without copying them together.
class GroupBytes {
 public:
  void append(const ShardBytes& shard) {
    shards_.push_back(&shard);
    ends_.push_back(size() + shard.bytes.size());
  }
  size_t size() const { return ends_.empty() ? 0 : ends_.back(); }
  // Copies bytes [offset, offset + count) into `out`; the range must lie within size().
  void copy(size_t offset, size_t count, uint8_t* out) const {
    for (size_t i = 0; i < shards_.size() && count > 0; ++i) {
      const size_t start = ends_[i] - shards_[i]->bytes.size();
      if (offset >= ends_[i]) continue;
      const size_t take = std::min(count, ends_[i] - offset);
      std::memcpy(out, shards_[i]->bytes.data() + (offset - start), take);
      out += take;
      offset += take;
      count -= take;
    }
  }
  // "a.bin (100 bytes), b.bin (20 bytes)"
  std::string describe() const {
    std::string text;
    for (const ShardBytes* shard : shards_) {
      text += (text.empty() ? "" : ", ") + shard->name + " (" + std::to_string(shard->bytes.size()) + " bytes)";
    }
    return text;
  }
  const std::string& last_file() const { return shards_.back()->name; }

 private:
  std::vector<const ShardBytes*> shards_;
  std::vector<size_t> ends_;  // cumulative end offset of each shard
};

const ShardBytes& find_shard(std::span<const ShardBytes> shards, const std::string& path) {
  for (const ShardBytes& shard : shards) {
    if (shard.name == path) return shard;
  }
  const std::string file = base_name(path);
  for (const ShardBytes& shard : shards) {
    if (base_name(shard.name) == file) return shard;
  }
  std::string given;
  for (const ShardBytes& shard : shards) given += (given.empty() ? "" : ", ") + shard.name;
  fail("weights: the manifest needs the shard file '", path, "', which was not given (given: ",
       given.empty() ? "none" : given, "); pass every file listed in weightsManifest[].paths");
}

// Trained weights stay within a few thousand; this bound refuses values near float's 3.4e38, where a
// single product overflows, while leaving genuine but unusual scales (folded batch norms) alone.
constexpr double kMaxWeightMagnitude = 1e30;

// How one manifest entry is stored.
struct Storage {
  WeightDType dtype = WeightDType::float32;
  std::string quantized;  // "", "uint8", "uint16" or "float16"
  double min = 0.0, scale = 1.0;
  size_t bytes_per_value() const {
    if (quantized == "uint8") return 1;
    if (quantized.empty()) return 4;
    return 2;
  }
};

Storage read_storage(const json& entry, const std::string& name, const std::string& where) {
  Storage storage;
  const std::string dtype = jf::as_string(jf::require(entry, "dtype", where), where + ".dtype");
  if (dtype == "int32") {
    storage.dtype = WeightDType::int32;
  } else if (dtype != "float32") {
    fail("weights: tensor '", name, "' has dtype \"", dtype, "\"; supported: float32, int32");
  }
  const json* quantization = jf::find(entry, "quantization");
  if (quantization == nullptr || quantization->is_null()) return storage;
  const std::string qwhere = where + ".quantization";
  storage.quantized = jf::as_string(jf::require(*quantization, "dtype", qwhere), qwhere + ".dtype");
  if (storage.quantized == "uint8" || storage.quantized == "uint16") {
    storage.min = jf::as_number(jf::require(*quantization, "min", qwhere), qwhere + ".min");
    storage.scale = jf::as_number(jf::require(*quantization, "scale", qwhere), qwhere + ".scale");
    if (std::fabs(storage.min) > kMaxWeightMagnitude || std::fabs(storage.scale) > kMaxWeightMagnitude) {
      fail("weights: tensor '", name, "' has quantization min ", storage.min, " and scale ", storage.scale,
           "; both must lie within +-", kMaxWeightMagnitude);
    }
  } else if (storage.quantized == "float16") {
    if (storage.dtype != WeightDType::float32) {
      fail("weights: tensor '", name, "' is int32 quantized as float16; float16 quantization holds float32 only");
    }
  } else {
    fail("weights: tensor '", name, "' is quantized as \"", storage.quantized,
         "\"; supported quantizations: uint8, uint16, float16");
  }
  return storage;
}

size_t element_count(const std::vector<int>& shape, const std::string& name) {
  uint64_t count = 1;  // each factor is below 2^31 and the product stays at most 2^31: no wrap in 64 bits
  for (int d : shape) {
    if (d < 0) fail("weights: tensor '", name, "' has a negative dimension in its shape");
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t{1} << 31)) fail("weights: tensor '", name, "' has more than 2^31 values");
  }
  return static_cast<size_t>(count);
}

// A dequantized int32 value, refused when it does not fit (the float-to-int cast would be undefined).
int32_t rounded_int32(double value, const std::string& name, size_t i) {
  const double rounded = std::floor(value + 0.5);
  if (!(rounded >= std::numeric_limits<int32_t>::min() && rounded <= std::numeric_limits<int32_t>::max())) {
    fail("weights: tensor '", name, "' is int32, but its quantization gives ", value, " at value ", i,
         ", outside the int32 range; check its quantization min and scale");
  }
  return static_cast<int32_t>(rounded);
}

// Decodes `count` stored values from `raw` into `weight`.
void decode(Weight& weight, const Storage& storage, const std::vector<uint8_t>& raw, size_t count) {
  if (count == 0) return;  // an empty tensor: its buffers may be null, which memcpy must not see
  auto load = [&](auto type_tag, size_t i) {
    decltype(type_tag) value;
    std::memcpy(&value, raw.data() + i * sizeof(value), sizeof(value));  // shards need not be aligned
    return value;
  };
  if (storage.quantized.empty()) {
    if (storage.dtype == WeightDType::int32) {
      weight.ints.resize(count);
      std::memcpy(weight.ints.data(), raw.data(), count * sizeof(int32_t));
    } else {
      weight.floats.resize(count);
      std::memcpy(weight.floats.data(), raw.data(), count * sizeof(float));
    }
    return;
  }
  if (storage.quantized == "float16") {
    weight.floats.resize(count);
    for (size_t i = 0; i < count; ++i) weight.floats[i] = half_to_float(load(uint16_t{}, i));
    return;
  }
  // uint8/uint16: v = q * scale + min, in double then rounded once, as TensorFlow.js computes it.
  auto quantized = [&](size_t i) {
    return storage.quantized == "uint8" ? double(raw[i]) : double(load(uint16_t{}, i));
  };
  if (storage.dtype == WeightDType::int32) {
    weight.ints.resize(count);
    for (size_t i = 0; i < count; ++i) {
      weight.ints[i] = rounded_int32(quantized(i) * storage.scale + storage.min, weight.name, i);
    }
  } else {
    weight.floats.resize(count);
    for (size_t i = 0; i < count; ++i) weight.floats[i] = static_cast<float>(quantized(i) * storage.scale + storage.min);
  }
}

void check_finite(const Weight& weight) {
  for (size_t i = 0; i < weight.floats.size(); ++i) {
    const float value = weight.floats[i];
    if (!std::isfinite(value)) {
      fail("weights: tensor '", weight.name, "' ", weight.shape_str(), " holds ", std::isnan(value) ? "NaN" : "an infinity",
           " at value ", i, "; the weights file is corrupt or the model diverged in training");
    }
    if (std::fabs(value) > kMaxWeightMagnitude) {
      fail("weights: tensor '", weight.name, "' ", weight.shape_str(), " holds ", value, " at value ", i,
           ", beyond the +-", kMaxWeightMagnitude, " a trained weight can hold; the weights file is corrupt");
    }
  }
}

// Bytes a manifest entry's tensor takes in its shard, in 64 bits: a 32-bit size_t could wrap.
uint64_t stored_bytes(const json& entry, const std::string& where, std::string& name) {
  name = jf::as_string(jf::require(entry, "name", where), where + ".name");
  const std::vector<int> shape = jf::as_int_list(jf::require(entry, "shape", where), where + ".shape");
  return uint64_t{element_count(shape, name)} * read_storage(entry, name, where).bytes_per_value();
}

// Every byte the tensors of manifest group `group` take, summed over its entries.
uint64_t group_bytes(const json& group, const std::string& where) {
  const json& entries = jf::as_array(jf::require(group, "weights", where), where + ".weights");
  uint64_t total = 0;
  std::string name;
  for (size_t w = 0; w < entries.size(); ++w) total += stored_bytes(entries[w], where + ".weights[" + std::to_string(w) + "]", name);
  return total;
}

// `path` (a manifest entry, at `where`) resolved inside `directory`; symbolic links are followed
// first, so neither ".." nor a link leads out of the model's folder.
std::filesystem::path confined_shard_path(const std::filesystem::path& directory, const std::string& path,
                                          const std::string& where) {
  namespace fs = std::filesystem;
  if (path.empty()) fail("weights: ", where, " is \"\"; give the shard's file name, relative to model.json's folder");
  if (path.find('\0') != std::string::npos) fail("weights: ", where, " holds a NUL character; no file name can");
  const fs::path relative(path);
  if (relative.has_root_path()) {
    fail("weights: ", where, " is the absolute path '", path, "'; shard paths must be relative to model.json's folder");
  }
  std::error_code error;
  const fs::path folder = fs::weakly_canonical(directory.empty() ? fs::path(".") : directory, error);
  const fs::path full = error ? fs::path() : fs::weakly_canonical(folder / relative, error);
  if (error) fail("weights: cannot resolve ", where, " '", path, "' in '", directory.string(), "': ", error.message());
  const fs::path inside = full.lexically_relative(folder);
  if (inside.empty() || *inside.begin() == "..") {
    fail("weights: ", where, " '", path, "' leads out of the model's folder '", directory.string(),
         "'; shards must lie in it or below it");
  }
  const fs::file_status status = fs::status(full, error);
  if (!fs::exists(status)) {
    fail("weights: cannot open shard file '", (directory / relative).string(), "' (", where, "): ",
         error ? error.message() : std::strerror(ENOENT));
  }
  if (!fs::is_regular_file(status)) {
    fail("weights: ", where, " '", path, "' is ", fs::is_directory(status) ? "a folder" : "not a regular file",
         "; it must name a shard file");
  }
  return full;
}

}  // namespace

std::vector<ShardBytes> shard_views(const std::vector<ShardFile>& files) {
  std::vector<ShardBytes> views;
  for (const ShardFile& file : files) views.push_back({file.name, file.bytes});
  return views;
}

std::string Weight::shape_str() const {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

void Weights::add(Weight weight) {
  if (contains(weight.name)) fail("weights: the manifest lists tensor '", weight.name, "' twice");
  index_.emplace(weight.name, weights_.size());
  weights_.push_back(std::move(weight));
}

const Weight& Weights::at(std::string_view name, std::string_view wanted_by) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) {
    fail(wanted_by, " needs the weight '", name, "', which the weights manifest does not list");
  }
  return weights_[it->second];
}

Tensor Weights::tensor(std::string_view name, std::string_view wanted_by) const {
  const Weight& weight = at(name, wanted_by);
  if (weight.dtype != WeightDType::float32) {
    fail(wanted_by, " needs the weight '", name, "' as float32, but it is int32");
  }
  const std::vector<int>& s = weight.shape;
  switch (s.size()) {
    case 0: return Tensor(Shape{1}, weight.floats);
    case 1: return Tensor(Shape{s[0]}, weight.floats);
    case 2: return Tensor(Shape{s[0], s[1]}, weight.floats);
    case 3: return Tensor(Shape{s[0], s[1], s[2]}, weight.floats);
    case 4: return Tensor(Shape{s[0], s[1], s[2], s[3]}, weight.floats);
  }
  fail(wanted_by, " needs the weight '", name, "' ", weight.shape_str(), ", but tensors have rank 4 at most");
}

Weights read_weights(const json& manifest, std::span<const ShardBytes> shards) {
  Weights weights;
  jf::as_array(manifest, "weightsManifest");
  for (size_t g = 0; g < manifest.size(); ++g) {
    const std::string where = "weightsManifest[" + std::to_string(g) + "]";
    GroupBytes group;
    const json& paths = jf::as_array(jf::require(manifest[g], "paths", where), where + ".paths");
    for (size_t p = 0; p < paths.size(); ++p) {
      group.append(find_shard(shards, jf::as_string(paths[p], where + ".paths[" + std::to_string(p) + "]")));
    }
    const json& entries = jf::as_array(jf::require(manifest[g], "weights", where), where + ".weights");
    if (paths.empty() && !entries.empty()) fail("weights: ", where, " lists tensors but no shard files");
    uint64_t offset = 0;
    std::string last_tensor;
    for (size_t w = 0; w < entries.size(); ++w) {
      const std::string ewhere = where + ".weights[" + std::to_string(w) + "]";
      Weight weight;
      weight.name = jf::as_string(jf::require(entries[w], "name", ewhere), ewhere + ".name");
      weight.shape = jf::as_int_list(jf::require(entries[w], "shape", ewhere), ewhere + ".shape");
      const Storage storage = read_storage(entries[w], weight.name, ewhere);
      weight.dtype = storage.dtype;
      const size_t count = element_count(weight.shape, weight.name);
      const uint64_t bytes = uint64_t{count} * storage.bytes_per_value();  // may not fit a 32-bit size_t
      if (offset + bytes > group.size()) {
        fail("weights: shard file '", group.last_file(), "' is too short: tensor '", weight.name, "' ",
             weight.shape_str(), " needs bytes ", offset, "..", offset + bytes, " of ", where, ", which holds ",
             group.size(), " bytes (", group.describe(), "); the file is truncated or does not belong to this model");
      }
      std::vector<uint8_t> raw(bytes);
      group.copy(offset, bytes, raw.data());
      decode(weight, storage, raw, count);
      check_finite(weight);
      offset += bytes;
      last_tensor = weight.name;
      weights.add(std::move(weight));
    }
    if (offset != group.size()) {
      fail("weights: shard file '", group.last_file(), "' does not match the manifest: ", where, "'s tensors",
           last_tensor.empty() ? "" : " (the last is '" + last_tensor + "')", " take ", offset,
           " bytes, but its files hold ", group.size(), " (", group.describe(), ")");
    }
  }
  return weights;
}

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path, uint64_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) fail("cannot open '", path.string(), "': ", std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  while (bytes.size() < max_bytes) {
    const size_t wanted = static_cast<size_t>(std::min<uint64_t>(sizeof chunk, max_bytes - bytes.size()));
    const size_t got = std::fread(chunk, 1, wanted, file.get());
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < wanted) break;
  }
  if (std::ferror(file.get())) fail("cannot read '", path.string(), "': ", std::strerror(errno));
  return bytes;
}

std::vector<ShardFile> read_shard_files(const json& manifest, const std::filesystem::path& directory) {
  std::vector<ShardFile> files;
  jf::as_array(manifest, "weightsManifest");
  for (size_t g = 0; g < manifest.size(); ++g) {
    const std::string where = "weightsManifest[" + std::to_string(g) + "]";
    const json& paths = jf::as_array(jf::require(manifest[g], "paths", where), where + ".paths");
    // A group's files are read up to the bytes its tensors take, so no file is read beyond them;
    // read_weights names the file and the counts when they fall short.
    uint64_t remaining = group_bytes(manifest[g], where);
    for (size_t p = 0; p < paths.size(); ++p) {
      const std::string pwhere = where + ".paths[" + std::to_string(p) + "]";
      const std::string path = jf::as_string(paths[p], pwhere);
      ShardFile file{path, read_file_bytes(confined_shard_path(directory, path, pwhere), remaining)};
      remaining -= file.bytes.size();
      files.push_back(std::move(file));
    }
  }
  return files;
}

float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: shift the mantissa up until its leading bit becomes the implicit one.
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

}  // namespace camlens
