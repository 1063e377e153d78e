#include "core/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/memory.h"

namespace camlens {

namespace {
constexpr size_t kAlignment = 64;

float* allocate_aligned(size_t count, const Shape& shape) {
  check_allocation(std::uint64_t{count} * sizeof(float), "a " + shape.str() + " tensor");
  size_t bytes = std::max<size_t>(count * sizeof(float), 1);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p == nullptr) fail("out of memory allocating a tensor of ", count, " floats");
  return static_cast<float*>(p);
}
}  // namespace

Shape::Shape(std::initializer_list<int> dims) {
  if (dims.size() == 0 || dims.size() > kMaxRank) {
    fail("a shape needs 1 to ", kMaxRank, " dimensions, got ", dims.size());
  }
  std::int64_t elements = 1;  // at most INT32_MAX times a dimension: no overflow in 64 bits
  for (int d : dims) {
    if (d <= 0) fail("shape dimensions must be positive, got ", d, " in a rank-", dims.size(), " shape");
    dims_[rank_++] = d;
    elements *= d;
    if (elements > kMaxElements) {
      fail("shape ", str(), (rank_ < static_cast<int>(dims.size()) ? "..." : ""), " holds more than ", kMaxElements,
           " elements, the most a tensor can hold");
    }
  }
}

int shape_dimension(std::int64_t value, std::string_view what) {
  if (value <= 0 || value > Shape::kMaxElements) {
    fail(what, " would be ", value, ", outside the 1..", Shape::kMaxElements, " a shape dimension can be");
  }
  return static_cast<int>(value);
}

int Shape::operator[](int axis) const {
  if (axis < 0 || axis >= rank_) fail("axis ", axis, " is out of range for shape ", str());
  return dims_[axis];
}

size_t Shape::size() const {
  if (rank_ == 0) return 0;
  size_t total = 1;
  for (int i = 0; i < rank_; ++i) total *= static_cast<size_t>(dims_[i]);
  return total;
}

bool Shape::operator==(const Shape& other) const {
  return rank_ == other.rank_ && std::equal(dims_.begin(), dims_.begin() + rank_, other.dims_.begin());
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string(dims_[i]);
  return s + "]";
}

void Tensor::AlignedFree::operator()(float* p) const { std::free(p); }

Tensor::Tensor(const Shape& shape) { reshape_storage(shape, /*zero=*/true); }

Tensor::Tensor(const Shape& shape, std::span<const float> values) {
  if (values.size() != shape.size()) {
    fail("tensor of shape ", shape.str(), " needs ", shape.size(), " values, got ", values.size());
  }
  reshape_storage(shape);
  std::copy(values.begin(), values.end(), data());
}

Tensor Tensor::clone() const {
  Tensor copy;
  if (!empty()) copy = Tensor(shape_, values());
  return copy;
}

float& Tensor::at(int n, int h, int w, int c) {
  return data_[((static_cast<size_t>(n) * shape_.h() + h) * shape_.w() + w) * shape_.c() + c];
}

float Tensor::at(int n, int h, int w, int c) const {
  return data_[((static_cast<size_t>(n) * shape_.h() + h) * shape_.w() + w) * shape_.c() + c];
}

void Tensor::fill(float value) { std::fill_n(data(), size(), value); }

void Tensor::reshape_storage(const Shape& shape, bool zero) {
  size_t needed = shape.size();
  if (needed > capacity_) {
    data_.reset(allocate_aligned(needed, shape));
    capacity_ = needed;
  }
  shape_ = shape;
  if (zero) std::memset(data(), 0, needed * sizeof(float));
}

void Tensor::reshape(const Shape& shape) {
  if (shape.size() != size()) {
    fail("cannot reshape ", shape_.str(), " (", size(), " values) to ", shape.str(), " (", shape.size(),
         " values)");
  }
  shape_ = shape;
}

void expect_shape(const Shape& actual, const Shape& expected, const std::string& who) {
  if (actual != expected) fail(who, ": expected shape ", expected.str(), ", got ", actual.str());
}

}  // namespace camlens
