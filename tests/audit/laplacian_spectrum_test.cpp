#include "audit/laplacian_spectrum.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "audit/spray.h"
#include "train/random.h"

using namespace camlens;
using namespace camlens::audit;

namespace {

void join(Adjacency& graph, int a, int b) {
  if (a == b || std::find(graph[a].begin(), graph[a].end(), b) != graph[a].end()) return;
  graph[a].push_back(b);
  graph[b].push_back(a);
}

// `groups` groups of `size` vertices, each a ring with random chords inside, and `bridges` random
// edges between consecutive groups: a connected graph with `groups` nearly separate parts.
Adjacency clustered_graph(int groups, int size, int bridges, uint64_t seed) {
  SeededRandom random(seed);
  Adjacency graph(static_cast<size_t>(groups * size));
  for (int g = 0; g < groups; ++g) {
    const int first = g * size;
    for (int i = 0; i < size; ++i) {
      join(graph, first + i, first + (i + 1) % size);
      for (int chord = 0; chord < 3; ++chord) join(graph, first + i, first + static_cast<int>(random.below(size)));
    }
    for (int b = 0; b < bridges && groups > 1; ++b) {
      const int next = ((g + 1) % groups) * size;
      join(graph, first + static_cast<int>(random.below(size)), next + static_cast<int>(random.below(size)));
    }
  }
  return graph;
}

// The eigenvalue that vector v belongs to, from L v = lambda v (normalised adjacency A = I - L).
double rayleigh_quotient(const Adjacency& graph, const Eigen::VectorXd& v) {
  Eigen::VectorXd av = Eigen::VectorXd::Zero(v.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    for (const int j : graph[i]) av(static_cast<Eigen::Index>(i)) += v(j) / std::sqrt(double(graph[i].size()) * double(graph[j].size()));
  }
  return v.dot(v - av) / v.dot(v);
}

}  // namespace

TEST_CASE("smallest_laplacian_eigenpairs: a 4-cycle's normalised Laplacian has 0, 1, 1 and 2") {
  const Adjacency cycle{{1, 3}, {0, 2}, {1, 3}, {0, 2}};
  const LaplacianSpectrum spectrum = smallest_laplacian_eigenpairs(cycle, 10);
  REQUIRE(spectrum.values.size() == 4);
  CHECK(spectrum.values(0) == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(spectrum.values(1) == doctest::Approx(1.0));
  CHECK(spectrum.values(2) == doctest::Approx(1.0));
  CHECK(spectrum.values(3) == doctest::Approx(2.0));
}

TEST_CASE("smallest_laplacian_eigenpairs: one zero per component, each vector inside its component") {
  // Two triangles and a 300-vertex ring (solved by Lanczos): three components, three zeros.
  Adjacency graph{{1, 2}, {0, 2}, {0, 1}, {4, 5}, {3, 5}, {3, 4}};
  graph.resize(306);
  for (int i = 0; i < 300; ++i) join(graph, 6 + i, 6 + (i + 1) % 300);
  const LaplacianSpectrum spectrum = smallest_laplacian_eigenpairs(graph, 4);
  REQUIRE(spectrum.values.size() == 4);
  for (int k = 0; k < 3; ++k) CHECK(std::abs(spectrum.values(k)) < 1e-9);
  CHECK(spectrum.values(3) == doctest::Approx(1.0 - std::cos(2.0 * M_PI / 300.0)).epsilon(1e-8));  // the ring's next
  for (int k = 0; k < 3; ++k) {
    // A zero's vector lives on one component only.
    const double triangle_a = spectrum.vectors.col(k).segment(0, 3).norm();
    const double triangle_b = spectrum.vectors.col(k).segment(3, 3).norm();
    const double ring = spectrum.vectors.col(k).segment(6, 300).norm();
    CHECK(std::max({triangle_a, triangle_b, ring}) == doctest::Approx(1.0));
    CHECK(triangle_a + triangle_b + ring == doctest::Approx(1.0));
  }
}

TEST_CASE("smallest_laplacian_eigenpairs: Lanczos gives the dense solver's eigenpairs on a large graph") {
  const Adjacency graph = clustered_graph(4, 250, 3, 7);  // 1,000 vertices, one component
  const LaplacianSpectrum fast = smallest_laplacian_eigenpairs(graph, 9);
  const LaplacianSpectrum dense = smallest_laplacian_eigenpairs(graph, 9, EigenSolver::dense);
  REQUIRE(fast.values.size() == 9);
  REQUIRE(dense.values.size() == 9);
  CHECK(dense.values(3) < 0.05);  // four nearly separate groups: four small values
  CHECK(dense.values(4) > 0.1);
  for (Eigen::Index k = 0; k < 9; ++k) {
    CAPTURE(k);
    CHECK(fast.values(k) == doctest::Approx(dense.values(k)).epsilon(1e-9));
    CHECK(fast.vectors.col(k).norm() == doctest::Approx(1.0));
    CHECK(rayleigh_quotient(graph, fast.vectors.col(k)) == doctest::Approx(dense.values(k)).epsilon(1e-8));
    // Distinct values: the same vector up to sign.
    CHECK(std::abs(fast.vectors.col(k).dot(dense.vectors.col(k))) == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("spectral_clusters: the same clusters and eigenvalues with Lanczos as with the dense solver") {
  // 1,000 noisy points around four centres whose clouds touch: one connected graph.
  SeededRandom random(5);
  const std::vector<std::vector<float>> centres{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  std::vector<std::vector<float>> points;
  for (int i = 0; i < 1000; ++i) {
    std::vector<float> point = centres[static_cast<size_t>(i % 4)];
    for (float& v : point) v += random.uniform(-0.45f, 0.45f);
    points.push_back(point);
  }
  const Clustering fast = spectral_clusters(points);
  SpectralOptions dense_options;
  dense_options.solver = EigenSolver::dense;
  const Clustering dense = spectral_clusters(points, dense_options);
  CHECK(fast.clusters == dense.clusters);
  CHECK(fast.assignment == dense.assignment);
  REQUIRE(fast.eigenvalues.size() == dense.eigenvalues.size());
  for (size_t k = 0; k < fast.eigenvalues.size(); ++k) CHECK(fast.eigenvalues[k] == doctest::Approx(dense.eigenvalues[k]).epsilon(1e-9));
}
