#include "audit/laplacian_spectrum.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCore>
#include <Spectra/MatOp/SparseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace camlens::audit {

namespace {

// Below this many vertices the dense solve costs little and needs no convergence.
constexpr int kDenseUpTo = 200;

// Each connected component's vertices, ascending; components ordered by their first vertex.
std::vector<std::vector<int>> connected_components(const Adjacency& graph) {
  std::vector<int> component(graph.size(), -1);
  std::vector<std::vector<int>> components;
  for (size_t start = 0; start < graph.size(); ++start) {
    if (component[start] >= 0) continue;
    const int id = static_cast<int>(components.size());
    std::vector<int> members{static_cast<int>(start)};
    component[start] = id;
    for (size_t next = 0; next < members.size(); ++next) {
      for (const int neighbour : graph[static_cast<size_t>(members[next])]) {
        if (component[static_cast<size_t>(neighbour)] >= 0) continue;
        component[static_cast<size_t>(neighbour)] = id;
        members.push_back(neighbour);
      }
    }
    std::sort(members.begin(), members.end());
    components.push_back(std::move(members));
  }
  return components;
}

// The component's normalised adjacency D^-1/2 W D^-1/2, indexed by position in `vertices`.
Eigen::SparseMatrix<double> normalised_adjacency(const Adjacency& graph, const std::vector<int>& vertices) {
  std::vector<int> local(graph.size(), -1);
  for (size_t i = 0; i < vertices.size(); ++i) local[static_cast<size_t>(vertices[i])] = static_cast<int>(i);
  std::vector<Eigen::Triplet<double>> entries;
  for (size_t i = 0; i < vertices.size(); ++i) {
    const std::vector<int>& neighbours = graph[static_cast<size_t>(vertices[i])];
    if (neighbours.empty()) fail("smallest_laplacian_eigenpairs: vertex ", vertices[i], " has no neighbour");
    for (const int j : neighbours) {
      const double degrees = static_cast<double>(neighbours.size()) * static_cast<double>(graph[static_cast<size_t>(j)].size());
      entries.emplace_back(static_cast<int>(i), local[static_cast<size_t>(j)], 1.0 / std::sqrt(degrees));
    }
  }
  const auto size = static_cast<Eigen::Index>(vertices.size());
  Eigen::SparseMatrix<double> adjacency(size, size);
  adjacency.setFromTriplets(entries.begin(), entries.end());
  return adjacency;
}

LaplacianSpectrum dense_spectrum(const Eigen::SparseMatrix<double>& adjacency, int count) {
  const Eigen::Index size = adjacency.rows();
  const Eigen::MatrixXd laplacian = Eigen::MatrixXd::Identity(size, size) - Eigen::MatrixXd(adjacency);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(laplacian);
  if (solver.info() != Eigen::Success) fail("smallest_laplacian_eigenpairs: the dense eigendecomposition did not converge");
  const Eigen::Index kept = std::min<Eigen::Index>(count, size);
  return {solver.eigenvalues().head(kept), solver.eigenvectors().leftCols(kept)};
}

// The Laplacian's smallest eigenvalues are 1 minus the normalised adjacency's largest.
LaplacianSpectrum lanczos_spectrum(const Eigen::SparseMatrix<double>& adjacency, int count) {
  const auto size = static_cast<int>(adjacency.rows());
  const int wanted = std::min(count, size - 1);
  const int basis = std::min(size, std::max(2 * wanted + 1, 40));
  Spectra::SparseSymMatProd<double> product(adjacency);
  Spectra::SymEigsSolver<Spectra::SparseSymMatProd<double>> solver(product, wanted, basis);
  solver.init();  // a fixed starting vector: the same graph gives the same eigenvectors
  solver.compute(Spectra::SortRule::LargestAlge, 1000, 1e-12, Spectra::SortRule::LargestAlge);
  // Lanczos may stall on a tight cluster of values; the dense solve is slower but always answers.
  if (solver.info() != Spectra::CompInfo::Successful) return dense_spectrum(adjacency, count);
  const Eigen::VectorXd largest = solver.eigenvalues();
  return {Eigen::VectorXd::Ones(largest.size()) - largest, solver.eigenvectors()};
}

}  // namespace

LaplacianSpectrum smallest_laplacian_eigenpairs(const Adjacency& graph, int count, EigenSolver solver) {
  const auto size = static_cast<Eigen::Index>(graph.size());
  if (count < 1) fail("smallest_laplacian_eigenpairs: needs at least one eigenpair, got ", count);
  struct Found {
    double value;
    size_t component;
    Eigen::Index column;
  };
  const std::vector<std::vector<int>> components = connected_components(graph);
  std::vector<LaplacianSpectrum> spectra;
  std::vector<Found> found;
  for (size_t c = 0; c < components.size(); ++c) {
    const Eigen::SparseMatrix<double> adjacency = normalised_adjacency(graph, components[c]);
    const bool dense = solver == EigenSolver::dense || adjacency.rows() <= kDenseUpTo;
    spectra.push_back(dense ? dense_spectrum(adjacency, count) : lanczos_spectrum(adjacency, count));
    for (Eigen::Index i = 0; i < spectra.back().values.size(); ++i) found.push_back({spectra.back().values(i), c, i});
  }
  // Stable: equal values keep the components' order, so the result does not depend on the solver.
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.value < b.value; });
  const auto kept = std::min<Eigen::Index>(count, static_cast<Eigen::Index>(found.size()));
  LaplacianSpectrum spectrum{Eigen::VectorXd(kept), Eigen::MatrixXd::Zero(size, kept)};
  for (Eigen::Index k = 0; k < kept; ++k) {
    const Found& entry = found[static_cast<size_t>(k)];
    spectrum.values(k) = entry.value;
    const std::vector<int>& vertices = components[entry.component];
    for (size_t i = 0; i < vertices.size(); ++i) {
      spectrum.vectors(vertices[i], k) = spectra[entry.component].vectors(static_cast<Eigen::Index>(i), entry.column);
    }
  }
  return spectrum;
}

}  // namespace camlens::audit
