#pragma once
// Softmax cross-entropy on logits [N, classes] with integer labels, averaged over the batch:
//   L = -(1/N) sum_n log softmax(logits_n)[label_n]
// computed stably (log-sum-exp after subtracting each row's maximum). llm.c style: forward keeps
// the probabilities, backward reads them and accumulates (+=) dL/d logits.
#include <span>

#include "core/tensor.h"

namespace camlens {

// Returns the mean loss; `probabilities` gets softmax(logits), reshaped to logits' shape.
// Throws when logits is not [N, classes], labels has not N entries, or a label is out of range.
float softmax_cross_entropy_forward(Tensor& probabilities, const Tensor& logits, std::span<const int> labels);
// d_logits += (probabilities - one_hot(labels)) / N; d_logits has the logits' shape.
void softmax_cross_entropy_backward(Tensor& d_logits, const Tensor& probabilities, std::span<const int> labels);

// How many rows' largest logit (the first, on ties) is at the label.
int count_correct(const Tensor& logits, std::span<const int> labels);

}  // namespace camlens
