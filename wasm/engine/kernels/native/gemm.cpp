// Native GEMM: a register-tiled micro-kernel written with GCC vector extensions, sized for the
// widest vectors the host compiler targets (-march=native): AVX-512, AVX2+FMA, or SSE.
//
// The three variants differ only in how they read A and B (each operand is a strided view with one
// unit stride), so one blocked loop serves them all (BLIS's scheme, minus packing A):
//   for each NC-wide column block of C:
//     for each KC-deep slice of K:   pack B's slice into NR-wide slivers         (L2-resident)
//       for each MC-tall row block:  A is read in place, except a partial last row tile
//         for each B sliver, each MR-row tile of A:  MR x NR tile of C += A rows * B sliver
// A is not packed: packing it cost about as much as the arithmetic on conv-sized products
// (M ~ 841, N = 64, K = 288), and in place it is read along a unit stride either way.
//
// With more than one thread (kernels::set_thread_count), each thread runs that loop on its own band
// of rows of C, packing B itself: every element of C sees the same operations in the same order
// whatever the thread count, so results are bit-identical to one thread's. Inside a parallel task
// (a convolution's backward pass split by images, say) the GEMM runs as one band: splitting it
// there would only pack B once more per band.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "kernels/backend.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

namespace {

// Plain GCC vector types (intrinsic types carry attributes std::vector would drop); the intrinsics
// make FMA and broadcast explicit rather than left to GCC's contraction of a * b + c (on by default
// for C++ even with -std=c++20: -ffp-contract=fast).
#if defined(__AVX512F__)
using Vec = float __attribute__((vector_size(64)));
constexpr int kRowsPerTile = 12;  // 12 x 2 accumulators of the 32 zmm registers
inline Vec fused_multiply_add(Vec a, Vec b, Vec c) { return Vec(_mm512_fmadd_ps(__m512(a), __m512(b), __m512(c))); }
inline Vec broadcast(float x) { return Vec(_mm512_set1_ps(x)); }
#elif defined(__AVX__) && defined(__FMA__)
using Vec = float __attribute__((vector_size(32)));
constexpr int kRowsPerTile = 6;  // 6 x 2 accumulators of the 16 ymm registers
inline Vec fused_multiply_add(Vec a, Vec b, Vec c) { return Vec(_mm256_fmadd_ps(__m256(a), __m256(b), __m256(c))); }
inline Vec broadcast(float x) { return Vec(_mm256_set1_ps(x)); }
#else
using Vec = float __attribute__((vector_size(16)));
constexpr int kRowsPerTile = 6;
inline Vec fused_multiply_add(Vec a, Vec b, Vec c) { return a * b + c; }
inline Vec broadcast(float x) { return Vec{x, x, x, x}; }
#endif

constexpr int kVecFloats = sizeof(Vec) / sizeof(float);
constexpr int kVecsPerSliver = 2;
constexpr int kColsPerTile = kVecFloats * kVecsPerSliver;
// Block sizes: a KC x NR sliver of B stays in L1 while the micro-kernel sweeps the MC x KC block of
// A (L2); the KC x NC block of B stays in L2 across row blocks.
constexpr int kDepthBlock = 256;
constexpr int kRowBlock = kRowsPerTile * 16;
constexpr int kColBlock = kColsPerTile * 16;

// Vectors need their natural alignment; std::vector<Vec> gets it from aligned operator new.
struct PackBuffers {
  std::vector<float> a_edge;  // the partial last row tile of A, zero-padded: [p][row]
  std::vector<Vec> b;         // KC x NC of B as NR-wide slivers: [sliver][p][vector]
};

// Element (i, j) = data[i * row_stride + j * col_stride]; one of the strides is 1.
struct StridedView {
  const float* data;
  int row_stride, col_stride;
  const float& operator()(int i, int j) const {
    return data[static_cast<ptrdiff_t>(i) * row_stride + static_cast<ptrdiff_t>(j) * col_stride];
  }
  StridedView rows_from(int row0) const { return {&(*this)(row0, 0), row_stride, col_stride}; }
};

// How the micro-kernel reads its MR rows of A at depth p.
enum class ALayout {
  rows_contiguous,     // A(r, p) = a[r * lda + p]: gemm_nn and gemm_nt read A in place
  columns_contiguous,  // A(r, p) = a[p * lda + r]: gemm_tn reads A in place; so is the packed edge (lda = MR)
};

// Packs depth x cols of B (from p0, col0) into NR-wide slivers, zero-padding the last one.
void pack_b(Vec* packed, StridedView b, int p0, int depth, int col0, int cols) {
  for (int sliver = 0; sliver < cols; sliver += kColsPerTile) {
    int valid = std::min(kColsPerTile, cols - sliver);
    for (int p = 0; p < depth; ++p) {
      // A whole sliver of a row-major B: one fixed-size copy the compiler inlines. Partial ones copy
      // in a loop of fixed length, since a variable-size memcpy is a library call per row.
      if (b.col_stride == 1 && valid == kColsPerTile) {
        std::memcpy(packed, &b(p0 + p, col0 + sliver), sizeof(float) * kColsPerTile);
        packed += kVecsPerSliver;
        continue;
      }
      float row[kColsPerTile] = {};
      for (int c = 0; c < kColsPerTile; ++c)
        if (c < valid) row[c] = b(p0 + p, col0 + sliver + c);
      std::memcpy(packed, row, sizeof(row));
      packed += kVecsPerSliver;
    }
  }
}

// Copies a partial row tile of A (rows < MR, from row0, p0) into a zero-padded MR x depth block.
void pack_a_edge(float* packed, StridedView a, int row0, int rows, int p0, int depth) {
  for (int p = 0; p < depth; ++p) {
    for (int r = 0; r < rows; ++r) packed[r] = a(row0 + r, p0 + p);
    for (int r = rows; r < kRowsPerTile; ++r) packed[r] = 0.0f;
    packed += kRowsPerTile;
  }
}

// C tile += MR rows of A x a B sliver over `depth`; rows/cols say how much of the tile lies in C.
// `vecs` is how many of the sliver's vectors to use: 1 when the sliver is at most one vector wide.
// The accumulators are locals so that they live in registers.
template <ALayout layout, int vecs>
void tile_kernel(float* c, int ldc, int rows, int cols, const float* a, int lda, const Vec* b, int depth) {
  Vec acc[kRowsPerTile][vecs] = {};
  for (int p = 0; p < depth; ++p) {
    for (int r = 0; r < kRowsPerTile; ++r) {
      Vec a_broadcast = broadcast(layout == ALayout::rows_contiguous ? a[r * lda + p] : a[p * lda + r]);
      for (int v = 0; v < vecs; ++v) acc[r][v] = fused_multiply_add(a_broadcast, b[v], acc[r][v]);
    }
    b += kVecsPerSliver;
  }
  if (rows == kRowsPerTile && cols == vecs * kVecFloats) {
    for (int r = 0; r < kRowsPerTile; ++r)
      for (int v = 0; v < vecs; ++v) {
        float* destination = c + r * ldc + v * kVecFloats;
        Vec current;
        std::memcpy(&current, destination, sizeof(Vec));
        current += acc[r][v];
        std::memcpy(destination, &current, sizeof(Vec));
      }
    return;
  }
  float tile[kRowsPerTile][vecs * kVecFloats];
  std::memcpy(tile, acc, sizeof(tile));
  for (int r = 0; r < rows; ++r)
    for (int col = 0; col < cols; ++col) c[r * ldc + col] += tile[r][col];
}

// Where a row tile's A comes from: the matrix itself, or the packed edge when the tile is partial.
struct ATile {
  ALayout layout;
  const float* data;
  int lda;
};

template <int vecs>
void tile_with(float* c, int ldc, int rows, int cols, ATile a, const Vec* b_sliver, int depth) {
  if (a.layout == ALayout::rows_contiguous)
    tile_kernel<ALayout::rows_contiguous, vecs>(c, ldc, rows, cols, a.data, a.lda, b_sliver, depth);
  else
    tile_kernel<ALayout::columns_contiguous, vecs>(c, ldc, rows, cols, a.data, a.lda, b_sliver, depth);
}

void tile(float* c, int ldc, int rows, int cols, ATile a, const Vec* b_sliver, int depth) {
  if (cols <= kVecFloats)
    tile_with<1>(c, ldc, rows, cols, a, b_sliver, depth);
  else
    tile_with<kVecsPerSliver>(c, ldc, rows, cols, a, b_sliver, depth);
}

ATile a_in_place(StridedView a, int row0, int p0) {
  const float* origin = &a(row0, p0);
  if (a.col_stride == 1) return {ALayout::rows_contiguous, origin, a.row_stride};
  return {ALayout::columns_contiguous, origin, a.col_stride};
}

void gemm_on_one_thread(int m, int n, int k, StridedView a, StridedView b, float* c, int ldc) {
  thread_local PackBuffers buffers;
  buffers.a_edge.resize(static_cast<size_t>(kRowsPerTile) * kDepthBlock);
  buffers.b.resize(static_cast<size_t>(kColBlock / kColsPerTile) * kDepthBlock * kVecsPerSliver);
  const ATile a_edge{ALayout::columns_contiguous, buffers.a_edge.data(), kRowsPerTile};

  for (int col0 = 0; col0 < n; col0 += kColBlock) {
    int cols = std::min(kColBlock, n - col0);
    for (int p0 = 0; p0 < k; p0 += kDepthBlock) {
      int depth = std::min(kDepthBlock, k - p0);
      pack_b(buffers.b.data(), b, p0, depth, col0, cols);
      for (int row0 = 0; row0 < m; row0 += kRowBlock) {
        int rows = std::min(kRowBlock, m - row0);
        int full_rows = rows - rows % kRowsPerTile;
        if (full_rows < rows) pack_a_edge(buffers.a_edge.data(), a, row0 + full_rows, rows - full_rows, p0, depth);
        for (int tile_col = 0; tile_col < cols; tile_col += kColsPerTile) {
          const Vec* b_sliver = buffers.b.data() + (tile_col / kColsPerTile) * depth * kVecsPerSliver;
          int tile_cols = std::min(kColsPerTile, cols - tile_col);
          for (int tile_row = 0; tile_row < rows; tile_row += kRowsPerTile) {
            float* c_tile = c + static_cast<ptrdiff_t>(row0 + tile_row) * ldc + col0 + tile_col;
            ATile a_tile = tile_row < full_rows ? a_in_place(a, row0 + tile_row, p0) : a_edge;
            tile(c_tile, ldc, std::min(kRowsPerTile, rows - tile_row), tile_cols, a_tile, b_sliver, depth);
          }
        }
      }
    }
  }
}

void gemm(int m, int n, int k, StridedView a, StridedView b, float* c, int ldc) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const int row_tiles = (m + kRowsPerTile - 1) / kRowsPerTile;
  const int parts = std::min(parallel_thread_count(), row_tiles);
  if (parts < 2 || static_cast<double>(m) * n * k < kParallelMinWork) {
    gemm_on_one_thread(m, n, k, a, b, c, ldc);
    return;
  }
  parallel_for(static_cast<size_t>(parts), [&](size_t part) {
    const Range rows = split_range(static_cast<size_t>(m), static_cast<size_t>(parts), part, kRowsPerTile);
    if (rows.begin == rows.end) return;
    const int row0 = static_cast<int>(rows.begin);
    gemm_on_one_thread(static_cast<int>(rows.end - rows.begin), n, k, a.rows_from(row0), b,
                       c + static_cast<ptrdiff_t>(row0) * ldc, ldc);
  });
}

}  // namespace

void gemm_nn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  gemm(m, n, k, {a, lda, 1}, {b, ldb, 1}, c, ldc);
}

void gemm_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  gemm(m, n, k, {a, lda, 1}, {b, 1, ldb}, c, ldc);
}

void gemm_tn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  gemm(m, n, k, {a, 1, lda}, {b, ldb, 1}, c, ldc);
}

}  // namespace camlens::kernels
