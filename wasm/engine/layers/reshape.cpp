#include "layers/reshape.h"

#include <algorithm>
#include <cstdint>

#include "core/error.h"

namespace camlens {

void reshape_forward(Tensor& out, const Tensor& in) { std::copy_n(in.data(), in.size(), out.data()); }

void reshape_backward(Tensor& d_in, const Tensor& d_out) {
  const float* g = d_out.data();
  float* dx = d_in.data();
  for (size_t i = 0, n = d_in.size(); i < n; ++i) dx[i] += g[i];
}

Reshape::Reshape(std::string name, std::vector<int> target) : Layer(std::move(name)), target_(std::move(target)) {
  if (target_.empty() || target_.size() + 1 > static_cast<size_t>(Shape::kMaxRank)) {
    fail("Reshape '", this->name(), "': the target shape needs 1 to ", Shape::kMaxRank - 1,
         " dimensions besides the batch axis, got ", target_.size());
  }
  if (std::count(target_.begin(), target_.end(), -1) > 1) {
    fail("Reshape '", this->name(), "': at most one target dimension may be -1, got ", target_str());
  }
  for (int d : target_) {
    if (d <= 0 && d != -1) fail("Reshape '", this->name(), "': target dimensions must be positive or -1, got ", target_str());
  }
}

std::string Reshape::target_str() const {
  std::string s = "[N";
  for (int d : target_) s += ", " + std::to_string(d);
  return s + "]";
}

Shape Reshape::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  const std::uint64_t per_item = in.size() / in[0];
  // Saturates just past the most a shape can hold: each factor fits 31 bits, so no product wraps.
  const std::uint64_t beyond = std::uint64_t{Shape::kMaxElements} + 1;
  std::uint64_t known = 1;
  for (int d : target_) known = std::min(known * (d == -1 ? 1 : d), beyond);
  const bool has_free_dim = std::count(target_.begin(), target_.end(), -1) == 1;
  if (has_free_dim ? per_item % known != 0 : per_item != known) {
    fail("Reshape '", name(), "': cannot reshape ", in.str(), " (", per_item, " values per batch item) to ",
         target_str(), has_free_dim ? " (a multiple of " : " (", known == beyond ? "more than " : "",
         known == beyond ? Shape::kMaxElements : static_cast<std::int64_t>(known), " values per batch item)");
  }
  std::vector<int> dims = target_;
  for (int& d : dims) {
    if (d == -1) d = static_cast<int>(per_item / known);
  }
  switch (dims.size()) {
    case 1: return Shape{in[0], dims[0]};
    case 2: return Shape{in[0], dims[0], dims[1]};
    default: return Shape{in[0], dims[0], dims[1], dims[2]};
  }
}

void Reshape::forward(Tensor& out, Inputs in, Phase) { reshape_forward(out, *in[0]); }

void Reshape::backward(InputGrads d_in, const Tensor& d_out, Inputs, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) reshape_backward(*d_in[0], d_out);
}

}  // namespace camlens
