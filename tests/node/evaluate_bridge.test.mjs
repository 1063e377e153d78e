// The page's faithfulness bridge (Module.Evaluation) in WebAssembly under Node: the emotion model's
// maps of the astronaut's face scored as `camlens evaluate --json` scores them (kind "evaluation"),
// the sanity cascade with each step's picture, a cancel as a CancelledError, and requests that
// cannot be met refused with a message that says what to give.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkResult } from '../schema.mjs';
import { decodePng } from '../tools/png.mjs';
import { loadCamlens, readModelFiles, root } from './support.mjs';

const camlens = await loadCamlens('camlens-test');
const { modelJson, shards, metadataJson } = readModelFiles('models/emotion');
const evaluation = new camlens.Evaluation({ modelJson, shards, metadataJson });
test.after(() => evaluation.delete());

const png = decodePng(fs.readFileSync(path.join(root, 'tests/fixtures/images/astronaut_face.png')));
const data = new Uint8ClampedArray(png.width * png.height * 4);
for (let i = 0; i < png.width * png.height; ++i) {
  for (let c = 0; c < 3; ++c) data[4 * i + c] = png.pixels[i * png.channels + (png.channels >= 3 ? c : 0)];
  data[4 * i + 3] = 255;
}
const PHOTO = { width: png.width, height: png.height, data };

test('a map scored by deletion and insertion beside the baselines, in the result schema', () => {
  const stages = new Set();
  const document = checkResult(evaluation.evaluate(PHOTO, { methods: ['grad-cam'], metrics: ['deletion', 'insertion'], model: 'emotion' },
    (fraction, stage) => { stages.add(stage.split(':')[0]); return true; }));
  assert.equal(document.kind, 'evaluation');
  assert.deepEqual(document.metrics, ['deletion', 'insertion']);
  assert.equal(document.model, 'emotion');
  const [image] = document.images;
  assert.equal(image.label, 'happy');
  assert.deepEqual(image.crop, { x: 0, y: 0, width: 140, height: 140 }, 'the model\'s default box: the whole square');
  assert.deepEqual(image.maps.map((map) => [map.method, map.baseline]), [['grad-cam', false], ['random', true], ['sobel', true]]);
  assert.deepEqual([...stages], ['grad-cam', 'random', 'sobel'], 'progress names the map being scored');
  for (const map of image.maps) {
    assert.equal(map.deletion.changed.length, 65, 'a row of the 64x64 input per step, both ends included');
    assert.ok(!('road' in map), 'only the metrics asked for');
  }
  assert.deepEqual(document.summary.map((row) => row.method), ['grad-cam', 'random', 'sobel']);
});

test('the sanity cascade: a picture per step, the Sobel baseline unchanged', () => {
  const { document, pictures } = evaluation.sanity(PHOTO, { methods: ['grad-cam'], seed: 3, max_side: 64 }, undefined);
  checkResult(document);
  const [method, sobel] = document.images[0].maps;
  assert.equal(pictures.cascading.length, method.sanity.cascading.length);
  assert.deepEqual([pictures.original.width, pictures.original.height], [64, 64]);
  assert.ok(pictures.original.rgba instanceof Uint8ClampedArray);
  assert.ok(sobel.sanity.cascading.every((step) => step.spearman === 1));
  assert.ok(method.sanity.cascading.some((step) => step.spearman < 0.5));
  const again = evaluation.sanity(PHOTO, { methods: ['grad-cam'], seed: 3, max_side: 64 }, undefined).document;
  assert.deepEqual(again.images[0].maps[0].sanity, method.sanity, 'seeded, and the model restored after each run');
});

test('a cancel is a CancelledError; requests that cannot be met say what to give', () => {
  assert.throws(() => evaluation.evaluate(PHOTO, { methods: ['grad-cam'] }, () => false),
    (error) => error.name === 'CancelledError' && /cancelled/.test(error.message));
  assert.throws(() => evaluation.evaluate(PHOTO, { methods: ['grad-cam'], metrics: ['deletion', 'speed'] }, undefined),
    /no metric named 'speed'; the metrics are deletion, insertion, road, confidence/);
  assert.throws(() => evaluation.evaluate(PHOTO, { methods: [], baselines: false }, undefined), /nothing to evaluate/);
  assert.throws(() => evaluation.sanity(PHOTO, { methods: ['grad-cam', 'cam'] }, undefined), /give exactly one method/);
  assert.throws(() => evaluation.evaluate({ width: 2, height: 2, data: new Uint8ClampedArray(3) }, {}, undefined),
    /a 2x2 RGBA photo needs 16 bytes/);
  assert.throws(() => evaluation.evaluate(PHOTO, { methods: ['grad-cam'], seed: -1 }, undefined), /seed must be a whole number/);
  const after = evaluation.evaluate(PHOTO, { methods: ['grad-cam'], metrics: ['confidence'], baselines: false }, undefined);
  assert.equal(after.images[0].maps.length, 1, 'still working after the errors');
});
