// End-to-end tests of `camlens evaluate` (build/native/camlens, or $CAMLENS_CLI) on the shipped
// emotion model and the astronaut's face: the JSON passes the result schema, its curves keep the
// properties the metrics define (shared ends, the AUC formula, ROAD's combined score), the known
// answer on this model holds (deletion favours the random map, insertion and ROAD favour Grad-CAM),
// a folder gets means with intervals and mean plots, and bad options get clear messages.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkResult } from '../schema.mjs';
import { camlens, root, tempDir } from './cli.mjs';
import { decodePng } from './png.mjs';

const ASTRONAUT = path.join(root, 'web/samples/astronaut.jpg');
const FACE = '158,48,140,140';
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const auc = (curve) => (curve.reduce((a, b) => a + b, 0) - curve[0] / 2 - curve.at(-1) / 2) / (curve.length - 1);
const close = (a, b, tolerance, what) => assert.ok(Math.abs(a - b) <= tolerance, `${what}: ${a} vs ${b}`);

let single = null;
function evaluateFace() {
  if (single) return single;
  const out = tempDir('evaluate');
  const result = camlens('evaluate', ASTRONAUT, '--crop', FACE, '--method', 'grad-cam,saliency', '--json', '--threads', '2',
                         '--out', out);
  assert.equal(result.code, 0, result.stderr);
  single = { out, stdout: result.stdout, document: checkResult(readJson(path.join(out, 'evaluation.json'))) };
  return single;
}

test('evaluate: the JSON passes the schema and its curves keep what the metrics define', () => {
  const { document } = evaluateFace();
  assert.equal(document.kind, 'evaluation');
  assert.deepEqual(document.metrics, ['deletion', 'insertion', 'road', 'confidence']);
  assert.equal(document.images.length, 1);
  const image = document.images[0];
  assert.equal(image.label, 'happy');
  assert.ok(image.probability > 0.99, `happy at ${image.probability}`);
  assert.deepEqual(image.maps.map((m) => [m.method, m.baseline]),
                   [['grad-cam', false], ['saliency', false], ['random', true], ['sobel', true]]);
  const width = 64;  // the emotion model's input: 64 x 64, a row per step
  for (const map of image.maps) {
    for (const curve of [map.deletion, map.insertion]) {
      assert.equal(curve.step, width);
      assert.deepEqual(curve.changed, Array.from({ length: 65 }, (_, i) => i * width));
      close(curve.auc, auc(curve.scores), 1e-9, `${map.method}'s AUC`);
    }
    // Nothing deleted or everything restored: the input itself, whatever the map.
    close(map.deletion.scores[0], image.probability, 1e-5, `${map.method}'s deletion start`);
    close(map.insertion.scores.at(-1), image.probability, 1e-5, `${map.method}'s insertion end`);
    // Everything deleted (all zeros) or nothing restored (the blurred input): one input for every map.
    close(map.deletion.scores.at(-1), image.maps[0].deletion.scores.at(-1), 1e-6, `${map.method}'s deletion end`);
    close(map.insertion.scores[0], image.maps[0].insertion.scores[0], 1e-6, `${map.method}'s insertion start`);
    close(map.road.combined, (map.road.lerf_mean - map.road.morf_mean) / 2, 1e-9, `${map.method}'s ROAD`);
    close(map.confidence.before, image.probability, 1e-5, `${map.method}'s confidence`);
  }
  assert.deepEqual(document.summary.map((s) => [s.method, s.images]), [['grad-cam', 1], ['saliency', 1], ['random', 1], ['sobel', 1]]);
});

test('evaluate: on the emotion model deletion favours a random map, insertion and ROAD favour Grad-CAM', () => {
  const { document, stdout } = evaluateFace();
  const byMethod = Object.fromEntries(document.images[0].maps.map((m) => [m.method, m]));
  const gradCam = byMethod['grad-cam'], random = byMethod.random;
  // Random holes push the face off the data the model knows faster than removing what it uses.
  assert.ok(random.deletion.auc < gradCam.deletion.auc, `deletion: random ${random.deletion.auc}, grad-cam ${gradCam.deletion.auc}`);
  assert.ok(gradCam.insertion.auc > random.insertion.auc + 0.1,
            `insertion: grad-cam ${gradCam.insertion.auc}, random ${random.insertion.auc}`);
  assert.ok(gradCam.road.combined > random.road.combined + 0.2, `ROAD: grad-cam ${gradCam.road.combined}, random ${random.road.combined}`);
  assert.match(stdout, /random \(baseline\)/);
  assert.match(stdout, /Deletion alone misleads/);
});

test('evaluate: the curves are written as PNG plots', () => {
  const { out } = evaluateFace();
  for (const metric of ['deletion', 'insertion', 'road']) {
    const png = decodePng(fs.readFileSync(path.join(out, `astronaut.${metric}.png`)));
    assert.deepEqual([png.width, png.height, png.channels], [560, 340, 3]);
  }
});

test('evaluate: a folder gets each image, the means with their 95% intervals and the mean curves', () => {
  const dir = tempDir('evaluate-folder');
  const images = path.join(dir, 'images');
  fs.mkdirSync(images);
  for (const name of ['astronaut.jpg', 'chelsea.jpg']) fs.copyFileSync(path.join(root, 'web/samples', name), path.join(images, name));
  const out = path.join(dir, 'out');
  const result = camlens('evaluate', images, '--metric', 'deletion,insertion', '--json', '--threads', '2', '--out', out);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /over 2 images: mean \[95% interval\]/);
  const document = checkResult(readJson(path.join(out, 'evaluation.json')));
  assert.equal(document.images.length, 2);
  assert.ok(document.images[0].maps.every((m) => !m.road && !m.confidence), 'only the metrics asked for');
  for (const row of document.summary) {
    assert.equal(row.images, 2);
    const values = document.images.map((image) => image.maps.find((m) => m.method === row.method).deletion.auc);
    close(row.deletion_auc.mean, (values[0] + values[1]) / 2, 1e-9, `${row.method}'s mean`);
    assert.ok(row.deletion_auc.low <= row.deletion_auc.mean && row.deletion_auc.mean <= row.deletion_auc.high);
    assert.equal(row.road_morf, undefined);
  }
  for (const name of ['astronaut', 'chelsea', 'mean']) {
    for (const metric of ['deletion', 'insertion']) assert.ok(fs.existsSync(path.join(out, `${name}.${metric}.png`)), `${name}.${metric}.png`);
  }
  assert.ok(!fs.existsSync(path.join(out, 'mean.road.png')));
});

test('evaluate: a one-tap blur leaves insertion flat at the input\'s probability; the settings are recorded', () => {
  const out = tempDir('evaluate-blur');
  const result = camlens('evaluate', ASTRONAUT, '--crop', FACE, '--metric', 'insertion', '--blur', '1,1', '--deletion-value', '-1',
                         '--step', '512', '--json', '--threads', '2', '--out', out);
  assert.equal(result.code, 0, result.stderr);
  const document = checkResult(readJson(path.join(out, 'evaluation.json')));
  assert.deepEqual([document.settings.step, document.settings.deletion_value, document.settings.blur], [512, -1, { taps: 1, sigma: 1 }]);
  const image = document.images[0];
  for (const map of image.maps) {
    assert.equal(map.insertion.scores.length, 9);  // 4096 pixels, 512 a step
    for (const score of map.insertion.scores) close(score, image.probability, 1e-5, `${map.method}'s insertion`);
  }
});

test('evaluate: a face model is scored on the face predict finds, and a photo without one says so', () => {
  const out = tempDir('evaluate-faces');
  const predicted = camlens('predict', ASTRONAUT, '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  const faceCrop = JSON.parse(predicted.stdout).images[0].crop;
  const cat = path.join(root, 'web/samples/chelsea.jpg');
  const result = camlens('evaluate', ASTRONAUT, cat, '--method', 'grad-cam', '--metric', 'confidence', '--json', '--quiet', '--out', out);
  assert.equal(result.code, 0, result.stderr);
  const [astronaut, chelsea] = checkResult(readJson(path.join(out, 'evaluation.json'))).images;
  assert.deepEqual([astronaut.crop_source, astronaut.face, astronaut.crop], ['face', 0, faceCrop]);
  assert.equal(astronaut.label, 'happy');
  assert.equal(chelsea.crop_source, 'center');
  assert.match(chelsea.warnings.join(' '), /no face found/);
  assert.match(result.stderr, /chelsea\.jpg: no face found: this model expects a face/);
  const givenOut = tempDir('evaluate-given');
  const given = camlens('evaluate', ASTRONAUT, '--crop', FACE, '--method', 'grad-cam', '--metric', 'confidence', '--json', '--quiet',
                        '--out', givenOut);
  assert.equal(given.code, 0, given.stderr);
  const [box] = readJson(path.join(givenOut, 'evaluation.json')).images;
  assert.deepEqual([box.crop_source, box.crop], ['given', { x: 158, y: 48, width: 140, height: 140 }]);
  const all = camlens('evaluate', ASTRONAUT, '--face', 'all', '--out', out);
  assert.equal(all.code, 2);
  assert.match(all.stderr, /--face all: evaluate takes one box per image; pick a face with --face K/);
});

test('evaluate: bad options say what is wrong', () => {
  const out = tempDir('evaluate-bad');
  let result = camlens('evaluate', ASTRONAUT, '--metric', 'deletion,faithiness', '--out', out);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no metric named 'faithiness'; the metrics are deletion, insertion, road, confidence/);
  result = camlens('evaluate', ASTRONAUT, '--out', out, '--crop', '1,2,3');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--crop needs x,y,w,h/);
  result = camlens('evaluate', ASTRONAUT, '--out', out, '--blur', '4,2');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--blur: evaluate: the blur needs an odd number of taps/);
  result = camlens('evaluate', ASTRONAUT);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--out DIR is required/);
  result = camlens('evaluate', path.join(out, 'missing.png'), '--out', out);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /missing\.png: no such file; skipped/);
});

test('evaluate: the sanity cascade changes Grad-CAM\'s map and leaves the baselines\' as they were', () => {
  const out = tempDir('evaluate-sanity');
  const result = camlens('evaluate', ASTRONAUT, '--crop', FACE, '--metric', 'sanity', '--json', '--threads', '2', '--out', out);
  assert.equal(result.code, 0, result.stderr);
  const document = checkResult(readJson(path.join(out, 'evaluation.json')));
  assert.deepEqual(document.metrics, ['sanity']);
  const maps = document.images[0].maps;
  const layers = maps[0].sanity.cascading.map((step) => step.layer);
  assert.ok(layers.length > 10, `the emotion model's layers with parameters: ${layers}`);
  assert.deepEqual(maps[0].sanity.independent.map((step) => step.layer), layers);
  const gradCam = maps.find((m) => m.method === 'grad-cam');
  assert.ok(gradCam.sanity.cascading.at(-1).spearman < 0.6, `grad-cam after the cascade: ${gradCam.sanity.cascading.at(-1).spearman}`);
  for (const baseline of maps.filter((m) => m.baseline)) {
    for (const step of [...baseline.sanity.cascading, ...baseline.sanity.independent]) {
      for (const value of [step.spearman, step.spearman_abs, step.ssim]) close(value, 1, 1e-12, `${baseline.method} at ${step.layer}`);
    }
  }
  assert.ok(maps.every((m) => !m.deletion && !m.road), 'only the sanity checks were asked for');
  assert.ok(fs.existsSync(path.join(out, 'astronaut.sanity.png')));
  assert.match(result.stdout, /all randomised: Spearman/);
});
