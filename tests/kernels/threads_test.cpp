// The engine-wide thread count (kernels::set_thread_count): threaded GEMMs, explanations and (natively)
// training steps must give exactly the bits one thread gives (work is split by outputs, never inside
// a sum). The WebAssembly suite runs threaded too (pthreads on Node's worker_threads, two prespawned
// workers: up to 3 threads) and must refuse more threads than it has workers for, without hanging.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/pool.h"
#include "layers/relu.h"
#include "train/optimizer.h"
#include "support/gradcheck.h"

#include "explain/pipeline.h"
#include "explain/registry.h"
#include "io/model.h"

#ifndef __EMSCRIPTEN__
#include <pthread.h>
#include <sched.h>

#include "train/architecture.h"
#include "train/random.h"
#include "train/training.h"
#endif

using namespace camlens;
using namespace camlens::kernels;

TEST_CASE("threads: split_range covers [0, count) once, in granules") {
  for (size_t count : {0u, 1u, 7u, 12u, 13u, 100u}) {
    for (size_t parts : {1u, 2u, 3u, 5u}) {
      for (size_t granule : {1u, 4u, 12u}) {
        size_t next = 0;
        for (size_t part = 0; part < parts; ++part) {
          const Range r = split_range(count, parts, part, granule);
          CHECK(r.begin == next);
          CHECK(r.end >= r.begin);
          if (r.end < count) CHECK((r.end - r.begin) % granule == 0);
          next = r.end;
        }
        CHECK(next == count);
      }
    }
  }
}

TEST_CASE("threads: parallel_chunks visits every granule once, in up to 4 chunks a thread, one below the work floor") {
  for (int threads : {1, 2, 3}) {
    ThreadCountScope scope(threads);
    for (size_t count : {1u, 7u, 64u, 1000u}) {
      for (size_t granule : {1u, 4u}) {
        for (size_t work : {size_t{1}, kParallelMinWork}) {
          CAPTURE(threads);
          CAPTURE(count);
          CAPTURE(granule);
          std::vector<std::atomic<int>> visits(count);
          std::atomic<int> chunks{0};
          parallel_chunks(count, granule, work, [&](size_t begin, size_t end) {
            ++chunks;
            if (end < count) CHECK((end - begin) % granule == 0);
            for (size_t i = begin; i < end; ++i) ++visits[i];
          });
          CHECK(std::all_of(visits.begin(), visits.end(), [](const std::atomic<int>& v) { return v == 1; }));
          const size_t granules = (count + granule - 1) / granule;
          const size_t most = work < kParallelMinWork || threads == 1 ? 1 : std::min<size_t>(granules, 4 * threads);
          CHECK(static_cast<size_t>(chunks) <= most);
        }
      }
    }
  }
}

TEST_CASE("threads: ChunkClaims hands the caller the front chunks and the others the back ones, each once") {
  ChunkClaims in_order(5);
  CHECK(in_order.claim(true) == 0);
  CHECK(in_order.claim(false) == 4);
  CHECK(in_order.claim(false) == 3);
  CHECK(in_order.claim(true) == 1);
  CHECK(in_order.claim(true) == 2);
  // Claimed concurrently, from either end by task index: still every chunk exactly once.
  for (int threads : {2, 3}) {
    ThreadCountScope scope(threads);
    constexpr size_t kParts = 1000;
    ChunkClaims claims(kParts);
    std::vector<std::atomic<int>> claimed(kParts);
    parallel_for(kParts, [&](size_t i) { ++claimed[claims.claim(i % 3 == 0)]; });
    CHECK(std::all_of(claimed.begin(), claimed.end(), [](const std::atomic<int>& c) { return c == 1; }));
  }
}

TEST_CASE("threads: the count starts at 1 and rejects 0") {
  CHECK(thread_count() == 1);
  CHECK_THROWS_WITH_AS(set_thread_count(0), doctest::Contains("needs at least 1 thread, got 0"), Error);
  CHECK(thread_count() == 1);
}

#ifdef __EMSCRIPTEN__

TEST_CASE("threads: the WebAssembly build refuses more threads than it has workers for, and keeps its count") {
  ThreadCountScope threads(2);
  CHECK_THROWS_WITH_AS(set_thread_count(4), doctest::Contains("asked for 4 threads, but this WebAssembly module can run 3"),
                       Error);
  CHECK(thread_count() == 2);
  set_thread_count(3);
  CHECK(thread_count() == 3);
}

#endif

namespace {

using Gemm = void (*)(int, int, int, const float*, int, const float*, int, float*, int);

}  // namespace

TEST_CASE("threads: parallel_for runs every index once, and nested calls run on the caller") {
  ThreadCountScope threads(2);
  std::vector<std::atomic<int>> visits(1000);
  parallel_for(visits.size(), [&](size_t i) {
    visits[i]++;
    // A nested parallel_for inside a task must not wait on the pool it runs on.
    std::atomic<int> inner{0};
    parallel_for(3, [&](size_t) { inner++; });
    CHECK(inner == 3);
  });
  int wrong = 0;
  for (const auto& v : visits) wrong += v != 1;
  CHECK(wrong == 0);
}

TEST_CASE("threads: with n threads, n tasks of one call run at the same time") {
  for (int threads : {2, 3}) {
    CAPTURE(threads);
    ThreadCountScope scope(threads);
    std::atomic<int> arrived{0}, saw_all{0};
    parallel_for(threads, [&](size_t) {
      ++arrived;
      // Bounded, so that a thread that never came fails the check instead of hanging the suite.
      for (long spin = 0; spin < (1L << 28) && arrived.load() < threads; ++spin) {
      }
      saw_all += arrived.load() == threads;
    });
    CHECK(saw_all == threads);
  }
}

#ifndef __EMSCRIPTEN__

namespace {

cpu_set_t caller_cpus() {
  cpu_set_t cpus;
  REQUIRE(pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0);
  return cpus;
}

// Pins or not for its lifetime, then restores the previous choice.
class PinningScope {
 public:
  explicit PinningScope(bool pin) : previous_(threads_pinned_to_cpus()) { pin_threads_to_cpus(pin); }
  ~PinningScope() { pin_threads_to_cpus(previous_); }

 private:
  bool previous_;
};

}  // namespace

TEST_CASE("threads: by default the pool leaves the calling thread's CPUs alone") {
  CHECK_FALSE(threads_pinned_to_cpus());
  cpu_set_t before = caller_cpus();
  ThreadCountScope threads(2);
  parallel_for(2, [](size_t) {});
  cpu_set_t during = caller_cpus();
  CHECK(CPU_EQUAL(&before, &during));
}

TEST_CASE("threads: pinning on, the caller runs on one CPU while the pool lives and on all it could after") {
  cpu_set_t before = caller_cpus();
  if (CPU_COUNT(&before) < 2) return;  // one CPU allowed: nothing to pin apart
  PinningScope pinning(true);
  {
    ThreadCountScope threads(2);
    parallel_for(2, [](size_t) {});
    cpu_set_t during = caller_cpus();
    CHECK(CPU_COUNT(&during) == 1);
  }
  cpu_set_t after = caller_cpus();
  CHECK(CPU_EQUAL(&before, &after));
}

#endif

TEST_CASE("threads: nested parallel calls see one thread; parallel_zero clears every value") {
  ThreadCountScope threads(2);
  CHECK(parallel_thread_count() == 2);
  parallel_for(2, [](size_t) { CHECK(parallel_thread_count() == 1); });
  // Above kParallelMinWork and not a multiple of the 16-float granule, so both parts and the tail run.
  std::vector<float> values(kParallelMinWork + 37, 1.5f);
  parallel_zero(values.data(), values.size());
  CHECK(std::count(values.begin(), values.end(), 0.0f) == static_cast<ptrdiff_t>(values.size()));
  // Buffers each below the floor but above it together (split), and a total below it (one thread):
  // every float of every buffer cleared, and the floats between them kept.
  for (size_t each : {kParallelMinWork / 3 + 5, size_t{7}}) {
    std::vector<float> memory(4 * (each + 1), 2.5f);
    std::vector<std::span<float>> buffers;
    for (size_t b = 0; b < 4; ++b) buffers.emplace_back(memory.data() + b * (each + 1), each);
    parallel_zero(buffers);
    for (size_t b = 0; b < 4; ++b) {
      CHECK(std::all_of(buffers[b].begin(), buffers[b].end(), [](float v) { return v == 0.0f; }));
      CHECK(memory[b * (each + 1) + each] == 2.5f);
    }
  }
}

TEST_CASE("threads: ReLU, max-pool backward and the Adam and SGD updates equal the reference loops at 1-3 threads") {
  test::Rng rng(11);
  // ReLU over more than kParallelMinWork values (an odd count), a quarter of them exactly 0.
  Tensor x = rng.tensor(Shape{1, static_cast<int>(kParallelMinWork) + 101}, -1.0f, 3.0f);
  for (size_t i = 0; i < x.size(); i += 4) x[i] = 0.0f;
  const Tensor g = rng.tensor(x.shape());
  const Tensor d_start = rng.tensor(x.shape());
  Tensor want_y(x.shape()), want_dx = d_start.clone();
  for (size_t i = 0; i < x.size(); ++i) {
    want_y[i] = std::max(x[i], 0.0f);
    want_dx[i] += want_y[i] > 0.0f ? g[i] : 0.0f;
  }
  // 2x2 max pools over 16 images of 28 x 28 x 64 ReLU outputs with many tied maxima.
  PoolGeometry pool;
  pool.batch = 16;
  pool.in_h = pool.in_w = 28;
  pool.channels = 64;
  pool.window_h = pool.window_w = pool.stride_h = pool.stride_w = 2;
  pool.out_h = pool.out_w = 14;
  Tensor pool_in = rng.tensor(Shape::nhwc(16, 28, 28, 64));
  for (float& v : pool_in.values()) v = std::max(0.0f, std::round(v * 4.0f) / 4.0f);
  const Tensor pool_d_out = rng.tensor(Shape::nhwc(16, 14, 14, 64));
  Tensor pool_want = rng.tensor(pool_in.shape());
  const Tensor pool_start = pool_want.clone();
  max_pool_backward_reference(pool_want.data(), pool_d_out.data(), pool_in.data(), pool);
  // Optimiser updates of a parameter big enough to split, against the same formulas written out.
  const Tensor weights = rng.tensor(Shape{256, 300}), grad = rng.tensor(Shape{256, 300});
  const Tensor m0 = rng.tensor(weights.shape(), -0.1f, 0.1f), v0 = rng.tensor(weights.shape(), 0.0f, 0.1f);
  const AdamParams adam;
  Tensor adam_want = weights.clone(), sgd_want = weights.clone();
  for (size_t i = 0; i < weights.size(); ++i) {
    const float m = adam.beta1 * m0[i] + (1.0f - adam.beta1) * grad[i];
    const float v = adam.beta2 * v0[i] + (1.0f - adam.beta2) * grad[i] * grad[i];
    const float direction = (m / (1.0f - std::pow(adam.beta1, 3.0f))) /
                            (std::sqrt(v / (1.0f - std::pow(adam.beta2, 3.0f))) + adam.epsilon);
    adam_want[i] -= 0.01f * (direction + 0.1f * weights[i]);
    sgd_want[i] -= 0.01f * ((0.9f * m0[i] + grad[i]) + 0.1f * weights[i]);
  }
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadCountScope scope(threads);
    Tensor y(x.shape()), dx = d_start.clone();
    relu_forward(y, x, std::numeric_limits<float>::infinity());
    relu_backward(dx, g, y, std::numeric_limits<float>::infinity(), ReluBackward::normal);
    CHECK(test::max_abs_diff(y, want_y) == 0.0f);
    CHECK(test::max_abs_diff(dx, want_dx) == 0.0f);
    Tensor pool_got = pool_start.clone();
    max_pool_backward(pool_got.data(), pool_d_out.data(), pool_in.data(), pool);
    CHECK(test::max_abs_diff(pool_got, pool_want) == 0.0f);
    Tensor adam_got = weights.clone(), m = m0.clone(), v = v0.clone();
    adam_update(adam_got, grad, m, v, 3, 0.01f, adam, 0.1f);
    CHECK(test::max_abs_diff(adam_got, adam_want) == 0.0f);
    Tensor sgd_got = weights.clone(), velocity = m0.clone();
    sgd_momentum_update(sgd_got, grad, velocity, 0.01f, 0.9f, 0.1f);
    CHECK(test::max_abs_diff(sgd_got, sgd_want) == 0.0f);
  }
}

TEST_CASE("threads: threaded GEMMs equal one thread bit for bit, and the reference loops, on odd shapes") {
  test::Rng rng(7);
  struct Shape3 {
    int m, n, k;
  };
  // Row counts that split unevenly into 12-row tiles, N across the vector width, K across the 256
  // block; each above kParallelMinWork multiply-adds, so that the threads do split them.
  const Shape3 shapes[] = {{97, 45, 301}, {13, 300, 150}, {841, 64, 288}, {25, 37, 1031}, {300, 129, 33}};
  const Gemm optimised[] = {gemm_nn, gemm_nt, gemm_tn};
  const Gemm reference[] = {gemm_nn_reference, gemm_nt_reference, gemm_tn_reference};
  const char* names[] = {"gemm_nn", "gemm_nt", "gemm_tn"};
  for (const Shape3 s : shapes) {
    for (int variant = 0; variant < 3; ++variant) {
      CAPTURE(names[variant]);
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      // nn: A m x k (lda k), B k x n (ldb n); nt: B n x k (ldb k); tn: A k x m (lda m).
      const int lda = variant == 2 ? s.m : s.k;
      const int ldb = variant == 1 ? s.k : s.n;
      const std::vector<float> a = rng.values(static_cast<size_t>(s.m) * s.k);
      const std::vector<float> b = rng.values(static_cast<size_t>(s.k) * s.n);
      const std::vector<float> c0 = rng.values(static_cast<size_t>(s.m) * s.n);
      std::vector<float> one = c0, want = c0, magnitude(c0.size(), 0.0f);
      {
        ThreadCountScope threads(1);
        optimised[variant](s.m, s.n, s.k, a.data(), lda, b.data(), ldb, one.data(), s.n);
      }
      reference[variant](s.m, s.n, s.k, a.data(), lda, b.data(), ldb, want.data(), s.n);
      const std::vector<float> abs_a = test::magnitudes(a), abs_b = test::magnitudes(b);
      reference[variant](s.m, s.n, s.k, abs_a.data(), lda, abs_b.data(), ldb, magnitude.data(), s.n);
      for (int threads : {2, 3}) {
        CAPTURE(threads);
        std::vector<float> many = c0;
        ThreadCountScope scope(threads);
        optimised[variant](s.m, s.n, s.k, a.data(), lda, b.data(), ldb, many.data(), s.n);
        CHECK(many == one);
        // Each side rounds k products and k + 1 sums: both within (k + 2) eps (sum |a||b| + |c|).
        int wrong = 0;
        for (size_t i = 0; i < many.size(); ++i) {
          const double tolerance = 2.0 * (s.k + 2) * FLT_EPSILON * (magnitude[i] + std::fabs(c0[i]));
          wrong += !(std::fabs(static_cast<double>(many[i]) - want[i]) <= tolerance);
        }
        CHECK(wrong == 0);
      }
    }
  }
}

TEST_CASE("threads: the emotion model's forward, Grad-CAM and saliency at 2 threads equal 1 thread bit for bit") {
  Model model = load_model_file("models/emotion/model.json");
  Tensor input(Shape::nhwc(1, 64, 64, 1));
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) input.at(0, y, x, 0) = std::sin(0.13f * y) * std::cos(0.05f * x) - 0.1f;
  auto run = [&](int threads, const std::string& method_name) {
    ThreadCountScope scope(threads);
    std::unique_ptr<explain::Method> method = explain::make_method(method_name);
    return explain::explain_target(model, input, *method, explain::Target::top(), {.sizes = {{64, 64}}});
  };
  for (const std::string name : {"grad-cam", "saliency", "grad-cam++"}) {
    CAPTURE(name);
    const explain::Explanation one = run(1, name), two = run(2, name);
    CHECK(two.prediction.logits == one.prediction.logits);
    CHECK(two.raw.values == one.raw.values);
    CHECK(two.channel_weights == one.channel_weights);
    CHECK(two.upsampled.front().values == one.upsampled.front().values);
  }
}

#ifndef __EMSCRIPTEN__

TEST_CASE("threads: training steps at 2 threads give the same losses and weights as 1 thread") {
  // Big enough for every split (kParallelMinWork): batch 48 (images of d_in), BatchNorm over
  // 48 x 28 x 28 x 16 values (channels), patch rows of a 144-deep weight gradient.
  const Architecture architecture{"small", Shape{28, 28, 1}, 4, {{16, true}, {32, false}}};
  SeededRandom random(5);
  Dataset data = empty_dataset(Shape{28, 28, 1});
  for (int i = 0; i < 96 * 28 * 28; ++i) data.pixels.push_back(static_cast<uint8_t>(random.below(256)));
  for (int n = 0; n < 96; ++n) data.labels.push_back(n % 4);
  TrainOptions options;
  options.epochs = 1;
  options.batch = 48;
  options.eval_batch = 96;
  auto train = [&](int threads) {
    ThreadCountScope scope(threads);
    Graph graph = build_training_graph(architecture, 3);
    const std::vector<EpochReport> reports = train_classifier(graph, data, data, options);
    std::vector<float> weights;
    for (const Parameter& p : graph.parameters()) weights.insert(weights.end(), p.value->values().begin(), p.value->values().end());
    return std::make_pair(reports.front(), weights);
  };
  const auto [one_report, one_weights] = train(1);
  const auto [two_report, two_weights] = train(2);
  CHECK(two_report.train.loss == one_report.train.loss);
  CHECK(two_report.validation.loss == one_report.validation.loss);
  CHECK(two_weights == one_weights);
}

#endif
