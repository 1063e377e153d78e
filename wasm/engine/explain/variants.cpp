#include "explain/variants.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model.h"

namespace camlens::explain {

namespace {

// `shape` with its batch dimension set to `batch`.
Shape with_batch(const Shape& shape, int batch) {
  switch (shape.rank()) {
    case 2: return Shape{batch, shape[1]};
    case 3: return Shape{batch, shape[1], shape[2]};
    case 4: return Shape{batch, shape[1], shape[2], shape[3]};
  }
  fail("explain: variants need an input of rank 2 to 4 ([1, C] or [1, H, W, C]), got ", shape.str());
}

}  // namespace

double variant_working_set_bytes(const Model& model) {
  const std::vector<NodeInfo> nodes = model.graph.nodes();
  double largest = 0.0;
  for (const NodeInfo& node : nodes) {
    double floats = static_cast<double>(node.item_shape.size());
    for (const std::string& input : node.inputs) {
      const auto read = std::find_if(nodes.begin(), nodes.end(), [&](const NodeInfo& n) { return n.name == input; });
      floats += static_cast<double>(read->item_shape.size());
    }
    largest = std::max(largest, floats);
  }
  return sizeof(float) * largest;
}

int variant_batch_size(const Model& model, int requested) {
  if (requested > 0) return requested;
  if (requested < 0) fail("explain: a batch size must be positive (0: chosen from the model), got ", requested);
  const double fitting = kBatchWorkingSetBytes / std::max(variant_working_set_bytes(model), 1.0);
  return static_cast<int>(std::clamp(fitting, 1.0, static_cast<double>(kMaxVariantBatch)));
}

void for_each_variant_batch(const Tensor& input, int count, int batch_size, const FillVariant& fill, const RunBatch& run) {
  const Shape& in = input.shape();
  if (in.rank() < 2 || in[0] != 1) fail("explain: variants are made of one input [1, ...], got ", in.str());
  if (batch_size < 1) fail("explain: the batch size must be at least 1, got ", batch_size);
  const size_t item_size = input.size();
  Tensor batch;
  for (int first = 0; first < count; first += batch_size) {
    const int items = std::min(batch_size, count - first);
    batch.reshape_storage(with_batch(in, items));
    for (int item = 0; item < items; ++item) {
      const std::span<float> values(batch.data() + static_cast<size_t>(item) * item_size, item_size);
      std::copy(input.values().begin(), input.values().end(), values.begin());
      fill(first + item, values);
    }
    run(first, batch);
  }
}

}  // namespace camlens::explain
