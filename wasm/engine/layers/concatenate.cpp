#include "layers/concatenate.h"

#include <algorithm>
#include <cstdint>

#include "core/error.h"

namespace camlens {

namespace {

// Rows are everything before the last axis; each input fills `width` columns of every output row.
size_t row_count(const Tensor& t) { return t.size() / t.shape().c(); }

}  // namespace

void concatenate_forward(Tensor& out, Inputs in) {
  const size_t rows = row_count(out);
  const int out_width = out.shape().c();
  int column = 0;
  for (const Tensor* x : in) {
    const int width = x->shape().c();
    for (size_t r = 0; r < rows; ++r) {
      std::copy_n(x->data() + r * width, width, out.data() + r * out_width + column);
    }
    column += width;
  }
}

void concatenate_backward(InputGrads d_in, const Tensor& d_out, Inputs in) {
  const size_t rows = row_count(d_out);
  const int out_width = d_out.shape().c();
  int column = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    Tensor* d = d_in[k];
    const int width = in[k]->shape().c();
    for (size_t r = 0; d != nullptr && r < rows; ++r) {
      const float* g = d_out.data() + r * out_width + column;
      float* dx = d->data() + r * width;
      for (int c = 0; c < width; ++c) dx[c] += g[c];
    }
    column += width;
  }
}

Shape Concatenate::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& first = inputs[0];
  std::int64_t channels = 0;  // a sum of ints: 64 bits cannot overflow
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Shape& s = inputs[k];
    bool same_leading = s.rank() == first.rank();
    for (int axis = 0; same_leading && axis + 1 < s.rank(); ++axis) same_leading = s[axis] == first[axis];
    if (!same_leading) {
      fail("Concatenate '", name(), "': input ", k, " has shape ", s.str(), " but input 0 has ", first.str(),
           "; every dimension except the last (channels) must match (resize or pool the inputs to one size)");
    }
    channels += s.c();
  }
  const int out_c = shape_dimension(channels, "Concatenate '" + name() + "': the output's channel count");
  switch (first.rank()) {
    case 1: return Shape{out_c};
    case 2: return Shape{first[0], out_c};
    case 3: return Shape{first[0], first[1], out_c};
    default: return Shape{first[0], first[1], first[2], out_c};
  }
}

void Concatenate::forward(Tensor& out, Inputs in, Phase) { concatenate_forward(out, in); }

void Concatenate::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  concatenate_backward(d_in, d_out, in);
}

}  // namespace camlens
