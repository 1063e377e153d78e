#pragma once
// A training run's state as bytes, so a run can stop and resume exactly where it was:
//   "camlens training state\n", a little-endian uint32 header length, a JSON header
//   {"version", "epochs_done", "steps_taken", "random_state", "order", "tensors": [[name, shape]...]},
//   then every tensor's float32 values in the header's order, then the shuffled order as uint32.
// Tensors are matched by name and shape, so a state only loads into the architecture that wrote it.
#include <cstdint>
#include <span>
#include <vector>

#include "layers/layer.h"

namespace camlens {

struct TrainingCounters {
  int epochs_done = 0;
  int steps_taken = 0;
  uint64_t random_state = 0;
};

std::vector<uint8_t> encode_training_state(const TrainingCounters& counters, std::span<const NamedBuffer> tensors,
                                           std::span<const size_t> order);

// Checks every name, shape and size against `tensors`, `order` and `steps_per_epoch` (the running
// trainer's) before writing anything into them; throws an Error saying what differs otherwise.
TrainingCounters decode_training_state(std::span<const uint8_t> bytes, std::span<const NamedBuffer> tensors,
                                       std::vector<size_t>& order, int steps_per_epoch);

}  // namespace camlens
