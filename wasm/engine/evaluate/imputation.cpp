#include "evaluate/imputation.h"

#include <vector>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include "core/error.h"

namespace camlens::evaluate {

namespace {

struct Neighbour {
  int dy, dx;
  double weight;
};
constexpr Neighbour kNeighbours[] = {{1, 1, 1.0 / 12}, {0, 1, 1.0 / 6},  {-1, 1, 1.0 / 12}, {1, -1, 1.0 / 12},
                                     {0, -1, 1.0 / 6}, {-1, -1, 1.0 / 12}, {1, 0, 1.0 / 6},  {-1, 0, 1.0 / 6}};

}  // namespace

Tensor linear_imputation(const Tensor& image, std::span<const std::uint8_t> removed) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s.n() != 1) fail("evaluate: imputation takes one image [1, H, W, C], got ", s.str());
  const int height = s.h(), width = s.w(), channels = s.c();
  if (removed.size() != static_cast<size_t>(height) * width) {
    fail("evaluate: the removal mask has ", removed.size(), " flags for a ", height, " x ", width, " image");
  }
  // Unknown k is pixel unknowns[k]; index_of maps a pixel back to its unknown (-1: known).
  std::vector<int> unknowns, index_of(removed.size(), -1);
  for (size_t p = 0; p < removed.size(); ++p) {
    if (removed[p]) {
      index_of[p] = static_cast<int>(unknowns.size());
      unknowns.push_back(static_cast<int>(p));
    }
  }
  Tensor out = image.clone();
  if (unknowns.empty()) return out;
  if (unknowns.size() == removed.size()) {
    fail("evaluate: imputation cannot remove every pixel of the image: none is left to impute from");
  }
  // Each removed pixel's equation, scaled by -1 from road.py's so that the matrix is symmetric
  // positive definite: (sum of its neighbours' weights) x_i - sum over removed neighbours w x_j =
  // sum over known neighbours w v_j.
  const auto n = static_cast<Eigen::Index>(unknowns.size());
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(unknowns.size() * 9);
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(n, channels);
  for (Eigen::Index k = 0; k < n; ++k) {
    const int y = unknowns[k] / width, x = unknowns[k] % width;
    double total = 0.0;
    for (const Neighbour& nb : kNeighbours) {
      const int ny = y + nb.dy, nx = x + nb.dx;
      if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
      total += nb.weight;
      const int neighbour = ny * width + nx;
      if (index_of[neighbour] >= 0) {
        entries.emplace_back(k, index_of[neighbour], -nb.weight);
      } else {
        for (int c = 0; c < channels; ++c) rhs(k, c) += nb.weight * image.at(0, ny, nx, c);
      }
    }
    entries.emplace_back(k, k, total);
  }
  Eigen::SparseMatrix<double> system(n, n);
  system.setFromTriplets(entries.begin(), entries.end());
  const Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(system);
  if (solver.info() != Eigen::Success) fail("evaluate: the imputation's linear system could not be factorised");
  const Eigen::MatrixXd solution = solver.solve(rhs);
  for (Eigen::Index k = 0; k < n; ++k) {
    for (int c = 0; c < channels; ++c) out[static_cast<size_t>(unknowns[k]) * channels + c] = static_cast<float>(solution(k, c));
  }
  return out;
}

Tensor noisy_linear_imputation(const Tensor& image, std::span<const std::uint8_t> removed, float noise,
                               explain::NormalNoise& normal) {
  Tensor out = linear_imputation(image, removed);
  const int channels = image.shape().c();
  for (size_t p = 0; p < removed.size(); ++p) {
    if (!removed[p]) continue;
    for (int c = 0; c < channels; ++c) out[p * channels + c] += noise * normal.next();
  }
  return out;
}

}  // namespace camlens::evaluate
