#pragma once
// Spectral Relevance Analysis (SpRAy, Lapuschkin et al. 2019): the maps of one class, downsampled
// to small vectors, grouped by spectral clustering. Small, tight groups are strategies the model
// uses on part of the class, a shortcut among them.
//
// Spectral clustering, as SpRAy does it: a symmetric k-nearest-neighbour graph over the vectors,
// its normalised Laplacian's smallest eigenvalues (audit/laplacian_spectrum.h), the eigengap
// (the largest jump between successive eigenvalues, among those still near 0) choosing the number
// of groups, then k-means
// (seeded k-means++) on the rows of the first eigenvectors, each scaled to unit length (Ng, Jordan
// and Weiss). Unlike k-means alone it needs no count given, and the eigenvalues tell how clearly
// the groups separate.
#include <cstdint>
#include <vector>

#include "audit/laplacian_spectrum.h"

namespace camlens::audit {

struct SpectralOptions {
  int most_clusters = 8;
  int neighbours = 10;  // of each point in the graph (fewer when there are fewer points)
  std::uint64_t seed = 1;
  EigenSolver solver = EigenSolver::automatic;
};

struct Clustering {
  std::vector<int> assignment;       // a cluster per point, numbered from 0 by first appearance
  int clusters = 1;
  std::vector<double> eigenvalues;   // the Laplacian's smallest, ascending (most_clusters + 1 of them)
};

// Every point has the same length. Fewer than three points make one cluster.
Clustering spectral_clusters(const std::vector<std::vector<float>>& points, const SpectralOptions& options = {});

// k-means with k-means++ seeding from `seed`, until no point moves (at most `iterations` rounds).
std::vector<int> k_means(const std::vector<std::vector<double>>& points, int k, std::uint64_t seed, int iterations = 100);

}  // namespace camlens::audit
