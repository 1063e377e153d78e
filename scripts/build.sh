#!/usr/bin/env bash
# Builds natively (build/native) and as WebAssembly (build/wasm). Warm builds take seconds.
#   scripts/build.sh [all|app|bench]
#     all    every target: the CLI, the page modules, tests and benchmarks (the default)
#     app    what the page and the CLI need: build/native/camlens and the three page modules
#     bench  what scripts/bench.sh runs
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # emcc needs acorn from Debian's node modules

what=${1:-all}
case "$what" in
  all)   native_targets=(all); wasm_targets=(all) ;;
  app)   native_targets=(camlens); wasm_targets=(camlens_node camlens_simd128 camlens_single) ;;
  bench) native_targets=(camlens_bench_explain camlens_bench_train camlens_bench_kernels)
         wasm_targets=(camlens_node camlens_simd128 camlens_bench_explain camlens_bench_browser camlens_bench_kernels) ;;
  *) echo "usage: scripts/build.sh [all|app|bench] (got '$what')" >&2; exit 2 ;;
esac

if [ ! -f build/native/build.ninja ]; then
  cmake -G Ninja -S . -B build/native -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/native --target "${native_targets[@]}"

if [ ! -f build/wasm/build.ninja ]; then
  emcmake cmake -G Ninja -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/wasm --target "${wasm_targets[@]}"
