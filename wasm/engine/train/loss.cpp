#include "train/loss.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens {

namespace {

// Checks logits [N, classes] against labels; returns the class count.
int check_labels(const Shape& logits, std::span<const int> labels, const char* who) {
  if (logits.rank() != 2) fail(who, ": logits must be [N, classes], got ", logits.str());
  if (static_cast<size_t>(logits[0]) != labels.size()) {
    fail(who, ": logits ", logits.str(), " have ", logits[0], " rows but ", labels.size(),
         " labels were given; pass one label per row");
  }
  const int classes = logits[1];
  for (size_t n = 0; n < labels.size(); ++n) {
    if (labels[n] < 0 || labels[n] >= classes) {
      fail(who, ": label ", labels[n], " of row ", n, " is outside [0, ", classes, ") for logits ", logits.str());
    }
  }
  return classes;
}

}  // namespace

float softmax_cross_entropy_forward(Tensor& probabilities, const Tensor& logits, std::span<const int> labels) {
  const int classes = check_labels(logits.shape(), labels, "softmax_cross_entropy_forward");
  probabilities.reshape_storage(logits.shape());
  double total = 0.0;
  for (size_t n = 0; n < labels.size(); ++n) {
    const float* row = logits.data() + n * classes;
    float* p = probabilities.data() + n * classes;
    const float max = *std::max_element(row, row + classes);
    double sum = 0.0;
    for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c]) - max);
    const double log_sum = std::log(sum);
    for (int c = 0; c < classes; ++c) p[c] = static_cast<float>(std::exp(row[c] - max - log_sum));
    total += log_sum - (static_cast<double>(row[labels[n]]) - max);  // -log softmax[label]
  }
  return static_cast<float>(total / static_cast<double>(labels.size()));
}

void softmax_cross_entropy_backward(Tensor& d_logits, const Tensor& probabilities, std::span<const int> labels) {
  const int classes = check_labels(probabilities.shape(), labels, "softmax_cross_entropy_backward");
  expect_shape(d_logits.shape(), probabilities.shape(), "softmax_cross_entropy_backward: d_logits");
  const float scale = 1.0f / static_cast<float>(labels.size());
  for (size_t n = 0; n < labels.size(); ++n) {
    const float* p = probabilities.data() + n * classes;
    float* d = d_logits.data() + n * classes;
    for (int c = 0; c < classes; ++c) d[c] += (p[c] - (c == labels[n] ? 1.0f : 0.0f)) * scale;
  }
}

int count_correct(const Tensor& logits, std::span<const int> labels) {
  const int classes = check_labels(logits.shape(), labels, "count_correct");
  int correct = 0;
  for (size_t n = 0; n < labels.size(); ++n) {
    const float* row = logits.data() + n * classes;
    correct += static_cast<int>(std::max_element(row, row + classes) - row) == labels[n];
  }
  return correct;
}

}  // namespace camlens
