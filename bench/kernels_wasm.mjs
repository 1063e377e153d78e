// WebAssembly kernel benchmark in one Node process: for each emotion-model layer shape, our
// reference loops, our SIMD128 kernels and TensorFlow.js's wasm backend (XNNPACK compiled to WASM
// SIMD, one thread) on the same shape; the backward passes (which the tfjs wasm backend does not
// have) ours only. Prints a markdown table of medians and ratios; --json FILE also writes them for
// bench/report.mjs.
// Usage: node --no-experimental-fetch --experimental-wasm-relaxed-simd bench/kernels_wasm.mjs [--json FILE]   (after scripts/build.sh)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const wasmBackend = require('@tensorflow/tfjs-backend-wasm');

const modulePath = path.join(root, 'build/wasm/camlens_bench_kernels.mjs');
const { default: createModule } = await import(modulePath);
const camlens = await createModule({ wasmBinary: fs.readFileSync(modulePath.replace(/\.mjs$/, '.wasm')) });

wasmBackend.setWasmPaths(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
wasmBackend.setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], low: s[Math.floor(0.1 * (s.length - 1))], high: s[Math.floor(0.9 * (s.length - 1))] };
}

function timeTfjs(info) {
  const x = tf.randomUniform([1, info.inH, info.inH, info.inC], -1, 1);
  let run;
  if (info.kind === 'max_pool') {
    run = () => tf.maxPool(x, info.kernel, info.stride, info.same ? 'same' : 'valid');
  } else {
    const depthwise = info.kind === 'depthwise';
    const filter = tf.randomUniform([info.kernel, info.kernel, info.inC, depthwise ? info.outC / info.inC : info.outC], -1, 1);
    const bias = tf.randomUniform([info.outC], -1, 1);
    const args = { x, filter, bias, strides: info.stride, pad: info.same ? 'same' : 'valid', activation: info.relu ? 'relu' : 'linear' };
    run = depthwise ? () => tf.fused.depthwiseConv2d(args) : () => tf.fused.conv2d(args);
  }
  for (let i = 0; i < 3; ++i) run().dataSync();
  const samples = [];
  const start = performance.now();
  while (samples.length < 7 || performance.now() - start < 300) {
    const t0 = performance.now();
    const y = run();
    y.dataSync();  // the wasm backend is synchronous; dataSync makes sure the result exists
    samples.push(performance.now() - t0);
    y.dispose();
  }
  return median(samples);
}

const jsonPath = process.argv[process.argv.indexOf('--json') + 1];
const fmt = (t) => `${t.median.toFixed(3)} [${t.low.toFixed(3)}-${t.high.toFixed(3)}]`;
const asJson = (t) => t && { median_ms: t.median, p10_ms: t.low, p90_ms: t.high, runs: t.runs };
console.log('| shape | pass | MFLOP | reference ms | simd128 ms | tfjs-wasm ms | simd / reference speed-up | simd / tfjs-wasm time ratio | simd GFLOP/s | tfjs-wasm GFLOP/s |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
const rows = [];
for (let i = 0; i < camlens.caseCount(); ++i) {
  const info = camlens.describe(i);
  for (let pass = 0; pass < 3; ++pass) {
    const simd = camlens.timeCase(i, pass, false);
    if (!simd) continue;
    const reference = camlens.timeCase(i, pass, true);
    const tfjs = pass === 0 ? timeTfjs(info) : null;
    rows.push({ shape: info.name, pass: camlens.passName(pass), mflop: info.mflop, reference: asJson(reference),
      simd128: asJson(simd), tfjs_wasm: asJson(tfjs) });
    console.log(`| ${info.name} | ${camlens.passName(pass)} | ${info.mflop.toFixed(2)} | ${fmt(reference)} | ${fmt(simd)} | ` +
      `${tfjs ? fmt(tfjs) : 'n/a'} | ${(reference.median / simd.median).toFixed(1)}x | ` +
      `${tfjs ? (simd.median / tfjs.median).toFixed(2) : 'n/a'} | ${(info.mflop / simd.median).toFixed(2)} | ` +
      `${tfjs ? (info.mflop / tfjs.median).toFixed(2) : 'n/a'} |`);
  }
}
if (process.argv.includes('--json')) fs.writeFileSync(jsonPath, JSON.stringify({ cases: rows }, null, 1));
