// libFuzzer harness: a TensorFlow.js layers model's model.json (io/layers_model), loaded with weights
// of the sizes its manifest asks for, then one forward pass when its input is small. The same entry
// point as graph_model_fuzz.cpp (load_model tells the formats apart); this one starts from layers
// models, whose topology the graph seeds never reach.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  camlens::fuzz::load_and_run(camlens::fuzz::as_text(data, size));
  return 0;
}
