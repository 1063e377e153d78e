// libFuzzer harness: a TensorFlow.js graph model's model.json (io/graph_model), loaded with weights
// of the sizes its manifest asks for, then one forward pass when its input is small.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  camlens::fuzz::load_and_run(camlens::fuzz::as_text(data, size));
  return 0;
}
