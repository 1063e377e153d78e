#include "audit/spray.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "audit/laplacian_spectrum.h"
#include "core/error.h"
#include "train/random.h"

namespace camlens::audit {

namespace {

constexpr double kNearlyCut = 0.1;  // of the normalised Laplacian, whose eigenvalues lie in [0, 2]

double squared_distance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum;
}

double squared_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

// The symmetric k-nearest-neighbour graph: i and j joined when either is among the other's k nearest.
Adjacency neighbour_graph(const std::vector<std::vector<float>>& points, int k) {
  const size_t n = points.size();
  std::vector<double> all(n * n);  // symmetric: each pair computed once
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) all[i * n + j] = all[j * n + i] = squared_distance(points[i], points[j]);
  Adjacency graph(n);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    const double* distances = &all[i * n];
    std::iota(order.begin(), order.end(), size_t{0});
    // Ties broken by index, so the graph does not depend on the sort's whims; only the k nearest
    // and the point itself are read, so only they are sorted.
    const auto read = order.begin() + static_cast<std::ptrdiff_t>(std::min(n, static_cast<size_t>(k) + 1));
    std::partial_sort(order.begin(), read, order.end(), [&](size_t a, size_t b) {
      return distances[a] != distances[b] ? distances[a] < distances[b] : a < b;
    });
    int taken = 0;
    for (const size_t j : order) {
      if (j == i) continue;
      if (taken++ == k) break;
      graph[i].push_back(static_cast<int>(j));
      graph[j].push_back(static_cast<int>(i));
    }
  }
  for (std::vector<int>& neighbours : graph) {
    std::sort(neighbours.begin(), neighbours.end());
    neighbours.erase(std::unique(neighbours.begin(), neighbours.end()), neighbours.end());
  }
  return graph;
}

// Renumbers clusters by first appearance, so equal groupings compare equal.
int renumber(std::vector<int>& assignment) {
  std::vector<int> names;
  for (int& cluster : assignment) {
    const auto at = std::find(names.begin(), names.end(), cluster);
    if (at == names.end()) names.push_back(cluster);
    cluster = static_cast<int>(std::find(names.begin(), names.end(), cluster) - names.begin());
  }
  return static_cast<int>(names.size());
}

}  // namespace

std::vector<int> k_means(const std::vector<std::vector<double>>& points, int k, std::uint64_t seed, int iterations) {
  const size_t n = points.size();
  if (k < 1 || static_cast<size_t>(k) > n) fail("k_means: needs 1 to ", n, " clusters, got ", k);
  SeededRandom random(seed);
  std::vector<std::vector<double>> centres{points[random.below(static_cast<uint32_t>(n))]};
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  while (centres.size() < static_cast<size_t>(k)) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
      nearest[i] = std::min(nearest[i], squared_distance(points[i], centres.back()));
      total += nearest[i];
    }
    // k-means++: the next centre drawn with probability proportional to the squared distance.
    double target = total * (random.below(1u << 24) / static_cast<double>(1u << 24));
    size_t chosen = n - 1;
    for (size_t i = 0; i < n; ++i) {
      target -= nearest[i];
      if (target < 0.0) {
        chosen = i;
        break;
      }
    }
    centres.push_back(points[chosen]);
  }
  std::vector<int> assignment(n, -1);
  for (int round = 0; round < iterations; ++round) {
    bool moved = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      for (int c = 1; c < k; ++c) {
        if (squared_distance(points[i], centres[c]) < squared_distance(points[i], centres[best])) best = c;
      }
      moved = moved || assignment[i] != best;
      assignment[i] = best;
    }
    if (!moved) break;
    for (int c = 0; c < k; ++c) {
      std::vector<double> sum(points[0].size(), 0.0);
      int members = 0;
      for (size_t i = 0; i < n; ++i) {
        if (assignment[i] != c) continue;
        for (size_t d = 0; d < sum.size(); ++d) sum[d] += points[i][d];
        ++members;
      }
      if (members == 0) continue;  // an empty cluster keeps its centre
      for (double& value : sum) value /= members;
      centres[c] = std::move(sum);
    }
  }
  return assignment;
}

Clustering spectral_clusters(const std::vector<std::vector<float>>& points, const SpectralOptions& options) {
  Clustering result;
  const size_t n = points.size();
  result.assignment.assign(n, 0);
  if (n < 3) return result;
  for (const std::vector<float>& point : points) {
    if (point.size() != points[0].size()) fail("spectral_clusters: every point must have ", points[0].size(), " values");
  }
  const int neighbours = std::clamp(options.neighbours, 1, static_cast<int>(n) - 1);
  const int most = std::clamp(options.most_clusters, 1, static_cast<int>(n) - 1);
  const LaplacianSpectrum spectrum = smallest_laplacian_eigenpairs(neighbour_graph(points, neighbours), most + 1, options.solver);
  for (int i = 0; i <= most; ++i) result.eigenvalues.push_back(spectrum.values(i));
  int clusters = 1;
  double widest = -1.0;
  // Groups count only while the graph stays nearly cut between them (the eigenvalues inside stay
  // near 0): a uniform cloud's eigenvalues climb in even steps, and its widest gap means nothing.
  for (int i = 1; i <= most && result.eigenvalues[i - 1] <= kNearlyCut; ++i) {
    const double gap = result.eigenvalues[i] - result.eigenvalues[i - 1];
    if (gap > widest + 1e-12) {
      widest = gap;
      clusters = i;
    }
  }
  if (clusters == 1) return result;
  std::vector<std::vector<double>> rows(n, std::vector<double>(static_cast<size_t>(clusters)));
  for (size_t i = 0; i < n; ++i) {
    double length = 0.0;
    for (int c = 0; c < clusters; ++c) {
      rows[i][c] = spectrum.vectors(static_cast<Eigen::Index>(i), c);
      length += rows[i][c] * rows[i][c];
    }
    length = std::sqrt(length);
    if (length > 0.0) for (double& value : rows[i]) value /= length;
  }
  result.assignment = k_means(rows, clusters, options.seed);
  result.clusters = renumber(result.assignment);
  return result;
}

}  // namespace camlens::audit
