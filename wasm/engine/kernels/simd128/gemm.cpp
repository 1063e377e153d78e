// WebAssembly SIMD128 GEMMs. One register-tiled microkernel serves all of them: 4 rows of A times
// one 8-column panel of packed B, 8 f32x4 accumulators, each A element broadcast straight from
// memory (load32_splat) against two vector loads of the panel row, like XNNPACK's
// f32-gemm-4x8-wasmsimd; 4 rows with load-splat fit x86-64's 16 vector registers, so V8 keeps
// every accumulator in a register.
// Threads split the rows of C. Rows of A come straight from a matrix, down its columns (gemm_tn, no transposed copy) or
// through an indirection table (convolutions, no im2col copy);
// the epilogue either accumulates into C (the generic gemm_* contracts) or adds the bias and
// clamps for a fused ReLU/ReLU6 (the forward layers).
// Built with -mrelaxed-simd, each multiply-add is one relaxed_madd, a fused vfmadd in V8 on x86
// with FMA3 (CMakeLists.txt builds this file both ways; the page picks by what the browser accepts).
#include <wasm_simd128.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/simd128/gemm_packed.h"

namespace camlens::kernels {

namespace simd128 {

namespace {

constexpr int kTileRows = 4;
// Depth of one pass of the generic GEMMs: keeps a packed panel (256 x 8 floats, 8 KiB) and the
// tile's rows of A in L1 when K is long (weight gradients sum over every output pixel).
constexpr int kDepthBlock = 256;

// A row source gives, per tap, where row i's kc values start and how far apart they are (step).
struct DirectRows {
  const float* a;
  int lda;
  int depth;
  int taps() const { return 1; }
  int kc() const { return depth; }
  static constexpr ptrdiff_t step() { return 1; }
  const float* row(int i, int) const { return a + static_cast<ptrdiff_t>(i) * lda; }
};

// Rows of A^T for A stored K x M: row i is column i of A, its values lda apart.
struct TransposedRows {
  const float* a;
  int lda;
  int depth;
  int taps() const { return 1; }
  int kc() const { return depth; }
  ptrdiff_t step() const { return lda; }
  const float* row(int i, int) const { return a + i; }
};

struct TableRows {
  const IndirectRows& table;
  int taps() const { return table.taps; }
  int kc() const { return table.kc; }
  static constexpr ptrdiff_t step() { return 1; }
  const float* row(int i, int tap) const {
    const int32_t offset = table.offsets[static_cast<ptrdiff_t>(i) * table.taps + tap];
    return offset < 0 ? table.zero : table.base + offset;
  }
};

// Whole 8-float rows go through vector loads/stores; the last panel's partial row through a
// small buffer, so nothing past column N is touched.
struct RowPair {
  v128_t lo, hi;
};

RowPair load_row(const float* c, int columns) {
  if (columns == kPanelWidth) return {wasm_v128_load(c), wasm_v128_load(c + 4)};
  alignas(16) float buffer[kPanelWidth] = {};
  std::memcpy(buffer, c, sizeof(float) * columns);
  return {wasm_v128_load(buffer), wasm_v128_load(buffer + 4)};
}

void store_row(float* c, int columns, RowPair row) {
  if (columns == kPanelWidth) {
    wasm_v128_store(c, row.lo);
    wasm_v128_store(c + 4, row.hi);
    return;
  }
  alignas(16) float buffer[kPanelWidth];
  wasm_v128_store(buffer, row.lo);
  wasm_v128_store(buffer + 4, row.hi);
  std::memcpy(c, buffer, sizeof(float) * columns);
}

// C += A * B: accumulators start at zero and are added to C at the end.
struct AccumulateInto {
  float* c;
  int ldc;
  RowPair start(int) const { return {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)}; }
  void finish(int i, int panel, int columns, RowPair sum) const {
    float* row = c + static_cast<ptrdiff_t>(i) * ldc + panel * kPanelWidth;
    const RowPair old = load_row(row, columns);
    store_row(row, columns, {wasm_f32x4_add(old.lo, sum.lo), wasm_f32x4_add(old.hi, sum.hi)});
  }
};

// C = clamp(A * B + bias): accumulators start at the bias; ReLU/ReLU6 are a clamp to [0, inf) or [0, 6].
struct BiasActivation {
  float* c;
  int ldc;
  const PackedWeights& weights;
  v128_t low, high;
  BiasActivation(float* c_, int ldc_, const PackedWeights& w, Activation activation)
      : c(c_), ldc(ldc_), weights(w) {
    const float inf = std::numeric_limits<float>::infinity();
    low = wasm_f32x4_splat(activation == Activation::none ? -inf : 0.0f);
    high = wasm_f32x4_splat(activation == Activation::relu6 ? 6.0f : inf);
  }
  RowPair start(int panel) const {
    const float* bias = weights.panel_bias(panel);
    return {wasm_v128_load(bias), wasm_v128_load(bias + 4)};
  }
  void finish(int i, int panel, int columns, RowPair sum) const {
    // pmax/pmin are single instructions on x86 (maxps/minps), unlike the NaN-propagating max/min.
    auto clamp = [&](v128_t v) { return wasm_f32x4_pmin(high, wasm_f32x4_pmax(low, v)); };
    store_row(c + static_cast<ptrdiff_t>(i) * ldc + panel * kPanelWidth, columns, {clamp(sum.lo), clamp(sum.hi)});
  }
};

// a * b + c, rounded once or twice: relaxed_madd leaves that to the engine.
inline v128_t multiply_add(v128_t a, v128_t b, v128_t c) {
#ifdef __wasm_relaxed_simd__
  return __builtin_wasm_fma_f32x4(a, b, c);  // written with LLVM 14's prototype opcode: see tools/finalize_relaxed_simd.mjs
#else
  return wasm_f32x4_add(c, wasm_f32x4_mul(a, b));
#endif
}

// The microkernel: rows i0 .. i0 + R - 1 of A times panel `panel` of B.
template <int R, class Rows, class Epilogue>
void tile(const Rows& rows, int i0, const float* panel_data, int panel, int columns, const Epilogue& out) {
  const RowPair start = out.start(panel);
  v128_t acc_lo[R], acc_hi[R];
  for (int r = 0; r < R; ++r) {
    acc_lo[r] = start.lo;
    acc_hi[r] = start.hi;
  }
  const float* w = panel_data;
  const int taps = rows.taps(), kc = rows.kc();
  const ptrdiff_t step = rows.step();
  for (int t = 0; t < taps; ++t) {
    const float* a[R];
    for (int r = 0; r < R; ++r) a[r] = rows.row(i0 + r, t);
    for (int p = 0; p < kc; ++p) {
      const v128_t b_lo = wasm_v128_load(w), b_hi = wasm_v128_load(w + 4);
      w += kPanelWidth;
      for (int r = 0; r < R; ++r) {
        const v128_t a_rp = wasm_v128_load32_splat(a[r] + p * step);
        acc_lo[r] = multiply_add(a_rp, b_lo, acc_lo[r]);
        acc_hi[r] = multiply_add(a_rp, b_hi, acc_hi[r]);
      }
    }
  }
  for (int r = 0; r < R; ++r) out.finish(i0 + r, panel, columns, {acc_lo[r], acc_hi[r]});
}

// Packed weights per column block, within the L2 of most cores: every row tile of a range sweeps
// one block before the next, so weights larger than L2 (a deep layer's 2-9 MB) come from memory once
// per range instead of once per row tile. A deep layer's rows of A (its input) are the smaller operand.
constexpr size_t kColumnBlockBytes = size_t{256} << 10;

// Rows i0 .. i0 + R - 1 against panels [first, last).
template <int R, class Rows, class Epilogue>
void row_block(const Rows& rows, int i0, int first, int last, int n, const float* panels, size_t panel_stride,
               const Epilogue& out) {
  for (int p = first; p < last; ++p)
    tile<R>(rows, i0, panels + p * panel_stride, p, std::min(kPanelWidth, n - p * kPanelWidth), out);
}

// Rows [begin, end) of the product, in tiles of kTileRows and a shorter one at the end, one column
// block at a time. Each element is still summed by one tile in one order: the bits do not change.
template <class Rows, class Epilogue>
void run_row_range(int begin, int end, int n, const Rows& rows, const float* panels, size_t panel_stride,
                   const Epilogue& out) {
  const int panel_count = (n + kPanelWidth - 1) / kPanelWidth;
  const int block = static_cast<int>(std::max<size_t>(1, kColumnBlockBytes / (panel_stride * sizeof(float))));
  for (int first = 0; first < panel_count; first += block) {
    const int last = std::min(panel_count, first + block);
    int i0 = begin;
    for (; i0 + kTileRows <= end; i0 += kTileRows) row_block<kTileRows>(rows, i0, first, last, n, panels, panel_stride, out);
    switch (end - i0) {
      case 3: row_block<3>(rows, i0, first, last, n, panels, panel_stride, out); break;
      case 2: row_block<2>(rows, i0, first, last, n, panels, panel_stride, out); break;
      case 1: row_block<1>(rows, i0, first, last, n, panels, panel_stride, out); break;
      default: break;
    }
  }
}

// Threads (kernels::set_thread_count) take chunks of whole row tiles: every element is summed by
// the same tile in the same order whatever the thread count, so the bits do not change.
template <class Rows, class Epilogue>
void run_tiles(int m, int n, const Rows& rows, const float* panels, size_t panel_stride, const Epilogue& out) {
  const size_t work = static_cast<size_t>(m) * n * rows.taps() * rows.kc();
  parallel_chunks(static_cast<size_t>(m), kTileRows, work, [&](size_t begin, size_t end) {
    run_row_range(static_cast<int>(begin), static_cast<int>(end), n, rows, panels, panel_stride, out);
  });
}

// Packs rows [k0, k0 + depth) of op(B) into panels; element (p, j) of op(B) is b_at(p, j).
template <class BAt>
void pack_panels(std::vector<float>& panels, int k0, int depth, int n, BAt b_at) {
  const int panel_count = (n + kPanelWidth - 1) / kPanelWidth;
  panels.assign(static_cast<size_t>(panel_count) * depth * kPanelWidth, 0.0f);
  float* out = panels.data();
  for (int panel = 0; panel < panel_count; ++panel) {
    const int j0 = panel * kPanelWidth, columns = std::min(kPanelWidth, n - j0);
    for (int p = 0; p < depth; ++p, out += kPanelWidth)
      for (int j = 0; j < columns; ++j) out[j] = b_at(k0 + p, j0 + j);
  }
}

// C += op(A) * op(B): op(B) is packed one depth block at a time; rows_at(k0, depth) gives that
// block's rows of op(A).
template <class RowsAt, class BAt>
void gemm_accumulate(int m, int n, int k, float* c, int ldc, RowsAt rows_at, BAt b_at) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  thread_local std::vector<float> panels;
  for (int k0 = 0; k0 < k; k0 += kDepthBlock) {
    const int depth = std::min(kDepthBlock, k - k0);
    pack_panels(panels, k0, depth, n, b_at);
    run_tiles(m, n, rows_at(k0, depth), panels.data(), static_cast<size_t>(depth) * kPanelWidth,
              AccumulateInto{c, ldc});
  }
}

}  // namespace

PackedWeights::PackedWeights(int k, int n, const float* b, int ldb, const float* bias) : k_(k), n_(n) {
  pack_panels(panels_, 0, k, n, [&](int p, int j) { return b[static_cast<ptrdiff_t>(p) * ldb + j]; });
  bias_.assign(static_cast<size_t>(panels()) * kPanelWidth, 0.0f);
  if (bias) std::copy(bias, bias + n, bias_.begin());
}

void gemm_packed(int m, const float* a, int lda, const PackedWeights& b, float* c, int ldc, Activation activation) {
  if (m <= 0 || b.n() <= 0) return;
  run_tiles(m, b.n(), DirectRows{a, lda, b.k()}, b.panel(0), static_cast<size_t>(b.k()) * kPanelWidth,
            BiasActivation(c, ldc, b, activation));
}

void gemm_packed_accumulate(int m, const float* a, int lda, const PackedWeights& b, float* c, int ldc) {
  if (m <= 0 || b.n() <= 0) return;
  run_tiles(m, b.n(), DirectRows{a, lda, b.k()}, b.panel(0), static_cast<size_t>(b.k()) * kPanelWidth,
            AccumulateInto{c, ldc});
}

void igemm_packed(int m, const IndirectRows& a, const PackedWeights& b, float* c, int ldc, Activation activation) {
  if (m <= 0 || b.n() <= 0) return;
  run_tiles(m, b.n(), TableRows{a}, b.panel(0), static_cast<size_t>(b.k()) * kPanelWidth,
            BiasActivation(c, ldc, b, activation));
}

void igemm_packed_accumulate(int m, const IndirectRows& a, const PackedWeights& b, float* c, int ldc) {
  if (m <= 0 || b.n() <= 0) return;
  run_tiles(m, b.n(), TableRows{a}, b.panel(0), static_cast<size_t>(b.k()) * kPanelWidth, AccumulateInto{c, ldc});
}

}  // namespace simd128

void gemm_nn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  simd128::gemm_accumulate(
      m, n, k, c, ldc, [=](int k0, int depth) { return simd128::DirectRows{a + k0, lda, depth}; },
      [=](int p, int j) { return b[static_cast<ptrdiff_t>(p) * ldb + j]; });
}

void gemm_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  simd128::gemm_accumulate(
      m, n, k, c, ldc, [=](int k0, int depth) { return simd128::DirectRows{a + k0, lda, depth}; },
      [=](int p, int j) { return b[static_cast<ptrdiff_t>(j) * ldb + p]; });
}

// A^T is read in place: the microkernel broadcasts A[p][i] with a stride of lda between steps.
void gemm_tn(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  simd128::gemm_accumulate(
      m, n, k, c, ldc,
      [=](int k0, int depth) { return simd128::TransposedRows{a + static_cast<ptrdiff_t>(k0) * lda, lda, depth}; },
      [=](int p, int j) { return b[static_cast<ptrdiff_t>(p) * ldb + j]; });
}

}  // namespace camlens::kernels
