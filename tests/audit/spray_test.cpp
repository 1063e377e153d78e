#include "audit/spray.h"

#include <doctest/doctest.h>

#include <set>

#include "train/random.h"

using namespace camlens;
using namespace camlens::audit;

namespace {

// `count` noisy copies of each centre, in turn.
std::vector<std::vector<float>> blobs(const std::vector<std::vector<float>>& centres, int count, float noise) {
  SeededRandom random(3);
  std::vector<std::vector<float>> points;
  for (int i = 0; i < count; ++i) {
    for (const std::vector<float>& centre : centres) {
      std::vector<float> point = centre;
      for (float& v : point) v += random.uniform(-noise, noise);
      points.push_back(point);
    }
  }
  return points;
}

// Points that `assignment` puts together share a centre (points are laid out centre by centre in turn).
void check_groups(const std::vector<int>& assignment, size_t centres) {
  for (size_t i = 0; i < assignment.size(); ++i) {
    for (size_t j = 0; j < assignment.size(); ++j) {
      CHECK((assignment[i] == assignment[j]) == (i % centres == j % centres));
    }
  }
}

}  // namespace

TEST_CASE("spectral_clusters: the eigengap finds how many separate groups there are") {
  const std::vector<std::vector<float>> three{{0, 0, 0, 1}, {1, 0, 0, 0}, {0, 1, 1, 0}};
  const Clustering clustering = spectral_clusters(blobs(three, 15, 0.05f), {.most_clusters = 6, .neighbours = 5});
  CHECK(clustering.clusters == 3);
  check_groups(clustering.assignment, 3);
  REQUIRE(clustering.eigenvalues.size() == 7);
  CHECK(clustering.eigenvalues[2] == doctest::Approx(0.0).epsilon(1e-9));  // three components: three zeros
  CHECK(clustering.eigenvalues[3] > 0.1);
  CHECK(clustering.assignment[0] == 0);  // numbered by first appearance

  const Clustering two = spectral_clusters(blobs({{0, 0}, {5, 5}}, 20, 0.3f), {.neighbours = 10});
  CHECK(two.clusters == 2);
  check_groups(two.assignment, 2);
}

TEST_CASE("spectral_clusters: one tight group stays one; too few points make one cluster") {
  SeededRandom random(9);
  std::vector<std::vector<float>> cloud;
  for (int i = 0; i < 40; ++i) cloud.push_back({random.uniform(0, 1), random.uniform(0, 1)});
  const Clustering one = spectral_clusters(cloud, {.neighbours = 12});
  CHECK(one.clusters == 1);  // a uniform cloud has no clear gap; it must not shatter
  CHECK(spectral_clusters({{0.0f}, {1.0f}}).clusters == 1);
  CHECK(spectral_clusters({}).assignment.empty());
}

TEST_CASE("spectral_clusters: the same points and seed give the same clusters") {
  const auto points = blobs({{0, 0}, {3, 0}, {0, 3}}, 10, 0.2f);
  CHECK(spectral_clusters(points).assignment == spectral_clusters(points).assignment);
}

TEST_CASE("k_means: separate groups are found whatever the seed") {
  std::vector<std::vector<double>> points;
  for (int i = 0; i < 10; ++i) {
    points.push_back({0.0 + i * 0.01, 0.0});
    points.push_back({10.0, 10.0 + i * 0.01});
  }
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const std::vector<int> assignment = k_means(points, 2, seed);
    for (size_t i = 0; i < points.size(); ++i) CHECK((assignment[i] == assignment[0]) == (i % 2 == 0));
  }
}
