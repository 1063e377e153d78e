// libFuzzer harness: an IDX file of an MNIST-style data set (train/idx), as the page's training
// session and `camlens train --data` read them: parsed, then paired with a label or image file of the
// count it declares, turned into a Dataset and checked, and its first image drawn.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "train/dataset.h"
#include "train/idx.h"

namespace {

using camlens::IdxArray;

// Labels 0, 1, 2, ... (mod 10) for `count` images, or `count` 2x2 images, as a well-formed partner file.
IdxArray partner_labels(int count) {
  IdxArray labels{{count}, std::vector<std::uint8_t>(static_cast<std::size_t>(count))};
  for (int i = 0; i < count; ++i) labels.values[i] = static_cast<std::uint8_t>(i % 10);
  return labels;
}

IdxArray partner_images(int count) {
  return {{count, 2, 2}, std::vector<std::uint8_t>(static_cast<std::size_t>(count) * 4, 128)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const IdxArray parsed = camlens::parse_idx(std::span(data, size), "fuzz-idx-ubyte");
    // A partner file no larger than the bytes given: a huge declared count is the parser's to refuse.
    const int count = parsed.dims.empty() ? 0 : std::clamp(parsed.dims[0], 0, static_cast<int>(size));
    const bool images = parsed.dims.size() != 1;
    const camlens::Dataset set = images ? camlens::dataset_from_idx(parsed, partner_labels(count), "the fuzzed images")
                                        : camlens::dataset_from_idx(partner_images(count), parsed, "the fuzzed labels");
    camlens::validate_dataset(set, 10, "the fuzzed set");
    camlens::item_image(set, 0);
  } catch (const camlens::Error&) {
  }
  return 0;
}
