#!/usr/bin/env bash
# Installs what is missing, builds both targets, runs the native demo (the shipped emotion model
# explains the shipped astronaut photo, written to build/demo/; then the engine's kernels are timed
# on that model's layer shapes, natively (XNNPACK) and in WebAssembly (SIMD128) next to TensorFlow.js's
# wasm backend), and ends by serving the web page on 127.0.0.1 (port 8080, or a free one if taken).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
image=tests/fixtures/images/astronaut_face.png
echo "== camlens predict $image"
build/native/camlens predict "$image" --top 3
echo "== camlens explain $image"
build/native/camlens explain "$image" --method cam,grad-cam,grad-cam++,saliency --out build/demo --json
echo "== native kernels: reference loops vs XNNPACK"
build/native/camlens_bench_kernels
echo "== WebAssembly kernels in Node: reference vs SIMD128 vs TensorFlow.js wasm"
node --no-experimental-fetch bench/kernels_wasm.mjs
echo "== the web page (Ctrl+C stops it)"
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then port=0; fi  # 8080 answers: taken
exec node tools/serve.mjs --port "$port"
