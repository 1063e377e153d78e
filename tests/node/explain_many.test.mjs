// Model.explainMany (wasm/bindings/bindings.cpp): every method after one shared forward pass, as the
// page's grid of panels asks for them. Each explanation must equal what a separate Model.explain
// call gives, bit for bit (everything but the timings), on the emotion model and the astronaut's face.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, readModelFiles, astronautFace, FACE_SIDE } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const SIDE = FACE_SIDE;
const SAD = 4;
const CROP = { x: 10, y: 5, width: 120, height: 110 };
const { rgba } = astronautFace();

const camlens = await loadCamlens();
const model = new camlens.Model(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
const image = new camlens.Image(rgba, SIDE, SIDE);
const FAST = model.describe().methods.filter((m) => !m.slow).map((m) => m.name);

function expectError(call, pattern, name = 'Error') {
  assert.throws(call, (e) => e instanceof Error && e.name === name && pattern.test(e.message),
    `expected a JS ${name} matching ${pattern}`);
}

// An explanation without its timings (they differ from call to call).
function withoutTimings({ timings, ...rest }) {
  assert.ok(['forward', 'backward', 'method', 'postprocess'].every((step) => Number.isFinite(timings[step])));
  return rest;
}

function assertSameAsSeparateCalls(many, options, names, paramsByMethod = {}) {
  assert.deepEqual(many.map((e) => e.method), names);
  for (const [i, name] of names.entries()) {
    const { methods, ...shared } = options;
    const alone = model.explain(image, { ...shared, method: name, params: paramsByMethod[name] });
    assert.deepEqual(withoutTimings(many[i]), withoutTimings(alone), `${name}: explainMany differs from explain`);
  }
}

test('explainMany: every fast method equals its own explain call bit for bit (maps, heat, pictures, weights)', () => {
  const options = { methods: FAST, crop: CROP, colormap: 'viridis', alpha: 0.5 };
  assertSameAsSeparateCalls(model.explainMany(image, options), options, FAST);
});

test('explainMany: a class, a layer, nearest upsampling and per-method params reach every method', () => {
  const names = ['grad-cam', 'saliency', 'grad-cam++', 'smooth-grad'];
  const params = { 'smooth-grad': { samples: 3, seed: 5 } };
  const options = { methods: names, classIndex: SAD, layer: model.describe().explainable[4], smooth: false, params };
  const many = model.explainMany(image, options);
  assert.ok(many.every((e) => e.classIndex === SAD && e.label === 'sad'));
  assertSameAsSeparateCalls(many, options, names, params);
});

test('explainMany reports progress over the whole call and a false from the callback cancels it', () => {
  const fractions = [];
  model.explainMany(image, { methods: ['cam', 'grad-cam', 'saliency'] }, (fraction, stage) => {
    assert.equal(typeof stage, 'string');
    fractions.push(fraction);
  });
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), fractions.join(' '));

  let calls = 0;
  expectError(() => model.explainMany(image, { methods: ['cam', 'smooth-grad'], params: { 'smooth-grad': { samples: 40 } } },
    () => ++calls < 3), /cancelled by the progress callback/, 'CancelledError');
  assert.equal(calls, 3, 'no step after the one that said stop');
  assert.equal(model.explainMany(image, { methods: ['cam'] })[0].classIndex, 3, 'the model explains after a cancel');
});

test('explainMany: bad requests say what was wrong', () => {
  expectError(() => model.explainMany(image, { methods: [] }), /methods must be a non-empty array of method names/);
  expectError(() => model.explainMany(image, { method: 'cam' }), /methods must be a non-empty array of method names/);
  expectError(() => model.explainMany(image, { methods: ['cam', 7] }), /methods\[1\] must be a method name/);
  expectError(() => model.explainMany(image, { methods: ['cam', 'grad-cam-3'] }), /no method named 'grad-cam-3'/);
  expectError(() => model.explainMany(image, { methods: ['cam'], params: 'fast' }), /params must be an object keyed by method name/);
  expectError(() => model.explainMany(image, { methods: ['smooth-grad'], params: { 'smooth-grad': { sample: 3 } } }),
    /unknown parameter 'sample'/);
  expectError(() => model.explainMany(image, { methods: ['grad-cam'], classIndex: 7 }), /target class 7 is out of range/);
});
