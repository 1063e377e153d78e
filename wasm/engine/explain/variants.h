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

// Activations (and gradients) one batch may hold: WebAssembly memory never shrinks once grown, so a
// page keeps whatever its largest batch took; this keeps the emotion model's gradient batches at 16
// and cuts a large-input model's to a few.
inline constexpr double kBatchActivationBudgetBytes = 128.0 * 1024 * 1024;
// Progress and cancel only happen between batches, and past 16 images the GEMMs are tall enough
// that a taller batch gains nothing measurable while a page waits longer between progress steps.
inline constexpr int kMaxVariantBatch = 16;

// Variants per pass for `model`: `requested` when positive, else as many as fit the activation
// budget (every node's activation and gradient per item, as a gradient pass keeps them), between
// 1 and kMaxVariantBatch.
int variant_batch_size(const Model& model, int requested);

// Writes variant `index` into `item`, which holds the input's values on entry.
using FillVariant = std::function<void(int index, std::span<float> item)>;
// Runs once per batch: variants first .. first + batch.shape().n() - 1 are in `batch`.
using RunBatch = std::function<void(int first, const Tensor& batch)>;

// Builds `count` variants of `input` ([1, ...item shape]) in batches of at most `batch_size`, in
// order, and hands each batch to `run`; the last batch holds the remainder.
void for_each_variant_batch(const Tensor& input, int count, int batch_size, const FillVariant& fill, const RunBatch& run);

}  // namespace camlens::explain
