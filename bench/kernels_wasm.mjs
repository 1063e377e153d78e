// WebAssembly kernel benchmark in one Node process: for each emotion-model layer shape, our
// reference loops, our SIMD128 kernels and TensorFlow.js's wasm backend (XNNPACK compiled to WASM
// SIMD, one thread) on the same shape. Prints a markdown table of medians and ratios.
// Usage: node --no-experimental-fetch bench/kernels_wasm.mjs   (after scripts/build.sh)
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

const fmt = (t) => `${t.median.toFixed(3)} [${t.low.toFixed(3)}-${t.high.toFixed(3)}]`;
console.log('| shape | MFLOP | reference ms | simd128 ms | tfjs-wasm ms | simd / reference speed-up | simd / tfjs-wasm time ratio | simd GFLOP/s | tfjs-wasm GFLOP/s |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
const totals = { reference: 0, simd: 0, tfjs: 0 };
for (let i = 0; i < camlens.caseCount(); ++i) {
  const info = camlens.describe(i);
  const reference = camlens.timeCase(i, true);
  const simd = camlens.timeCase(i, false);
  const tfjs = timeTfjs(info);
  totals.reference += reference.median; totals.simd += simd.median; totals.tfjs += tfjs.median;
  console.log(`| ${info.name} | ${info.mflop.toFixed(2)} | ${fmt(reference)} | ${fmt(simd)} | ${fmt(tfjs)} | ` +
    `${(reference.median / simd.median).toFixed(1)}x | ${(simd.median / tfjs.median).toFixed(2)} | ` +
    `${(info.mflop / simd.median).toFixed(2)} | ${(info.mflop / tfjs.median).toFixed(2)} |`);
}
console.log(`\nAll shapes: reference ${totals.reference.toFixed(2)} ms, simd128 ${totals.simd.toFixed(2)} ms, ` +
  `tfjs-wasm ${totals.tfjs.toFixed(2)} ms; simd/tfjs-wasm ${(totals.simd / totals.tfjs).toFixed(2)}`);
