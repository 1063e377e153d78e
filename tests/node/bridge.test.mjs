// The page's bridge (wasm/bindings/bindings.cpp, build/wasm/camlens.mjs) in Node: the Explainer as
// web/js/worker.js calls it, on the emotion model and the astronaut's face
// (tests/fixtures/images/astronaut_face.rgb, 140x140, given as RGBA as the browser's ImageData holds
// it). Describe, the prediction, every registered method, top-K, layer sweep, recolouring, activation
// maximisation, cancelling, bad requests, and the raw maps of the native CLI (build/native/camlens).
// The heap check is in bridge_heap.test.mjs, the schema and the reuse of maps in view.test.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, loadCamlens, readModelFiles, astronautFace, FACE_SIDE, expectError, emotionExplainer } from './support.mjs';

const { modelJson, shards, weights, metadataJson } = readModelFiles('models/emotion');
const HEAD_CONV = 'StatefulPartitionedCall/model_1/conv2d_5/BiasAdd';  // CAM's own layer
const LAST_FEATURES = 'StatefulPartitionedCall/model_1/add_2/add';  // the metadata's default
const INPUT = 'input_1';
const LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const HAPPY = 3;
const SAD = 4;
const SIDE = FACE_SIDE;
const FACE_PNG = path.join(root, 'tests/fixtures/images/astronaut_face.png');
const { rgb, rgba } = astronautFace();
const CROP = { x: 10, y: 5, width: 120, height: 110 };  // off-centre and not square
const WHOLE = { x: 0, y: 0, width: SIDE, height: SIDE };

const camlens = await loadCamlens();
const explainer = emotionExplainer(camlens);
const info = explainer.describe();
const EXPLAINABLE = info.layers.filter((layer) => layer.explainable).map((layer) => layer.name);
const layerShape = (name) => info.layers.find((layer) => layer.name === name).shape;

// Quick settings for the slow methods: the test checks the bridge, not their defaults.
const QUICK = {
  'smooth-grad': { samples: 3 },
  'integrated-gradients': { steps: 4 },
  occlusion: { patch: 16, stride: 16 },
};
const quick = (name) => (QUICK[name] ? { name, params: QUICK[name] } : name);

// One map of one method: the view's only explanation.
function explainOne(target, method, options = {}) {
  const view = target.view({ methods: [method], ...options });
  assert.deepEqual(view.failures, []);
  assert.equal(view.explanations.length, 1);
  return view.explanations[0];
}

function maxAbs(values) {
  return values.reduce((worst, v) => Math.max(worst, Math.abs(v)), 0);
}

function assertNotBlank(values, what) {
  assert.ok(values.every(Number.isFinite), `${what}: non-finite values`);
  assert.ok(Math.max(...values) > Math.min(...values), `${what} is blank (every value ${values[0]})`);
}

// The explainer still predicts and explains after a failure.
function assertStillWorks(target = explainer) {
  const view = target.view({ crop: WHOLE, methods: ['grad-cam'] });
  assert.equal(view.prediction.classes[0].class, HAPPY);
  assert.equal(view.explanations[0].class, HAPPY);
}

test('describe: labels, the input, the default layer, explainable layers and the method registry with what applies', () => {
  assert.deepEqual([info.version, info.kind], [1, 'model']);
  assert.deepEqual(info.labels, LABELS);
  assert.deepEqual(info.input, { height: 64, width: 64, channels: 1, color: 'gray' });
  assert.equal(info.default_layer, LAST_FEATURES);
  assert.equal(info.metadata.crop, 'face');
  assert.ok(EXPLAINABLE.includes(HEAD_CONV) && EXPLAINABLE.length >= 10, EXPLAINABLE.join(', '));
  assert.deepEqual(layerShape(LAST_FEATURES), [8, 8, 256]);
  assert.ok(info.layers.every((layer) => layer.explainable === (layer.depth >= 0 && layer.spatial)), 'explainable: spatial and feeding the logits');
  assert.ok(info.layers.find((layer) => layer.name === HEAD_CONV).depth < info.layers.find((layer) => layer.name === LAST_FEATURES).depth);
  assert.deepEqual(info.methods.map((m) => m.name),
    ['cam', 'grad-cam', 'grad-cam++', 'hires-cam', 'xgrad-cam', 'layer-cam', 'eigen-cam', 'score-cam', 'saliency',
     'gradient-x-input', 'smooth-grad', 'integrated-gradients', 'guided-backprop', 'guided-grad-cam', 'occlusion']);
  for (const method of info.methods) {
    assert.ok(method.title && method.summary, method.name);
    assert.equal(method.applies, true, `${method.name} applies at the default layer: ${method.why_not}`);
    assert.equal(method.why_not, undefined);
  }
  const byName = Object.fromEntries(info.methods.map((m) => [m.name, m]));
  assert.equal(byName.saliency.per_pixel, true);
  assert.equal(byName.saliency.layer, '');
  assert.equal(byName['grad-cam'].per_pixel, false);
  assert.equal(byName['grad-cam'].layer, LAST_FEATURES);
  assert.equal(byName.cam.layer, HEAD_CONV, 'CAM explains the layer its global average pool reads');
  assert.equal(byName['score-cam'].slow, true);
  assert.equal(byName.cam.slow, false);
});

test('setImage gives the metadata\'s box; a view predicts happy, every class best first, in the crop asked', () => {
  const fresh = new camlens.Explainer(modelJson, shards, metadataJson);
  assert.deepEqual(fresh.setImage(rgba, SIDE, SIDE), { width: SIDE, height: SIDE, crop: { x: 0, y: 0, width: SIDE, height: SIDE } });
  const view = fresh.view({});
  const { classes } = view.prediction;
  assert.equal(classes.length, 7);
  assert.deepEqual(classes[0].label, 'happy');
  assert.ok(classes[0].probability > 0.999, `p(happy) ${classes[0].probability}`);
  for (let i = 1; i < 7; ++i) assert.ok(classes[i - 1].probability >= classes[i].probability);
  assert.ok(classes.every((c) => Number.isFinite(c.logit) && LABELS[c.class] === c.label));
  assert.deepEqual(view.image, { width: SIDE, height: SIDE });
  assert.deepEqual(view.crop, { x: 0, y: 0, width: SIDE, height: SIDE });  // the metadata's centre square
  assert.ok(view.timings_ms.forward > 0);
  assert.deepEqual(view.passes, { forward: 1, backward: 0 });
  assert.deepEqual(view.explanations, []);
  const cropped = fresh.view({ crop: CROP });
  assert.deepEqual(cropped.crop, CROP);
  assert.notDeepEqual(cropped.prediction.classes.map((c) => c.logit), classes.map((c) => c.logit));
  assert.deepEqual(fresh.view({}).crop, CROP, 'the crop stays until another is asked');
  fresh.delete();
});

test('every registered method in one view: a non-blank raw map of the promised size, heat 0..1 at the crop, RGBA pictures', () => {
  const fresh = emotionExplainer(camlens);
  const view = fresh.view({ crop: CROP, methods: info.methods.map((m) => quick(m.name)), colormap: 'viridis', alpha: 0.5 });
  assert.deepEqual(view.failures, []);
  assert.deepEqual(view.crop, CROP);
  // Fast methods first (one shared pass), then each slow one as it finishes.
  const fast = info.methods.filter((m) => !m.slow), slow = info.methods.filter((m) => m.slow);
  assert.deepEqual(view.explanations.map((e) => e.method), [...fast, ...slow].map((m) => m.name));
  for (const e of view.explanations) {
    const { per_pixel: perPixel } = info.methods.find((m) => m.name === e.method);
    const name = e.method;
    assert.equal(e.class, HAPPY);
    assert.equal(e.label, 'happy');
    assert.ok(e.probability > 0.9, `${name}: probability ${e.probability}`);
    assert.equal(e.reused, false);
    // Guided Grad-CAM works at the layer but multiplies guided backpropagation's input-sized map.
    // CAM explains the layer its global average pool reads unless a layer is asked for.
    const layer = name === 'cam' ? HEAD_CONV : LAST_FEATURES;
    const [h, w] = perPixel || name === 'guided-grad-cam' ? [64, 64] : layerShape(layer);
    assert.equal(e.layer, perPixel ? INPUT : layer);
    assert.deepEqual([e.raw.height, e.raw.width, e.raw.values.length], [h, w, h * w], name);
    assert.ok(e.raw.values instanceof Float32Array);
    assertNotBlank(Array.from(e.raw.values), `${name} raw map`);
    assert.deepEqual([e.heat.width, e.heat.height], [CROP.width, CROP.height]);
    assert.ok(e.heat.values.every((v) => v >= 0 && v <= 1), `${name}: heat outside 0..1`);
    assert.ok(Math.max(...e.heat.values) > 0.99, `${name}: heat is not min-max normalised`);
    for (const picture of [e.pictures.overlay, e.pictures.heatmap]) {
      assert.deepEqual([picture.width, picture.height], [CROP.width, CROP.height]);
      assert.ok(picture.rgba instanceof Uint8ClampedArray);
      assert.equal(picture.rgba.length, CROP.width * CROP.height * 4);
      assert.ok(picture.rgba.every((v, i) => i % 4 !== 3 || v === 255), `${name}: not opaque`);
    }
    assert.ok(e.channel_weights instanceof Float32Array, name);
    assert.ok([0, layerShape(layer)[2]].includes(e.channel_weights.length), `${name}: ${e.channel_weights.length} channel weights`);
    for (const step of ['forward', 'backward', 'map', 'postprocess']) {
      assert.ok(Number.isFinite(e.timings_ms[step]) && e.timings_ms[step] >= 0, `${name}: timings_ms.${step}`);
    }
  }
  assert.equal(view.explanations.find((e) => e.method === 'grad-cam').channel_weights.length, 256);
  fresh.delete();
});

test('view options: class, layer (CAM stays at its own, with a note), smooth false gives the raw cells, colormap and alpha', () => {
  const base = { crop: CROP, methods: ['grad-cam'] };
  const sad = explainOne(explainer, 'grad-cam', { ...base, class: SAD });
  assert.deepEqual([sad.class, sad.label], [SAD, 'sad']);
  const both = explainer.view({ ...base, classes: [SAD, HAPPY] });
  assert.deepEqual(both.explanations.map((e) => e.label), ['sad', 'happy']);

  const layer = EXPLAINABLE[2];
  const early = explainer.view({ ...base, methods: ['grad-cam', 'cam'], layer });
  const [h, w] = layerShape(layer);
  assert.deepEqual([early.explanations[0].layer, early.explanations[0].raw.height, early.explanations[0].raw.width], [layer, h, w]);
  assert.equal(early.explanations[0].note, undefined);
  assert.equal(early.explanations[1].layer, HEAD_CONV);
  assert.match(early.explanations[1].note, /CAM is defined only at .*conv2d_5\/BiasAdd, the layer its global average pool reads/);

  const smooth = explainOne(explainer, 'grad-cam', base);
  const cells = explainOne(explainer, 'grad-cam', { ...base, smooth: false });
  assert.deepEqual(cells.raw.values, smooth.raw.values);
  assert.ok(new Set(cells.heat.values).size <= 64, 'an 8x8 map upsampled by nearest has at most 64 values');
  assert.ok(new Set(smooth.heat.values).size > 64);

  const gray = explainOne(explainer, 'grad-cam', { ...base, colormap: 'gray', alpha: 1 });
  for (let p = 0; p < 50; ++p) {
    const [r, g, b] = gray.pictures.heatmap.rgba.subarray(p * 4, p * 4 + 3);
    assert.ok(r === g && g === b, 'the gray colormap is gray');
    assert.deepEqual(Array.from(gray.pictures.overlay.rgba.subarray(p * 4, p * 4 + 4)), [r, g, b, 255], 'alpha 1: heat only');
  }
  const transparent = explainOne(explainer, 'grad-cam', { ...base, alpha: 0 });  // the crop of the photo itself
  const row = CROP.y * SIDE + CROP.x;
  assert.deepEqual(Array.from(transparent.pictures.overlay.rgba.subarray(0, 3)), Array.from(rgb.subarray(row * 3, row * 3 + 3)));
  const none = explainOne(explainer, 'grad-cam', { ...base, pictures: false });
  assert.equal(none.pictures, undefined);
  assert.deepEqual(none.heat.values, smooth.heat.values);
});

test('recolouring draws the kept maps again: the same heat, other pictures, and a fresh explainer\'s pictures bit for bit', () => {
  const base = { crop: CROP, methods: ['grad-cam', 'saliency'] };
  const first = explainer.view(base);
  const inferno = explainer.view({ ...base, colormap: 'inferno', alpha: 0.7 });
  assert.deepEqual(inferno.passes, { forward: 0, backward: 0 });
  for (const [i, e] of inferno.explanations.entries()) {
    assert.equal(e.reused, true);
    assert.deepEqual([e.raw, e.heat], [first.explanations[i].raw, first.explanations[i].heat], e.method);
    assert.notDeepEqual(e.pictures.heatmap.rgba, first.explanations[i].pictures.heatmap.rgba, e.method);
    assert.notDeepEqual(e.pictures.overlay.rgba, first.explanations[i].pictures.overlay.rgba, e.method);
  }
  const fresh = emotionExplainer(camlens);
  const made = fresh.view({ ...base, colormap: 'inferno', alpha: 0.7 });
  assert.ok(made.explanations.every((e) => !e.reused));
  for (const [i, e] of made.explanations.entries()) {
    assert.deepEqual([e.raw, e.heat, e.pictures], [inferno.explanations[i].raw, inferno.explanations[i].heat, inferno.explanations[i].pictures], e.method);
  }
  fresh.delete();
  const back = explainer.view(base);
  assert.deepEqual(back.explanations.map((e) => e.pictures), first.explanations.map((e) => e.pictures), 'jet again: the first pictures');
});

// The crop's RGB averaged down to width x height, each source pixel weighted by how much of an
// output pixel it covers: what the overlay is blended over when max_side shrinks it.
function areaAverage(box, width, height) {
  const out = new Float64Array(width * height * 3);
  const sx = box.width / width, sy = box.height / height;
  const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  for (let y = 0; y < height; ++y) for (let x = 0; x < width; ++x) {
    for (let v = Math.floor(y * sy); v < Math.min(box.height, Math.ceil((y + 1) * sy)); ++v) {
      for (let u = Math.floor(x * sx); u < Math.min(box.width, Math.ceil((x + 1) * sx)); ++u) {
        const share = overlap(x * sx, (x + 1) * sx, u, u + 1) * overlap(y * sy, (y + 1) * sy, v, v + 1) / (sx * sy);
        const source = ((box.y + v) * SIDE + box.x + u) * 3;
        for (let c = 0; c < 3; ++c) out[(y * width + x) * 3 + c] += share * rgb[source + c];
      }
    }
  }
  return out;
}

test('max_side: the heat and pictures drawn with the longer side at most max_side, over the crop averaged down', () => {
  const full = explainOne(explainer, 'grad-cam', { crop: CROP });
  const small = explainOne(explainer, 'grad-cam', { crop: CROP, max_side: 48, alpha: 0 });
  const [width, height] = [48, 44];  // 120 x 110 scaled by 48 / 120, rounded
  assert.deepEqual(small.raw, full.raw, 'the raw map does not depend on how it is drawn');
  for (const picture of [small.heat, small.pictures.overlay, small.pictures.heatmap]) {
    assert.deepEqual([picture.width, picture.height], [width, height]);
  }
  const expected = areaAverage(CROP, width, height);
  for (let p = 0; p < width * height; ++p) {
    for (let c = 0; c < 3; ++c) {
      assert.ok(Math.abs(small.pictures.overlay.rgba[p * 4 + c] - expected[p * 3 + c]) <= 0.5 + 1e-3,
        `alpha 0 shows the crop averaged down: pixel ${p} channel ${c}`);
    }
  }
  const roomy = explainOne(explainer, 'grad-cam', { crop: CROP, max_side: 120 });
  assert.deepEqual([roomy.heat.values, roomy.pictures.overlay.rgba], [full.heat.values, full.pictures.overlay.rgba],
    'a crop within max_side is drawn at its size');

  const view = explainer.view({ methods: ['cam', 'saliency'], crop: CROP, max_side: 48, top_k: 2, thumbnail_side: 24 });
  for (const e of view.explanations) {
    assert.deepEqual([e.heat.width, e.heat.height, e.pictures.overlay.width, e.pictures.overlay.height], [width, height, width, height], e.method);
  }
  for (const e of view.top_k) {
    assert.deepEqual([e.heat.width, e.heat.height, e.pictures.heatmap.width, e.pictures.heatmap.height], [24, 22, 24, 22], `top-K ${e.label}`);
  }
  expectError(() => explainer.view({ methods: ['cam'], max_side: 0 }), /view request\.max_side must be a whole number from 1 to \d+, got 0/);
  expectError(() => explainer.view({ methods: ['cam'], max_side: 2.5 }), /view request\.max_side must be a whole number .* got 2\.5/);
});

test('top-K from one forward pass; the layer sweep at every explainable layer in graph order', () => {
  const fresh = emotionExplainer(camlens);
  const view = fresh.view({ crop: CROP, top_k: 3, layer_sweep: true, class: HAPPY, strip_method: 'grad-cam' });
  assert.equal(view.passes.forward, 1);
  const ranking = view.prediction.classes.slice(0, 3).map((c) => c.class);
  assert.deepEqual(view.top_k.map((e) => e.class), ranking);
  for (const e of view.top_k) assertNotBlank(Array.from(e.raw.values), `top-K ${e.label}`);
  assert.notDeepEqual(view.top_k[0].raw.values, view.top_k[1].raw.values);

  assert.deepEqual(view.layer_sweep.map((e) => e.layer), EXPLAINABLE);
  for (const e of view.layer_sweep) {
    const [h, w] = layerShape(e.layer);
    assert.deepEqual([e.raw.height, e.raw.width, e.class, e.method], [h, w, HAPPY, 'grad-cam']);
    assert.deepEqual([e.heat.width, e.heat.height], [CROP.width, CROP.height]);
  }
  // The sweep's map at the head conv is Grad-CAM's there, made by another explainer.
  const alone = explainOne(explainer, 'grad-cam', { crop: CROP, layer: HEAD_CONV, class: HAPPY });
  assert.equal(alone.reused, false);
  assert.deepEqual(view.layer_sweep.at(-1).raw.values, alone.raw.values);
  // More classes than the model has: every class, best first.
  assert.equal(fresh.view({ top_k: 9 }).top_k.length, 7);
  fresh.delete();
});

test('activation maximisation: an RGBA picture that raises the class logit; by channel too; the next view is right', () => {
  const fresh = emotionExplainer(camlens);
  const before = fresh.view({ methods: ['grad-cam'] });
  const happy = fresh.visualize({ class: HAPPY, steps: 8, start: 'noise', seed: 3 });
  assert.deepEqual([happy.width, happy.height, happy.rgba.length], [64, 64, 64 * 64 * 4]);
  assert.ok(happy.rgba instanceof Uint8ClampedArray);
  assert.ok(happy.final_objective > happy.initial_objective, `${happy.initial_objective} -> ${happy.final_objective}`);
  const channel = fresh.visualize({ layer: EXPLAINABLE[3], channel: 5, steps: 4 });
  assert.ok(channel.final_objective > channel.initial_objective);
  expectError(() => fresh.visualize({ class: HAPPY, start: 'white' }), /start must be 'gray' or 'noise'/);
  expectError(() => fresh.visualize({ layer: EXPLAINABLE[3] }), /a layer needs a channel/);
  const after = fresh.view({ methods: ['grad-cam'], class: SAD });
  assert.deepEqual(after.prediction, before.prediction);
  assert.deepEqual(after.explanations[0].raw, explainOne(explainer, 'grad-cam', { crop: WHOLE, class: SAD }).raw);
  fresh.delete();
});

test('a progress callback that returns false cancels a view with a CancelledError; the explainer works after', () => {
  const fresh = emotionExplainer(camlens);
  const stages = [];
  expectError(() => fresh.view({ methods: ['score-cam'] }, (fraction, stage) => {
    stages.push([fraction, stage]);
    return stages.length < 2;
  }, undefined), /cancelled/, 'CancelledError');
  assert.equal(stages.length, 2, 'no step after the one that said stop');
  assert.ok(stages.every(([fraction, stage]) => fraction >= 0 && fraction <= 1 && typeof stage === 'string'));
  assertStillWorks(fresh);

  let calls = 0;
  expectError(() => fresh.view({ methods: [{ name: 'smooth-grad', params: { samples: 40 } }] }, () => ++calls < 3, undefined),
    /cancelled/, 'CancelledError');
  assert.equal(calls, 3);
  expectError(() => fresh.visualize({ class: HAPPY, steps: 50 }, () => false), /cancel/, 'CancelledError');
  assertStillWorks(fresh);

  // A callback that lets it run sees the fraction climb to 1.
  const fractions = [];
  fresh.view({ methods: [quick('occlusion'), 'grad-cam'], top_k: 2 }, (fraction) => fractions.push(fraction), undefined);
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), fractions.join(' '));
  expectError(() => fresh.view({}, 'fast', undefined), /the progress callback must be a function/);
  fresh.delete();
});

test('bad requests throw an Error that says what was wrong; the explainer keeps working', () => {
  expectError(() => explainer.setImage(rgba.subarray(0, 100), SIDE, SIDE),
    /a 140x140 RGBA image needs 78400 bytes \(4 per pixel\), got 100/);
  expectError(() => explainer.view({ methods: ['grad-cam-3'] }), /no method named 'grad-cam-3'; known methods: cam,/);
  expectError(() => explainer.view({ methods: ['grad-cam'], class: 7 }), /target class 7 is out of range/);
  expectError(() => explainer.view({ methods: ['grad-cam'], classes: [HAPPY, 9] }), /target class 9 is out of range/);
  expectError(() => explainer.view({ methods: ['grad-cam'], class: -1 }), /view request\.class must be a whole number from 0/);
  expectError(() => explainer.view({ methods: ['grad-cam'], crop: { x: 100, y: 100, width: 60, height: 60 } }),
    /crop box x=100 y=100 width=60 height=60 is not inside the 140x140 image/);
  expectError(() => explainer.view({ crop: { x: 0, y: 0, width: 60 } }), /crop needs x, y, width and height in pixels/);
  expectError(() => explainer.view({ crop: { x: -3, y: 0, width: 60, height: 60 } }), /view request: crop\.x must be a whole number from 0/);
  expectError(() => explainer.view({ crop: [0, 0, 60, 60] }), /view request: crop must be an object, got \[0(\.0)?,/);
  expectError(() => explainer.view({ methods: ['grad-cam'], colormap: 'rainbow' }), /rainbow/);
  expectError(() => explainer.view({ methods: ['grad-cam'], alpha: 2 }), /view request\.alpha must be a number from 0 to 1, got 2/);
  expectError(() => explainer.view({ methods: [{ name: 'smooth-grad', params: { sample: 3 } }] }),
    /unknown parameter 'sample'; it takes samples, sigma, seed/);
  expectError(() => explainer.view({ methods: [{ params: {} }] }), /methods\[0\] needs a name/);
  // Unknown fields and wrong types: a typo is reported, not ignored.
  expectError(() => explainer.view({ method: 'grad-cam' }), /view request: unknown field 'method'; the fields are crop, class, classes,/);
  expectError(() => explainer.view({ methods: ['cam'], colour: 'jet' }), /unknown field 'colour'/);
  expectError(() => explainer.view({ methods: 'grad-cam' }), /view request: methods must be an array/);
  expectError(() => explainer.view({ methods: ['cam'], smooth: 'yes' }), /view request\.smooth must be true or false, got "yes"/);
  expectError(() => explainer.view({ methods: ['cam'], layer: 3 }), /view request\.layer must be a string, got 3/);
  expectError(() => explainer.view({ methods: ['cam'], class: HAPPY, classes: [HAPPY] }), /give class or classes, not both/);
  expectError(() => explainer.view('grad-cam'), /view request must be an object, got "grad-cam"/);
  expectError(() => explainer.view({ methods: [() => 'cam'] }), /a function cannot be sent to the engine/);
  // A deeply nested (or cyclic) object is refused before it is read.
  let nested = {};
  for (let i = 0; i < 40; ++i) nested = { params: nested };
  expectError(() => explainer.view({ methods: [{ name: 'cam', params: nested }] }), /nested deeper than 16 levels/);
  const cycle = { name: 'cam' };
  cycle.params = cycle;
  expectError(() => explainer.view({ methods: [cycle] }), /nested deeper than 16 levels/);
  expectError(() => explainer.view({ methods: ['saliency'], layer_sweep: true, strip_method: 'saliency' }), /layer sweep needs a layer method/);
  assertStillWorks();
});

test('a layer the method cannot explain is a failure of that method alone', () => {
  const view = explainer.view({ crop: CROP, methods: ['grad-cam', 'saliency'], layer: 'conv9' });
  assert.deepEqual(view.failures.map((f) => f.method), ['grad-cam']);
  assert.match(view.failures[0].message, /no layer named 'conv9'/);
  assert.deepEqual(view.explanations.map((e) => e.method), ['saliency']);
});

test('bad model files throw an Error that says what was wrong', () => {
  expectError(() => new camlens.Explainer('{"modelTopology": ', shards, metadataJson), /^model\.json is not valid JSON/);
  expectError(() => new camlens.Explainer(modelJson, [{ name: 'emotion.bin', bytes: weights.subarray(0, 1000) }],
    metadataJson), /shard file 'emotion\.bin' is too short: .* the file is truncated or does not belong to this model/);
  expectError(() => new camlens.Explainer(modelJson, [], metadataJson),
    /the manifest needs the shard file 'emotion\.bin', which was not given/);
  for (const shard of [{ name: 'emotion.bin', bytes: Array.from(weights.subarray(0, 8)) }, { name: 'emotion.bin', bytes: weights.buffer },
    { name: 7, bytes: weights }, 'emotion.bin']) {
    expectError(() => new camlens.Explainer(modelJson, [shard], metadataJson), /Explainer: shards\[0\] must be \{name: string, bytes: Uint8Array\}/);
  }
  expectError(() => new camlens.Explainer(modelJson, shards, '{"labels": 3}'), /metadata\.json\.labels must be an array, got number/);
  assertStillWorks();
});

test('threads: Node has no workers, so one thread; more is an Error and the explainer still works', () => {
  assert.equal(camlens.maxThreads, 1);
  assert.equal(camlens.threadCount(), 1);
  expectError(() => camlens.setThreadCount(2), /asked for 2 threads, but this WebAssembly module can run 1/);
  expectError(() => camlens.setThreadCount(0), /needs at least 1 thread, got 0/);
  camlens.setThreadCount(1);
  assert.equal(camlens.threadCount(), 1);
  assertStillWorks();
});

test('the raw maps equal the native CLI\'s (camlens explain --json) within 1e-4 of their largest value', (t) => {
  const cli = path.join(root, 'build/native/camlens');
  if (!fs.existsSync(cli)) {
    assert.fail(`${cli} is missing: build the native targets first (scripts/build.sh)`);
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-bridge-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const methods = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
  const crop = `${CROP.x},${CROP.y},${CROP.width},${CROP.height}`;
  const run = spawnSync(cli, ['explain', FACE_PNG, '--method', methods.join(','), '--crop', crop, '--json', '--quiet',
    '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const native = JSON.parse(fs.readFileSync(path.join(out, 'astronaut_face.json'), 'utf8'));
  const fresh = emotionExplainer(camlens);
  const view = fresh.view({ methods, crop: CROP });
  fresh.delete();
  for (const name of methods) {
    const theirs = native.explanations.find((e) => e.method === name);
    const ours = view.explanations.find((e) => e.method === name);
    assert.deepEqual([ours.raw.height, ours.raw.width], [theirs.raw.height, theirs.raw.width], name);
    assert.equal(ours.class, theirs.class);
    assert.equal(ours.layer, theirs.layer);
    const scale = maxAbs(ours.raw.values);
    let worst = 0;
    ours.raw.values.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - theirs.raw.values[i])); });
    console.log(`${name}: max |WASM - native| = ${(worst / scale).toExponential(2)} of max |map| ${scale.toExponential(3)}`);
    assert.ok(worst <= 1e-4 * scale, `${name}: ${worst} > 1e-4 * ${scale}`);
  }
});
