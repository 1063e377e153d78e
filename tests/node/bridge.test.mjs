// The page's bridge (wasm/bindings/bindings.cpp, build/wasm/camlens.mjs) in Node: what web/js/worker.js
// calls, on the emotion model and the astronaut's face (tests/fixtures/images/astronaut_face.rgb,
// 140x140, given as RGBA as the browser's ImageData holds it). Describe, predict, every registered
// method, top-K, layer sweep, recolouring, activation maximisation, cancelling, bad input, and the
// raw maps of the native CLI (build/native/camlens). The heap check is in bridge_heap.test.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, loadCamlens, readModelFiles } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const shards = [{ name: 'emotion.bin', bytes: weights }];
const HEAD_CONV = 'StatefulPartitionedCall/model_1/conv2d_5/BiasAdd';  // CAM's own layer
const LAST_FEATURES = 'StatefulPartitionedCall/model_1/add_2/add';  // the metadata's default
const LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const HAPPY = 3;
const SIDE = 140;
const FACE_PNG = path.join(root, 'tests/fixtures/images/astronaut_face.png');
const rgb = new Uint8Array(fs.readFileSync(path.join(root, 'tests/fixtures/images/astronaut_face.rgb')));
const CROP = { x: 10, y: 5, width: 120, height: 110 };  // off-centre and not square

// RGB bytes -> RGBA, opaque, as ImageData holds them.
function toRgba(bytes) {
  const out = new Uint8ClampedArray((bytes.length / 3) * 4);
  for (let p = 0, q = 0; p < bytes.length; p += 3, q += 4) {
    out.set(bytes.subarray(p, p + 3), q);
    out[q + 3] = 255;
  }
  return out;
}
const rgba = toRgba(rgb);

const camlens = await loadCamlens();
const model = new camlens.Model(modelJson, shards, metadataJson);
const image = new camlens.Image(rgba, SIDE, SIDE);
const info = model.describe();
const layerShape = (name) => info.nodes.find((node) => node.name === name).shape;

// Quick settings for the slow methods: the test checks the bridge, not their defaults.
const QUICK = {
  'smooth-grad': { samples: 3 },
  'integrated-gradients': { steps: 4 },
  occlusion: { patch: 16, stride: 16 },
};

function maxAbs(values) {
  return values.reduce((worst, v) => Math.max(worst, Math.abs(v)), 0);
}

function assertNotBlank(values, what) {
  assert.ok(values.every(Number.isFinite), `${what}: non-finite values`);
  assert.ok(Math.max(...values) > Math.min(...values), `${what} is blank (every value ${values[0]})`);
}

function expectError(call, pattern, name = 'Error') {
  assert.throws(call, (e) => e instanceof Error && e.name === name && pattern.test(e.message),
    `expected a JS ${name} matching ${pattern}`);
}

// The model still explains after a failure.
function assertStillWorks() {
  const prediction = model.predict(image, null, 1);
  assert.equal(prediction.classes[0].index, HAPPY);
  assert.equal(model.explain(image, { method: 'grad-cam' }).classIndex, HAPPY);
}

test('describe: labels, default layer, explainable layers and the method registry with what applies', () => {
  assert.deepEqual(info.labels, LABELS);
  assert.equal(info.defaultLayer, LAST_FEATURES);
  assert.equal(info.metadata.crop, 'center');
  assert.ok(info.explainable.includes(HEAD_CONV) && info.explainable.length >= 10, info.explainable.join(', '));
  assert.deepEqual(info.methods.map((m) => m.name),
    ['cam', 'grad-cam', 'grad-cam++', 'hires-cam', 'xgrad-cam', 'layer-cam', 'eigen-cam', 'score-cam', 'saliency',
     'gradient-x-input', 'smooth-grad', 'integrated-gradients', 'guided-backprop', 'guided-grad-cam', 'occlusion']);
  for (const method of info.methods) {
    assert.ok(method.title && method.summary, method.name);
    assert.equal(method.applies, true, `${method.name} applies at the head conv: ${method.why}`);
    assert.equal(method.why, undefined);
  }
  const byName = Object.fromEntries(info.methods.map((m) => [m.name, m]));
  assert.equal(byName.saliency.perPixel, true);
  assert.equal(byName['grad-cam'].perPixel, false);
  assert.equal(byName['score-cam'].slow, true);
  assert.equal(byName.cam.slow, false);
  // CAM names the one layer it is defined at, so the page can explain it there whatever layer is chosen.
  assert.equal(byName.cam.ownLayer, HEAD_CONV);
  assert.equal(byName['grad-cam'].ownLayer, undefined);

  // CAM holds only where the global average pool reads; everything else still applies there.
  const earlier = model.methods(info.explainable[0]);
  const cam = earlier.find((m) => m.name === 'cam');
  assert.equal(cam.applies, false);
  assert.match(cam.why, /CAM's identity holds only at the layer the global average pool reads/);
  assert.ok(earlier.filter((m) => m.name !== 'cam').every((m) => m.applies));
});

test('predict: happy on the face, top-K sorted, the crop used, a forward time', () => {
  const prediction = model.predict(image, null, 5);
  assert.equal(prediction.classes.length, 5);
  assert.deepEqual(prediction.classes[0].label, 'happy');
  assert.ok(prediction.classes[0].probability > 0.999, `p(happy) ${prediction.classes[0].probability}`);
  for (let i = 1; i < 5; ++i) assert.ok(prediction.classes[i - 1].probability >= prediction.classes[i].probability);
  assert.ok(prediction.classes.every((c) => Number.isFinite(c.logit) && LABELS[c.index] === c.label));
  assert.deepEqual(prediction.crop, { x: 0, y: 0, width: SIDE, height: SIDE });  // the metadata's centre square
  assert.ok(prediction.timings.forward > 0);
  assert.deepEqual(model.predict(image, CROP, 7).crop, CROP);
  assert.equal(model.predict(image, CROP, 7).classes.length, 7);
});

test('every registered method: a non-blank raw map of the promised size, heat 0..1 at the crop, RGBA pictures', () => {
  for (const { name, perPixel } of info.methods) {
    const e = model.explain(image, { method: name, crop: CROP, colormap: 'viridis', alpha: 0.5, params: QUICK[name] });
    assert.equal(e.method, name);
    assert.equal(e.classIndex, HAPPY);
    assert.equal(e.label, 'happy');
    assert.ok(e.probability > 0.9, `${name}: probability ${e.probability}`);
    assert.deepEqual(e.crop, CROP);
    // Guided Grad-CAM works at the layer but multiplies guided backpropagation's input-sized map.
    // CAM explains the layer its global average pool reads unless a layer is asked for.
    const layer = name === 'cam' ? HEAD_CONV : LAST_FEATURES;
    const [h, w] = perPixel || name === 'guided-grad-cam' ? [64, 64] : layerShape(layer);
    assert.equal(e.layer, perPixel ? info.input : layer);
    assert.deepEqual([e.map.height, e.map.width, e.map.values.length], [h, w, h * w], name);
    assert.ok(e.map.values instanceof Float32Array);
    assertNotBlank(Array.from(e.map.values), `${name} raw map`);
    assert.deepEqual([e.heat.width, e.heat.height], [CROP.width, CROP.height]);
    assert.ok(e.heat.values.every((v) => v >= 0 && v <= 1), `${name}: heat outside 0..1`);
    assert.ok(Math.max(...e.heat.values) > 0.99, `${name}: heat is not min-max normalised`);
    for (const picture of [e.overlay, e.heatmap]) {
      assert.deepEqual([picture.width, picture.height], [CROP.width, CROP.height]);
      assert.ok(picture.data instanceof Uint8ClampedArray);
      assert.equal(picture.data.length, CROP.width * CROP.height * 4);
      assert.ok(picture.data.every((v, i) => i % 4 !== 3 || v === 255), `${name}: not opaque`);
    }
    assert.ok(e.weights === null || (e.weights instanceof Float32Array && e.weights.length === layerShape(layer)[2]), name);
    for (const step of ['forward', 'backward', 'method', 'postprocess']) {
      assert.ok(Number.isFinite(e.timings[step]) && e.timings[step] >= 0, `${name}: timings.${step}`);
    }
  }
});

test('explain options: class, layer, smooth false gives the raw cells, colormap and alpha change the pictures', () => {
  const base = { method: 'grad-cam', crop: CROP };
  const sad = model.explain(image, { ...base, classIndex: 4 });
  assert.deepEqual([sad.classIndex, sad.label], [4, 'sad']);

  const layer = info.explainable[2];
  const early = model.explain(image, { ...base, layer });
  const [h, w] = layerShape(layer);
  assert.deepEqual([early.layer, early.map.height, early.map.width], [layer, h, w]);

  const smooth = model.explain(image, base);
  const cells = model.explain(image, { ...base, smooth: false });
  assert.deepEqual(cells.map.values, smooth.map.values);
  assert.ok(new Set(cells.heat.values).size <= 64, 'an 8x8 map upsampled by nearest has at most 64 values');
  assert.ok(new Set(smooth.heat.values).size > 64);

  const gray = model.explain(image, { ...base, colormap: 'gray', alpha: 1 });
  for (let p = 0; p < 50; ++p) {
    const [r, g, b] = gray.heatmap.data.subarray(p * 4, p * 4 + 3);
    assert.ok(r === g && g === b, 'the gray colormap is gray');
    assert.deepEqual(Array.from(gray.overlay.data.subarray(p * 4, p * 4 + 4)), [r, g, b, 255], 'alpha 1: heat only');
  }
  const transparent = model.explain(image, { ...base, alpha: 0 });  // the crop of the photo itself
  const row = CROP.y * SIDE + CROP.x;
  assert.deepEqual(Array.from(transparent.overlay.data.subarray(0, 3)), Array.from(rgb.subarray(row * 3, row * 3 + 3)));
});

test('render recolours without explaining again: from the raw map (smooth or not) or from the heat', () => {
  const e = model.explain(image, { method: 'grad-cam', crop: CROP });
  const again = model.render(image, { map: e.map, crop: CROP, colormap: 'jet', alpha: 0.4, smooth: true });
  assert.deepEqual(again.heat.values, e.heat.values);
  assert.deepEqual(again.overlay.data, e.overlay.data);
  assert.deepEqual(again.heatmap.data, e.heatmap.data);

  const inferno = model.render(image, { heat: e.heat, crop: CROP, colormap: 'inferno', alpha: 0.7 });
  assert.notDeepEqual(inferno.heatmap.data, e.heatmap.data);
  assert.notDeepEqual(inferno.overlay.data, e.overlay.data);
  const cells = model.render(image, { map: e.map, crop: CROP, smooth: false });
  assert.deepEqual(cells.heat.values, model.explain(image, { method: 'grad-cam', crop: CROP, smooth: false }).heat.values);

  expectError(() => model.render(image, { crop: CROP }), /needs map .* or heat/);
  expectError(() => model.render(image, { heat: e.heat, crop: null }), /neither the crop's size 140 x 140 nor that crop shrunk/);
});

// The crop's RGB averaged down to width x height, each source pixel weighted by how much of an
// output pixel it covers: what the overlay is blended over when maxSide shrinks it.
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

test('maxSide: the heat and pictures drawn with the longer side at most maxSide, over the crop averaged down', () => {
  const full = model.explain(image, { method: 'grad-cam', crop: CROP });
  const small = model.explain(image, { method: 'grad-cam', crop: CROP, maxSide: 48, alpha: 0 });
  const [width, height] = [48, 44];  // 120 x 110 scaled by 48 / 120, rounded
  assert.deepEqual(small.map, full.map, 'the raw map does not depend on how it is drawn');
  for (const picture of [small.heat, small.overlay, small.heatmap]) assert.deepEqual([picture.width, picture.height], [width, height]);
  assert.deepEqual(small.heat.values, model.render(image, { map: full.map, crop: CROP, maxSide: 48 }).heat.values);
  const expected = areaAverage(CROP, width, height);
  for (let p = 0; p < width * height; ++p) {
    for (let c = 0; c < 3; ++c) {
      assert.ok(Math.abs(small.overlay.data[p * 4 + c] - expected[p * 3 + c]) <= 0.5 + 1e-3,
        `alpha 0 shows the crop averaged down: pixel ${p} channel ${c}`);
    }
  }
  const roomy = model.explain(image, { method: 'grad-cam', crop: CROP, maxSide: 120 });
  assert.deepEqual([roomy.heat.values, roomy.overlay.data], [full.heat.values, full.overlay.data], 'a crop within maxSide is drawn at its size');

  const recoloured = model.render(image, { heat: small.heat, crop: CROP, colormap: 'inferno', alpha: 0.7 });
  assert.deepEqual([recoloured.overlay.width, recoloured.overlay.height], [width, height], 'a heat is drawn at its own size');
  for (const e of model.explainMany(image, { methods: ['cam', 'saliency'], crop: CROP, maxSide: 48 })) {
    assert.deepEqual([e.heat.width, e.heat.height, e.overlay.width, e.overlay.height], [width, height, width, height], e.method);
  }
  expectError(() => model.explain(image, { method: 'cam', maxSide: 0 }), /maxSide must be at least 1 pixel, got 0/);
  expectError(() => model.explain(image, { method: 'cam', maxSide: 2.5 }), /maxSide must be a whole number/);
  expectError(() => model.render(image, { heat: small.heat, crop: { x: 0, y: 0, width: 140, height: 70 } }),
    /options.heat is 44 x 48 .* neither the crop's size 70 x 140/);
});

test('top-K from one forward pass; the layer sweep at every explainable layer in graph order', () => {
  const top = model.topK(image, { k: 3, method: 'grad-cam', crop: CROP });
  const ranking = model.predict(image, CROP, 3).classes.map((c) => c.index);
  assert.deepEqual(top.map((e) => e.classIndex), ranking);
  for (const e of top) assertNotBlank(Array.from(e.map.values), `top-K ${e.label}`);
  assert.notDeepEqual(top[0].map.values, top[1].map.values);

  const sweep = model.layerSweep(image, { method: 'grad-cam', crop: CROP, classIndex: HAPPY });
  assert.deepEqual(sweep.map((e) => e.layer), info.explainable);
  for (const e of sweep) {
    const [h, w] = layerShape(e.layer);
    assert.deepEqual([e.map.height, e.map.width, e.classIndex], [h, w, HAPPY]);
    assert.deepEqual([e.heat.width, e.heat.height], [CROP.width, CROP.height]);
  }
  // The sweep's map at the head conv is Grad-CAM's there.
  assert.deepEqual(sweep.at(-1).map.values, model.explain(image, { method: 'grad-cam', crop: CROP, layer: HEAD_CONV }).map.values);
});

test('activation maximisation: an RGBA picture that raises the class logit; by channel too', () => {
  const happy = model.activationMaximization({ classIndex: HAPPY, steps: 8, start: 'noise', seed: 3 }, undefined);
  assert.deepEqual([happy.width, happy.height, happy.data.length], [64, 64, 64 * 64 * 4]);
  assert.ok(happy.data instanceof Uint8ClampedArray);
  assert.ok(happy.finalObjective > happy.initialObjective, `${happy.initialObjective} -> ${happy.finalObjective}`);
  const channel = model.activationMaximization({ layer: info.explainable[3], channel: 5, steps: 4 }, undefined);
  assert.ok(channel.finalObjective > channel.initialObjective);
  expectError(() => model.activationMaximization({ classIndex: HAPPY, start: 'white' }, undefined),
    /start must be 'gray' or 'noise'/);
});

test('a progress callback that returns false cancels a slow method with a CancelledError; the model works after', () => {
  const stages = [];
  expectError(() => model.explain(image, { method: 'score-cam', params: {} }, (fraction, stage) => {
    stages.push([fraction, stage]);
    return stages.length < 2;
  }), /cancelled by the progress callback/, 'CancelledError');
  assert.equal(stages.length, 2, 'no step after the one that said stop');
  assert.ok(stages.every(([fraction, stage]) => fraction >= 0 && fraction <= 1 && typeof stage === 'string'));
  assertStillWorks();

  let calls = 0;
  expectError(() => model.explain(image, { method: 'smooth-grad', params: { samples: 40 } }, () => ++calls < 3),
    /cancelled/, 'CancelledError');
  expectError(() => model.activationMaximization({ classIndex: HAPPY, steps: 50 }, () => false), /cancel/,
    'CancelledError');
  assertStillWorks();

  // A callback that lets it run sees the fraction climb to 1.
  const fractions = [];
  model.explain(image, { method: 'occlusion', params: QUICK.occlusion }, (fraction) => fractions.push(fraction));
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]));
});

test('bad input throws an Error that says what was wrong; the loaded model keeps working', () => {
  expectError(() => new camlens.Image(rgba.subarray(0, 100), SIDE, SIDE),
    /a 140x140 RGBA image needs 78400 bytes \(4 per pixel\), got 100/);
  expectError(() => model.explain(image, { method: 'grad-cam-3' }), /no method named 'grad-cam-3'; known methods: cam,/);
  expectError(() => model.explain(image, { method: 'grad-cam', layer: 'conv9' }),
    /the model has no layer named 'conv9'; spatial layers feeding the logits:/);
  expectError(() => model.explain(image, { method: 'grad-cam', classIndex: 7 }), /target class 7 is out of range/);
  expectError(() => model.explain(image, { method: 'grad-cam', crop: { x: 100, y: 100, width: 60, height: 60 } }),
    /the crop box x=100 y=100 width=60 height=60 is not inside the 140x140 image/);
  expectError(() => model.explain(image, { method: 'grad-cam', colormap: 'rainbow' }), /rainbow/);
  expectError(() => model.explain(image, { method: 'grad-cam', alpha: 2 }), /alpha must be from 0 to 1, got 2/);
  expectError(() => model.explain(image, { method: 'smooth-grad', params: { sample: 3 } }),
    /unknown parameter 'sample'; it takes samples, sigma, seed/);
  expectError(() => model.explain(image, {}), /method is missing/);
  expectError(() => model.topK(image, { method: 'grad-cam', k: 9 }), /target rank 7 is out of range/);
  expectError(() => model.layerSweep(image, { method: 'saliency' }), /the layer sweep needs a layer method/);
  assertStillWorks();

  expectError(() => new camlens.Model('{"modelTopology": ', shards, metadataJson), /^model\.json is not valid JSON/);
  expectError(() => new camlens.Model(modelJson, [{ name: 'emotion.bin', bytes: weights.subarray(0, 1000) }],
    metadataJson), /shard file 'emotion\.bin' is too short: .* the file is truncated or does not belong to this model/);
  expectError(() => new camlens.Model(modelJson, [], metadataJson),
    /the manifest needs the shard file 'emotion\.bin', which was not given/);
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
  for (const name of methods) {
    const theirs = native.explanations.find((e) => e.method === name);
    const ours = model.explain(image, { method: name, crop: CROP });
    assert.deepEqual([ours.map.height, ours.map.width], [theirs.raw.height, theirs.raw.width], name);
    assert.equal(ours.classIndex, theirs.class);
    const scale = maxAbs(ours.map.values);
    let worst = 0;
    ours.map.values.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - theirs.raw.values[i])); });
    console.log(`${name}: max |WASM - native| = ${(worst / scale).toExponential(2)} of max |map| ${scale.toExponential(3)}`);
    assert.ok(worst <= 1e-4 * scale, `${name}: ${worst} > 1e-4 * ${scale}`);
  }
});
