#!/usr/bin/env bash
# Runs every benchmark and writes one dated run to bench/results/ (DATE-TIME-CPU.md, .json and a
# speed-up chart; earlier runs stay; the raw pieces go to build/bench/). About 35 minutes on 2
# cores; run it on an otherwise idle machine.
#   explanation methods natively and as WebAssembly in Node (bench/explain_bench.cpp);
#   camlens vs PyTorch natively: emotion forward, CAM family, saliency, a training epoch (bench/torch_compare.py);
#   camlens vs TensorFlow.js in headless Chromium (bench/browser/);
#   training: camlens vs PyTorch for xception, epochs in Chromium against TensorFlow.js, the probes' cost;
#   every emotion layer shape, reference vs optimised kernels, natively and in WebAssembly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# PyTorch is for the comparison only, not a dependency of camlens: Debian's, for Debian's python.
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "camlens: installing python3-torch for the PyTorch comparison"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch
fi
scripts/build.sh bench

raw=build/bench
mkdir -p "$raw"
node -e '
  const {execSync} = require("child_process");
  const run = (c) => { try { return execSync(c, {stdio: ["ignore", "pipe", "ignore"]}).toString().trim(); } catch { return undefined; } };
  console.log(JSON.stringify({node: process.version, chromium: run("/usr/bin/chromium --version"),
    emscripten: run("em++ --version")?.match(/\d+\.\d+\.\d+/)?.[0], gxx: run("g++ --version")?.split("\n")[0],
    load_average_at_start: require("os").loadavg().map((x) => Math.round(x * 100) / 100)}));' > "$raw/versions.json"

# /proc/stat's cpu line before and after each stage: the report gives each stage's steal time, CPU
# time the hypervisor gave other guests while ours waited to run, which no load average shows.
: > "$raw/cpu_stat.txt"
stage() {  # stage NAME COMMAND...
  local name=$1
  shift
  echo "== $name"
  echo "begin $name $(head -1 /proc/stat)" >> "$raw/cpu_stat.txt"
  "$@"
  echo "end $name $(head -1 /proc/stat)" >> "$raw/cpu_stat.txt"
}

stage "explanation methods, native" \
  bash -c "set -o pipefail; build/native/camlens_bench_explain --json $raw/explain_native.json | tee $raw/explain_native.md"
stage "explanation methods, WebAssembly in Node" \
  bash -c "set -o pipefail; node --no-experimental-fetch --experimental-wasm-relaxed-simd build/wasm/camlens_bench_explain.js --json $raw/explain_wasm.json | tee $raw/explain_wasm.md"
stage "camlens vs PyTorch, native" /usr/bin/python3 bench/torch_compare.py --out "$raw/torch.json"
stage "camlens vs TensorFlow.js in Chromium" node bench/browser/run.mjs --out "$raw/browser.json"
stage "camlens vs PyTorch, xception training" \
  /usr/bin/python3 bench/torch_compare.py --skip-explain --arch xception --out "$raw/torch_train_xception.json"
stage "training in Chromium, camlens vs TensorFlow.js" node bench/browser/run.mjs --training --out "$raw/browser_training.json"
stage "the probes' cost, native" \
  bash -c "build/native/camlens_bench_train --probes 10 --batches 156 --threads 2 --arch vgg-quick > $raw/probes_native.json"
stage "kernels, native" build/native/camlens_bench_kernels --json "$raw/kernels_native.json"
stage "kernels, WebAssembly in Node" \
  node --no-experimental-fetch --experimental-wasm-relaxed-simd bench/kernels_wasm.mjs --json "$raw/kernels_wasm.json"

node bench/report.mjs "$raw" bench/results
