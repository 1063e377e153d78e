#include "train/training_state.h"

#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace camlens {

namespace {

constexpr std::string_view kMagic = "camlens training state\n";
constexpr int kVersion = 1;
constexpr uint32_t kMostHeaderBytes = 64u << 20;

void append(std::vector<uint8_t>& bytes, const void* data, size_t size) {
  const auto* begin = static_cast<const uint8_t*>(data);
  bytes.insert(bytes.end(), begin, begin + size);
}

nlohmann::json shape_json(const Shape& shape) {
  nlohmann::json dims = nlohmann::json::array();
  for (int d = 0; d < shape.rank(); ++d) dims.push_back(shape[d]);
  return dims;
}

// Reads bytes in order, failing with one message when they run out.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  std::span<const uint8_t> take(size_t size) {
    if (size > bytes_.size() - offset_) {
      fail("the training state is cut short (", bytes_.size(), " bytes): the file is damaged; resume from an earlier epoch");
    }
    const auto part = bytes_.subspan(offset_, size);
    offset_ += size;
    return part;
  }
  size_t left() const { return bytes_.size() - offset_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

nlohmann::json read_header(Reader& reader) {
  const auto magic = reader.take(kMagic.size());
  if (std::memcmp(magic.data(), kMagic.data(), kMagic.size()) != 0) {
    fail("this is not a camlens training state (it does not begin with '", kMagic.substr(0, kMagic.size() - 1), "')");
  }
  uint32_t length = 0;
  std::memcpy(&length, reader.take(sizeof length).data(), sizeof length);
  if (length > kMostHeaderBytes) fail("the training state's header claims ", length, " bytes: the file is damaged");
  const auto text = reader.take(length);
  nlohmann::json header = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || header.value("version", 0) != kVersion) {
    fail("the training state's header is damaged or of another version (this camlens reads version ", kVersion, ")");
  }
  return header;
}

const nlohmann::json& field(const nlohmann::json& header, const char* name) {
  const auto it = header.find(name);
  if (it == header.end()) fail("the training state's header has no '", name, "': the file is damaged");
  return *it;
}

template <typename Number>
Number number_field(const nlohmann::json& header, const char* name) {
  const nlohmann::json& value = field(header, name);
  if (!value.is_number_unsigned() || value.get<uint64_t>() > std::numeric_limits<Number>::max()) {
    fail("the training state's '", name, "' is not a count: the file is damaged");
  }
  return static_cast<Number>(value.get<uint64_t>());
}

void check_tensors(const nlohmann::json& saved, std::span<const NamedBuffer> tensors) {
  if (!saved.is_array() || saved.size() != tensors.size()) {
    fail("the training state holds ", saved.is_array() ? saved.size() : 0, " tensors where this run has ",
         tensors.size(), ": it was written by another architecture or optimiser; resume with the same --arch and "
         "--optimizer");
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const nlohmann::json& entry = saved[i];
    const nlohmann::json expected = {tensors[i].name, shape_json(tensors[i].value->shape())};
    if (entry != expected) {
      fail("the training state has ", entry.dump().substr(0, 120), " where this run has ", expected.dump(),
           ": it was written by another architecture, input size or optimiser");
    }
  }
}

}  // namespace

std::vector<uint8_t> encode_training_state(const TrainingCounters& counters, std::span<const NamedBuffer> tensors,
                                           std::span<const size_t> order) {
  nlohmann::json header = {{"version", kVersion},
                           {"epochs_done", counters.epochs_done},
                           {"steps_taken", counters.steps_taken},
                           {"random_state", counters.random_state},
                           {"order", order.size()},
                           {"tensors", nlohmann::json::array()}};
  for (const NamedBuffer& tensor : tensors) header["tensors"].push_back({tensor.name, shape_json(tensor.value->shape())});
  const std::string text = header.dump();
  std::vector<uint8_t> bytes;
  append(bytes, kMagic.data(), kMagic.size());
  const auto length = static_cast<uint32_t>(text.size());
  append(bytes, &length, sizeof length);
  append(bytes, text.data(), text.size());
  for (const NamedBuffer& tensor : tensors) append(bytes, tensor.value->data(), tensor.value->size() * sizeof(float));
  for (const size_t index : order) {
    const auto value = static_cast<uint32_t>(index);
    append(bytes, &value, sizeof value);
  }
  return bytes;
}

TrainingCounters decode_training_state(std::span<const uint8_t> bytes, std::span<const NamedBuffer> tensors,
                                       std::vector<size_t>& order, int steps_per_epoch) {
  Reader reader(bytes);
  const nlohmann::json header = read_header(reader);
  check_tensors(field(header, "tensors"), tensors);
  const auto order_size = number_field<size_t>(header, "order");
  if (order_size != order.size()) {
    fail("the training state shuffled ", order_size, " training images where this run has ", order.size(),
         ": resume with the same data, --limit and validation split");
  }
  TrainingCounters counters;
  counters.epochs_done = number_field<int>(header, "epochs_done");
  counters.steps_taken = number_field<int>(header, "steps_taken");
  counters.random_state = number_field<uint64_t>(header, "random_state");
  if (static_cast<int64_t>(counters.steps_taken) != static_cast<int64_t>(counters.epochs_done) * steps_per_epoch) {
    fail("the training state took ", counters.steps_taken, " steps in ", counters.epochs_done,
         " epochs, but this run takes ", steps_per_epoch, " per epoch: resume with the same --batch and data");
  }

  size_t payload = order.size() * sizeof(uint32_t);
  for (const NamedBuffer& tensor : tensors) payload += tensor.value->size() * sizeof(float);
  if (reader.left() != payload) {
    fail("the training state holds ", reader.left(), " bytes of values where ", payload, " were expected: the file is damaged");
  }
  std::vector<size_t> saved_order(order.size());
  {
    Reader values = reader;  // a dry run first: the order must be a permutation before anything is written
    for (const NamedBuffer& tensor : tensors) values.take(tensor.value->size() * sizeof(float));
    std::vector<bool> seen(order.size(), false);
    for (size_t& index : saved_order) {
      uint32_t value = 0;
      std::memcpy(&value, values.take(sizeof value).data(), sizeof value);
      if (value >= order.size() || seen[value]) fail("the training state's shuffled order is damaged");
      seen[value] = true;
      index = value;
    }
  }
  for (const NamedBuffer& tensor : tensors) {
    std::memcpy(tensor.value->data(), reader.take(tensor.value->size() * sizeof(float)).data(),
                tensor.value->size() * sizeof(float));
  }
  order = std::move(saved_order);
  return counters;
}

}  // namespace camlens
