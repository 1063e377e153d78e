// Shared by the Node tests: the repository root, our WebAssembly modules, TensorFlow.js on its cpu
// backend (the independent reference), seeded random numbers, comparisons and error checks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import assert from 'node:assert/strict';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

// Node 20 accepts relaxed SIMD (camlens.mjs's fused multiply-add) behind a flag.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

// A module of build/wasm/NAME.mjs, given its .wasm bytes (Node cannot fetch a file path): a page
// module (camlens, camlens-simd128 or camlens-single: Explainer and the thread count), or the tests'
// module camlens-test (all that, plus TestModel's raw forward passes and heapBytes).
export async function loadCamlens(name = 'camlens') {
  const modulePath = path.join(root, `build/wasm/${name}.mjs`);
  const { default: createCamlens } = await import(modulePath);
  return createCamlens({ wasmBinary: fs.readFileSync(modulePath.replace(/\.mjs$/, '.wasm')) });
}

export async function loadTf() {
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

// mulberry32: a small seeded generator, uniform in [0, 1).
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; ++i) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export function softmaxRows(logits, classes) {
  const out = new Float32Array(logits.length);
  for (let row = 0; row < logits.length; row += classes) {
    const slice = logits.subarray(row, row + classes);
    const max = Math.max(...slice);
    let sum = 0;
    for (let c = 0; c < classes; ++c) sum += (out[row + c] = Math.exp(slice[c] - max));
    for (let c = 0; c < classes; ++c) out[row + c] /= sum;
  }
  return out;
}

// The astronaut's face (tests/fixtures/images/astronaut_face.rgb: FACE_SIDE x FACE_SIDE): its RGB
// bytes, and as opaque RGBA, the layout of ImageData, which Explainer.setImage takes.
export const FACE_SIDE = 140;
export function astronautFace() {
  const rgb = new Uint8Array(fs.readFileSync(path.join(root, 'tests/fixtures/images/astronaut_face.rgb')));
  const rgba = new Uint8ClampedArray(FACE_SIDE * FACE_SIDE * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[(i >> 2) * 3 + (i % 4)]));
  return { rgb, rgba };
}

// A model folder under the repository (e.g. 'models/emotion'): model.json's text, its weight shards
// as {name, bytes} (what Explainer and TestModel take), all their bytes in manifest order (what tfArtifacts
// takes), and metadata.json's text when there is one.
export function readModelFiles(folder) {
  const dir = path.join(root, folder);
  const modelJson = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
  const shards = JSON.parse(modelJson).weightsManifest.flatMap((group) => group.paths)
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
  const weights = new Uint8Array(Buffer.concat(shards.map((shard) => shard.bytes)));
  const metadataPath = path.join(dir, 'metadata.json');
  const metadataJson = fs.existsSync(metadataPath) ? fs.readFileSync(metadataPath, 'utf8') : '';
  return { modelJson, shards, weights, metadataJson };
}

// model.json text and weight bytes -> what tf.io.fromMemory takes (one weights group).
export function tfArtifacts(modelJsonText, weightBytes) {
  const model = JSON.parse(modelJsonText);
  return {
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest.flatMap((group) => group.weights),
    weightData: weightBytes.buffer.slice(weightBytes.byteOffset, weightBytes.byteOffset + weightBytes.byteLength),
  };
}

// `call` throws a JS Error (of `name`: 'CancelledError' for a cancelled call) whose message matches `pattern`.
export function expectError(call, pattern, name = 'Error') {
  assert.throws(call, (e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${typeof e} ${e}`);
    assert.equal(e.name, name, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

// An Explainer of the emotion model (models/emotion) in `camlens`, holding the astronaut's face.
export function emotionExplainer(camlens) {
  const { modelJson, shards, metadataJson } = readModelFiles('models/emotion');
  const explainer = new camlens.Explainer(modelJson, shards, metadataJson);
  explainer.setImage(astronautFace().rgba, FACE_SIDE, FACE_SIDE);
  return explainer;
}
