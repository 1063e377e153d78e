// libFuzzer harness: an .onnx file (io/onnx_proto, io/onnx_model), its external data files
// synthesized at the sizes it asks for, then one forward pass when its input is small.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz_support.h"

namespace {

// Bytes of small finite floats (0.125, repeated): what an external data file of that size could hold.
std::vector<std::uint8_t> synthesized_external(const std::string&, std::uint64_t offset, std::int64_t length) {
  constexpr std::uint64_t kLimit = 8u << 20;
  const std::uint64_t wanted = length < 0 ? 64 : static_cast<std::uint64_t>(length);
  if (wanted > kLimit || offset > kLimit) camlens::fail("ONNX fuzz: external data of ", wanted, " bytes not synthesized");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(wanted));
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>((i % 4) == 3 ? 0x3e : 0);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    camlens::Model model = camlens::load_onnx_model({data, size}, synthesized_external);
    camlens::fuzz::forward_if_small(model);
  } catch (const camlens::Error&) {
  }
  return 0;
}
