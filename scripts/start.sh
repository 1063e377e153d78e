#!/usr/bin/env bash
# Installs what is missing, builds both targets, then runs the main job. Until the web page exists
# the main job is the engine demo: every layer shape of the emotion model timed with the reference
# loops and with the optimised kernels, natively (XNNPACK) and in WebAssembly (SIMD128) next to
# TensorFlow.js's wasm backend.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== native: reference loops vs XNNPACK"
build/native/camlens_bench_kernels
echo "== WebAssembly in Node: reference vs SIMD128 vs TensorFlow.js wasm"
node --no-experimental-fetch bench/kernels_wasm.mjs
