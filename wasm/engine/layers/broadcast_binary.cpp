#include "layers/broadcast_binary.h"

#include "core/error.h"

namespace camlens {

namespace {

// The index of b's value for a's element i: itself, or its channel in its batch item.
struct Broadcast {
  size_t item_size, channels;
  bool per_channel;
  size_t operator()(size_t i) const { return per_channel ? (i / item_size) * channels + i % channels : i; }
};

Broadcast broadcast_of(const Tensor& a, const Tensor& b) {
  const size_t items = static_cast<size_t>(a.shape().n());
  return Broadcast{a.size() / items, static_cast<size_t>(a.shape().c()), a.size() != b.size()};
}

}  // namespace

void broadcast_binary_forward(Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
  const Broadcast at = broadcast_of(a, b);
  const float* x = a.data();
  const float* s = b.data();
  float* y = out.data();
  const size_t n = a.size();
  switch (op) {
    case BinaryOp::add: for (size_t i = 0; i < n; ++i) y[i] = x[i] + s[at(i)]; break;
    case BinaryOp::subtract: for (size_t i = 0; i < n; ++i) y[i] = x[i] - s[at(i)]; break;
    case BinaryOp::multiply: for (size_t i = 0; i < n; ++i) y[i] = x[i] * s[at(i)]; break;
    case BinaryOp::divide: for (size_t i = 0; i < n; ++i) y[i] = x[i] / s[at(i)]; break;
  }
}

void broadcast_binary_backward(Tensor* d_a, Tensor* d_b, const Tensor& d_out, const Tensor& a, const Tensor& b,
                               const Tensor& out, BinaryOp op) {
  const Broadcast at = broadcast_of(a, b);
  const float* g = d_out.data();
  const float* x = a.data();
  const float* s = b.data();
  const float* y = out.data();
  const size_t n = a.size();
  if (d_a != nullptr) {
    float* dx = d_a->data();
    switch (op) {
      case BinaryOp::add:
      case BinaryOp::subtract: for (size_t i = 0; i < n; ++i) dx[i] += g[i]; break;
      case BinaryOp::multiply: for (size_t i = 0; i < n; ++i) dx[i] += g[i] * s[at(i)]; break;
      case BinaryOp::divide: for (size_t i = 0; i < n; ++i) dx[i] += g[i] / s[at(i)]; break;
    }
  }
  if (d_b != nullptr) {
    float* ds = d_b->data();
    switch (op) {
      case BinaryOp::add: for (size_t i = 0; i < n; ++i) ds[at(i)] += g[i]; break;
      case BinaryOp::subtract: for (size_t i = 0; i < n; ++i) ds[at(i)] -= g[i]; break;
      case BinaryOp::multiply: for (size_t i = 0; i < n; ++i) ds[at(i)] += g[i] * x[i]; break;
      // d(a / b)/db = -a / b^2 = -y / b.
      case BinaryOp::divide: for (size_t i = 0; i < n; ++i) ds[at(i)] -= g[i] * y[i] / s[at(i)]; break;
    }
  }
}

const char* BroadcastBinary::kind() const {
  switch (op_) {
    case BinaryOp::add: return "BroadcastAdd";
    case BinaryOp::subtract: return "Subtract";
    case BinaryOp::multiply: return "Multiply";
    case BinaryOp::divide: return "Divide";
  }
  return "BroadcastBinary";
}

Shape BroadcastBinary::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& a = inputs[0];
  const Shape& b = inputs[1];
  const bool per_channel = b.rank() == 2 && b.n() == a.n() && b.c() == a.c();
  if (a != b && !per_channel) {
    fail(kind(), " '", name(), "': input 1 has shape ", b.str(), " but input 0 has ", a.str(),
         "; the second input must have the first's shape or be one value per channel [N, C]");
  }
  return a;
}

void BroadcastBinary::forward(Tensor& out, Inputs in, Phase) { broadcast_binary_forward(out, *in[0], *in[1], op_); }

void BroadcastBinary::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out, const BackwardRequest&) {
  broadcast_binary_backward(d_in[0], d_in[1], d_out, *in[0], *in[1], out, op_);
}

}  // namespace camlens
