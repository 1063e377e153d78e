#pragma once
// The one batched path for methods and metrics that run many variants of one input (Score-CAM's
// masked inputs, occlusion's patches, SmoothGrad's noisy copies, Integrated Gradients' path
// points, the faithfulness metrics' perturbed inputs): the variants go through the model as
// batches [N, ...input item shape], so each layer runs one taller GEMM and reads its weights once
// per batch. The graph's forward and backward take a batch as they take one image.
#include <functional>
#include <span>

#include "core/tensor.h"

namespace camlens {
struct Model;
}

namespace camlens::explain {

// The largest layer's inputs and output, summed over a batch, stay within a core's L2 cache (2 MiB
// on current x86 servers), because past it every layer streams its activations from L3 or memory,
// which costs more than taller GEMMs gain once a layer has a few hundred pixels per image.
inline constexpr double kBatchWorkingSetBytes = 2.0 * 1024 * 1024;
// Small models gain from batching until their GEMMs are tall; progress and cancel only happen
// between batches, so a page should not wait for many more variants than that.
inline constexpr int kMaxVariantBatch = 16;

// The bytes one variant's largest layer reads and writes (its inputs' and output's activations).
double variant_working_set_bytes(const Model& model);
// Variants per pass for `model`: `requested` when positive, else as many as keep the largest
// layer's working set within kBatchWorkingSetBytes, between 1 and kMaxVariantBatch.
int variant_batch_size(const Model& model, int requested);

// Writes variant `index` into `item`, which holds the input's values on entry.
using FillVariant = std::function<void(int index, std::span<float> item)>;
// Runs once per batch: variants first .. first + batch.shape().n() - 1 are in `batch`.
using RunBatch = std::function<void(int first, const Tensor& batch)>;

// Builds `count` variants of `input` ([1, ...item shape]) in batches of at most `batch_size`, in
// order, and hands each batch to `run`; the last batch holds the remainder.
void for_each_variant_batch(const Tensor& input, int count, int batch_size, const FillVariant& fill, const RunBatch& run);

}  // namespace camlens::explain
