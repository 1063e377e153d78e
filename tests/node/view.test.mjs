// Explainer.view (wasm/bindings/bindings.cpp over explain/explainer.h) on the emotion model and the
// astronaut's face: what the page's worker asks for. One view of several methods equals each
// method's own view bit for bit; every result and every streamed part follows the result schema
// (docs/result.schema.json); maps are kept between views, so a recolouring runs no pass, a class
// change backward passes only and a crop change one forward pass.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, expectError, emotionExplainer } from './support.mjs';
import { checkResult } from '../schema.mjs';

const HAPPY = 3;
const SAD = 4;
const CROP = { x: 10, y: 5, width: 120, height: 110 };

const camlens = await loadCamlens();
const explainer = emotionExplainer(camlens);
const info = explainer.describe();
const FAST = info.methods.filter((m) => !m.slow).map((m) => m.name);
const EXPLAINABLE = info.layers.filter((layer) => layer.explainable).map((layer) => layer.name);

// A map without what depends on the call rather than the map: its timings and whether it was kept.
function withoutTimings({ timings_ms: timings, reused, ...rest }) {
  assert.ok(['forward', 'backward', 'map', 'postprocess'].every((step) => Number.isFinite(timings[step])));
  assert.equal(typeof reused, 'boolean');
  return rest;
}

// Each method of `request` alone, in a new explainer, gives the map `view` gave it.
function assertSameAsSeparateViews(view, request, names) {
  assert.deepEqual(view.explanations.map((e) => e.method), names);
  for (const [i, method] of request.methods.entries()) {
    const alone = emotionExplainer(camlens);
    const own = alone.view({ ...request, methods: [method] });
    alone.delete();
    assert.equal(own.explanations.length, 1);
    assert.deepEqual(withoutTimings(view.explanations[i]), withoutTimings(own.explanations[0]),
      `${names[i]}: differs from its own view`);
  }
}

const STREAMED = { crop: CROP, methods: ['grad-cam', { name: 'occlusion', params: { patch: 16, stride: 16 } }, 'saliency'],
                   top_k: 2, layer_sweep: true, max_side: 64, thumbnail_side: 32 };

// A view of STREAMED by a new explainer, and the parts it streamed.
function streamedView() {
  const fresh = emotionExplainer(camlens);
  const parts = [];
  const view = fresh.view(STREAMED, undefined, (part) => parts.push(part));
  fresh.delete();
  return { view, parts };
}

test('describe() and views (with maps, failures, notes, without pictures) follow the result schema', () => {
  checkResult(info);
  const { view } = streamedView();
  checkResult(view);
  assert.deepEqual([view.version, view.kind, view.part], [1, 'view', undefined]);
  const fresh = emotionExplainer(camlens);
  const noted = checkResult(fresh.view({ methods: ['cam', 'grad-cam'], layer: EXPLAINABLE[0] }));
  assert.ok(noted.explanations[0].note);
  const failed = checkResult(fresh.view({ methods: ['grad-cam'], layer: 'conv9' }));
  assert.equal(failed.failures.length, 1);
  checkResult(fresh.view({ methods: ['grad-cam'], pictures: false }));
  fresh.delete();
  // The checker is not a rubber stamp: a wrong field fails it.
  assert.throws(() => checkResult({ ...view, passes: { forward: -1, backward: 0 } }), /not a camlens result/);
  assert.throws(() => checkResult({ ...info, methods: [{ name: 'cam' }] }), /not a camlens result/);
});

test('parts stream in order (the prediction, the fast maps, the strips, each slow method) and add up to the view', () => {
  const { view, parts } = streamedView();
  assert.ok(parts.every((part) => part.version === 1 && part.kind === 'view' && part.part === true));
  const fields = (part) => Object.keys(part).filter((key) => !['version', 'kind', 'part', 'image', 'crop'].includes(key));
  assert.deepEqual(parts.map(fields), [['prediction'], ['explanations'], ['top_k', 'layer_sweep'], ['explanations']]);
  assert.deepEqual(parts[0].prediction, view.prediction);
  assert.deepEqual([parts[0].image, parts[0].crop], [view.image, view.crop]);
  assert.deepEqual([...parts[1].explanations, ...parts[3].explanations].map(withoutTimings), view.explanations.map(withoutTimings));
  assert.deepEqual(parts[2].top_k.map(withoutTimings), view.top_k.map(withoutTimings));
  assert.deepEqual(parts[2].layer_sweep.map(withoutTimings), view.layer_sweep.map(withoutTimings));
  assert.deepEqual(view.explanations.map((e) => e.method), ['grad-cam', 'saliency', 'occlusion']);
});

test('every streamed part follows the result schema, with the view\'s image and crop', () => {
  const { view, parts } = streamedView();
  for (const part of parts) {
    checkResult(part);
    assert.deepEqual([part.image, part.crop], [view.image, view.crop]);
  }
});

test('a recolouring runs no pass, a class change only backward passes, a crop change one forward pass', () => {
  const fresh = emotionExplainer(camlens);
  const request = { crop: CROP, methods: ['grad-cam', 'grad-cam++', 'saliency'], top_k: 2 };
  const first = fresh.view(request);
  assert.equal(first.passes.forward, 1);
  assert.ok(first.passes.backward >= 1);
  assert.ok(first.explanations.every((e) => !e.reused));

  const recoloured = fresh.view({ ...request, colormap: 'gray', alpha: 0.9 });
  assert.deepEqual(recoloured.passes, { forward: 0, backward: 0 });
  assert.ok([...recoloured.explanations, ...recoloured.top_k].every((e) => e.reused));
  assert.deepEqual(recoloured.explanations.map((e) => e.raw), first.explanations.map((e) => e.raw));
  assert.notDeepEqual(recoloured.explanations[0].pictures.overlay.rgba, first.explanations[0].pictures.overlay.rgba);
  assert.equal(recoloured.timings_ms.forward, 0);
  const redrawn = fresh.view({ ...request, smooth: false, max_side: 50 });
  assert.deepEqual(redrawn.passes, { forward: 0, backward: 0 }, 'drawing at another size or upsampling runs no pass either');

  const sad = fresh.view({ ...request, class: SAD });
  assert.deepEqual(sad.passes.forward, 0);
  assert.equal(sad.passes.backward, 1, 'the three methods share one backward pass for the new class');
  assert.ok(sad.explanations.every((e) => e.class === SAD && !e.reused));
  assert.ok(sad.top_k.every((e) => e.reused), 'the strip\'s classes did not change');

  const cropped = fresh.view({ ...request, crop: { x: 0, y: 0, width: 100, height: 100 } });
  assert.equal(cropped.passes.forward, 1);
  assert.ok(cropped.timings_ms.forward > 0);
  assert.ok(cropped.explanations.every((e) => !e.reused));
  const added = fresh.view({ ...request, crop: { x: 0, y: 0, width: 100, height: 100 }, methods: [...request.methods, 'cam'] });
  assert.deepEqual(added.explanations.map((e) => e.reused), [true, true, true, false], 'only the method added is made');
  assert.equal(added.passes.backward, 0, 'CAM needs no backward pass');
  fresh.delete();
});

test('one view of every fast method equals each method\'s own view bit for bit (maps, heat, pictures, weights)', () => {
  const request = { methods: FAST, crop: CROP, colormap: 'viridis', alpha: 0.5 };
  const fresh = emotionExplainer(camlens);
  assertSameAsSeparateViews(fresh.view(request), request, FAST);
  fresh.delete();
});

test('a class, a layer, nearest upsampling and per-method params reach every method', () => {
  const names = ['grad-cam', 'saliency', 'grad-cam++', 'smooth-grad'];
  const request = { methods: ['grad-cam', 'saliency', 'grad-cam++', { name: 'smooth-grad', params: { samples: 3, seed: 5 } }],
                    class: SAD, layer: EXPLAINABLE[4], smooth: false };
  const view = explainer.view(request);
  assert.ok(view.explanations.every((e) => e.class === SAD && e.label === 'sad'));
  assert.deepEqual(view.explanations.filter((e) => e.method.startsWith('grad-cam')).map((e) => e.layer), [EXPLAINABLE[4], EXPLAINABLE[4]]);
  assertSameAsSeparateViews(view, request, names);
  const other = explainer.view({ ...request, methods: [{ name: 'smooth-grad', params: { samples: 3, seed: 6 } }] });
  assert.equal(other.explanations[0].reused, false, 'other params: another map');
  assert.notDeepEqual(other.explanations[0].raw.values, view.explanations[3].raw.values);
});

test('a view reports progress over the whole request and a false from the callback cancels it; finished maps are kept', () => {
  const fresh = emotionExplainer(camlens);
  const fractions = [];
  fresh.view({ methods: ['cam', 'grad-cam', 'saliency'] }, (fraction, stage) => {
    assert.equal(typeof stage, 'string');
    fractions.push(fraction);
  }, undefined);
  assert.equal(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), fractions.join(' '));

  let calls = 0;
  const request = { methods: ['grad-cam++', { name: 'smooth-grad', params: { samples: 40 } }] };
  expectError(() => fresh.view(request, () => ++calls < 4, undefined), /cancelled/, 'CancelledError');
  assert.equal(calls, 4, 'no step after the one that said stop');
  const after = fresh.view(request);
  assert.deepEqual(after.explanations.map((e) => [e.method, e.reused]), [['grad-cam++', true], ['smooth-grad', false]],
    'the map finished before the cancel is kept');
  assert.equal(after.explanations[0].class, HAPPY, 'the explainer explains after a cancel');
  fresh.delete();
});

test('bad method lists say what was wrong', () => {
  expectError(() => explainer.view({ methods: 'cam' }), /view request: methods must be an array, e\.g\. \["cam", "grad-cam"\]/);
  expectError(() => explainer.view({ methods: ['cam', 7] }), /view request: methods\[\] must be an object, got 7/);
  expectError(() => explainer.view({ methods: ['cam', 'grad-cam-3'] }), /no method named 'grad-cam-3'/);
  expectError(() => explainer.view({ methods: [{ name: 'cam', colour: 'red' }] }), /methods\[\]: unknown field 'colour'; the fields are name, params/);
  expectError(() => explainer.view({ methods: [{ name: 'smooth-grad', params: { sample: 3 } }] }), /unknown parameter 'sample'/);
  expectError(() => explainer.view({ methods: ['grad-cam'], class: 7 }), /target class 7 is out of range/);
  expectError(() => explainer.view({ classes: [] }), /classes must be a non-empty array of class indices/);
  assert.deepEqual(explainer.view({ methods: [] }).explanations, [], 'no methods: the prediction alone');
});
