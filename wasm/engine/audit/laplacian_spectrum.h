#pragma once
// The smallest eigenvalues and eigenvectors of a graph's normalised Laplacian
// L = I - D^-1/2 W D^-1/2, which spectral clustering reads. Each connected component is solved
// apart: its spectrum is part of the whole's, and a value repeated across components (0, once per
// component) is what a Lanczos iteration cannot be trusted to find twice. Small components get
// Eigen's dense SelfAdjointEigenSolver; large ones Spectra's restarted Lanczos on the sparse matrix,
// which finds a few eigenpairs of a 1,000-vertex k-nearest-neighbour graph for a small fraction of
// the dense solve's cost (that solve computes all 1,000).
#include <vector>

#include <Eigen/Core>

namespace camlens::audit {

// An undirected graph with unit weights: each vertex's neighbours, listed on both ends, no loops.
using Adjacency = std::vector<std::vector<int>>;

struct LaplacianSpectrum {
  Eigen::VectorXd values;   // ascending
  Eigen::MatrixXd vectors;  // a unit column per value
};

enum class EigenSolver {
  automatic,  // dense for small components, Lanczos for large ones
  dense,      // dense for every component: the reference the Lanczos path is tested against
};

// The `count` smallest eigenpairs (all of them when the graph has fewer vertices). Every vertex
// needs a neighbour.
LaplacianSpectrum smallest_laplacian_eigenpairs(const Adjacency& graph, int count,
                                                EigenSolver solver = EigenSolver::automatic);

}  // namespace camlens::audit
