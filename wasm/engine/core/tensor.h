#pragma once
// Tensor: float32, row-major, 64-byte aligned. Activations are NHWC (rank 4) or NC (rank 2);
// weights use whatever rank their layer documents. Copies are explicit (clone), never hidden.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace camlens {

class Shape {
 public:
  static constexpr int kMaxRank = 4;
  // Kernels index a tensor's elements with int, so a shape holds at most INT32_MAX of them; every
  // dimension, and any sum or product of dimensions within one shape, then fits an int too.
  static constexpr std::int64_t kMaxElements = INT32_MAX;

  Shape() = default;
  Shape(std::initializer_list<int> dims);
  static Shape nhwc(int n, int h, int w, int c) { return Shape{n, h, w, c}; }

  int rank() const { return rank_; }
  int operator[](int axis) const;
  size_t size() const;  // number of elements
  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }
  std::string str() const;  // "[2, 7, 7, 16]"

  // NHWC accessors: valid on rank 4; on rank 2 ([N, C]) h and w are 1.
  int n() const { return dims_[0]; }
  int h() const { return rank_ == 4 ? dims_[1] : 1; }
  int w() const { return rank_ == 4 ? dims_[2] : 1; }
  int c() const { return dims_[rank_ - 1]; }

 private:
  std::array<int, kMaxRank> dims_{};
  int rank_ = 0;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const Shape& shape);  // zero-filled
  Tensor(const Shape& shape, std::span<const float> values);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  Tensor clone() const;
  const Shape& shape() const { return shape_; }
  size_t size() const { return shape_.size(); }
  bool empty() const { return size() == 0; }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::span<float> values() { return {data(), size()}; }
  std::span<const float> values() const { return {data(), size()}; }
  float& operator[](size_t i) { return data_[i]; }
  float operator[](size_t i) const { return data_[i]; }
  float& at(int n, int h, int w, int c);
  float at(int n, int h, int w, int c) const;

  void fill(float value);
  // Gives the tensor a new shape; reallocates only when the new size exceeds the capacity.
  // Contents are unspecified afterwards unless zero is true.
  void reshape_storage(const Shape& shape, bool zero = false);
  // Same elements, new shape: the element counts must match.
  void reshape(const Shape& shape);

 private:
  struct AlignedFree {
    void operator()(float* p) const;
  };
  Shape shape_;
  size_t capacity_ = 0;
  std::unique_ptr<float[], AlignedFree> data_;
};

// `value` as a shape dimension, computed in 64 bits by the caller; throws an Error naming `what`
// (e.g. "ZeroPad2D 'pad': the padded height") when it is not in 1..Shape::kMaxElements.
int shape_dimension(std::int64_t value, std::string_view what);

// Throws an Error naming `who` unless `actual` equals `expected`.
void expect_shape(const Shape& actual, const Shape& expected, const std::string& who);

}  // namespace camlens
