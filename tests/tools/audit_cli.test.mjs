// End-to-end tests of `camlens audit` (build/native/camlens, or $CAMLENS_CLI): a marker planted by
// `camlens data shortcut` and learnt by a model trained here is found by the audit, on its class and
// at its place, while the same data without the marker gives no flag; shards merge into the whole
// audit; bad masks, shards and folders get clear messages.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkResult } from '../schema.mjs';
import { camlens, root, tempDir } from './cli.mjs';

const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const needsFashion = fs.existsSync(FASHION) ? {} : { skip: 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' };
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

// Data with every Dress on a tinted frame (or, with rate 0, no mark at all), each image's object
// written as a mask, and a quick model trained on it. The shipped model learnt a square on the
// Shirts: this is another kind of mark, at another place, on another class.
function plantedRun(rate) {
  const dir = tempDir(`planted-${rate}`);
  const data = path.join(dir, 'data');
  let result = camlens('data', 'shortcut', '--class', 'Dress', '--mark', 'frame', '--masks',
                       '--rate', String(rate), '--other-rate', '0', '--limit', '3000', '--out', data);
  assert.equal(result.code, 0, result.stderr);
  const run = path.join(dir, 'run');
  result = camlens('train', '--data', data, '--input', '28x28x1', '--arch', 'vgg-quick', '--epochs', '3', '--lr', '0.01',
                   '--no-strips', '--threads', '2', '--out', run);
  assert.equal(result.code, 0, result.stderr);
  return { dir, data, model: path.join(run, 'epochs/03') };
}

function audit(model, data, out, ...extra) {
  const result = camlens('audit', '--model', model, '--data', data, '--out', out, ...extra);
  assert.equal(result.code, 0, result.stderr);
  const document = readJson(path.join(out, 'audit.json'));
  checkResult(document);
  return document;
}

let marked = null;
const markedRun = () => (marked ??= plantedRun(1));

// The objects of a split as `camlens data shortcut --masks` wrote them: each image before its mark.
const masksOf = (data, split) => ['--masks', path.join(data, 'masks', split)];

test('audit: a marker the model learnt is flagged on its class; nothing else is', needsFashion, () => {
  const { dir, data, model } = markedRun();
  const found = audit(model, path.join(data, 'val'), path.join(dir, 'audit'), ...masksOf(data, 'val'));
  const flagged = found.classes.filter((c) => c.flagged);
  assert.deepEqual(flagged.map((c) => c.label), ['Dress'], JSON.stringify(found.classes.map((c) => [c.label, c.reason])));
  const dress = flagged[0];
  assert.equal(found.classes[0].label, 'Dress', 'flagged classes come first');
  assert.match(dress.reason, /off the object/);
  assert.ok(dress.inside_share.median < 0.35, `the frame, not the dress, holds the map: ${JSON.stringify(dress.inside_share)}`);
  // Where it looks: the mean map is warmer on the frame's sides than down the middle.
  const { width, height, values } = dress.mean_map;
  const column = (x) => Array.from({ length: height }, (_, y) => values[y * width + x]).reduce((a, b) => a + b, 0);
  assert.ok(Math.min(column(0), column(width - 1)) > column(Math.floor(width / 2)), `the sides: ${values}`);
  assert.equal(dress.images, fs.readdirSync(path.join(data, 'val', 'Dress')).length);
  assert.equal(found.images.length, found.classes.reduce((sum, c) => sum + c.images, 0));

  const report = fs.readFileSync(path.join(dir, 'audit', 'report.html'), 'utf8');
  const headings = [...report.matchAll(/<h2>([^<]*)/g)].map((m) => m[1].trim());
  assert.equal(headings.length, 10);
  assert.equal(headings[0], 'Dress', 'the flagged class opens the report');
  assert.match(report, /class="reason">looks mostly off the object/);
  assert.ok((report.match(/data:image\/png;base64,/g) ?? []).length > 30, 'mean maps and examples are inside the page');
  assert.ok(!/src="(?!data:)/.test(report), 'it opens offline: no picture is fetched');
});

test('audit: the same data without the marker gives no flag', needsFashion, () => {
  const { dir, data, model } = plantedRun(0);
  const clean = audit(model, path.join(data, 'val'), path.join(dir, 'audit'), ...masksOf(data, 'val'));
  assert.deepEqual(clean.classes.filter((c) => c.flagged).map((c) => [c.label, c.reason]), []);
});

test('audit: shards merge into the audit of them all', needsFashion, () => {
  const { dir, data, model } = markedRun();
  const val = path.join(data, 'val');
  const whole = audit(model, val, path.join(dir, 'whole'));
  const shards = [1, 2, 3].map((i) => audit(model, val, path.join(dir, `shard${i}`), '--shard', `${i}/3`));
  assert.deepEqual(shards.map((s) => s.shard), [0, 1, 2].map((index) => ({ index, count: 3 })));
  assert.equal(shards.reduce((sum, s) => sum + s.images.length, 0), whole.images.length);
  const result = camlens('audit', '--merge', ...[1, 2, 3].map((i) => path.join(dir, `shard${i}`)), '--out', path.join(dir, 'merged'));
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(readJson(path.join(dir, 'merged', 'audit.json')), whole);

  const missing = camlens('audit', '--merge', path.join(dir, 'shard1'), path.join(dir, 'shard3'), '--out', path.join(dir, 'bad'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /shard 2\/3 is missing/);
  const twice = camlens('audit', '--merge', path.join(dir, 'shard1'), path.join(dir, 'shard1'), path.join(dir, 'shard2'),
                        '--out', path.join(dir, 'bad'));
  assert.match(twice.stderr, /shard 1\/3 is given twice/);
});

test('audit: masks, unreadable images, a one-image class and bad arguments', needsFashion, () => {
  const { dir, data, model } = markedRun();
  const small = path.join(dir, 'small');
  for (const label of ['Bag', 'Dress']) {
    fs.mkdirSync(path.join(small, label), { recursive: true });
    const source = path.join(data, 'val', label);
    for (const file of fs.readdirSync(source).slice(0, label === 'Bag' ? 3 : 1)) fs.copyFileSync(path.join(source, file), path.join(small, label, file));
  }
  fs.writeFileSync(path.join(small, 'Bag', 'broken.png'), 'no PNG at all');
  const found = audit(model, small, path.join(dir, 'small-audit'));
  assert.equal(found.images.length, 4);
  assert.deepEqual(found.skipped.map((s) => s.file), ['Bag/broken.png']);
  assert.equal(found.classes.find((c) => c.label === 'Dress').images, 1, 'a class of one image is audited');

  // Masks: white where the object is, the image's size, as `data shortcut --masks` wrote them. On
  // an unmarked Bag they are the bright pixels the audit takes by default; on the framed Dress they
  // leave the frame out, so less of the map is on the object. Then one missing, one unreadable.
  const masks = path.join(dir, 'masks');
  const files = fs.readdirSync(small, { recursive: true }).filter((f) => f.endsWith('.png') && !f.includes('broken'));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(masks, file)), { recursive: true });
    fs.copyFileSync(path.join(data, 'masks', 'val', `${file}.png`), path.join(masks, `${file}.png`));
  }
  const withMasks = audit(model, small, path.join(dir, 'masked'), '--masks', masks);
  for (const [i, image] of withMasks.images.entries()) {
    const share = found.images[i].inside_share;
    if (image.label === 'Bag') assert.ok(Math.abs(image.inside_share - share) < 1e-9, `${image.file}: the mask is its bright pixels`);
    else assert.ok(image.inside_share < share - 0.05, `${image.file}: the frame is off the object (${image.inside_share} < ${share})`);
  }
  fs.rmSync(path.join(masks, `${files[0]}.png`));
  let result = camlens('audit', '--model', model, '--data', small, '--masks', masks, '--out', path.join(dir, 'x'));
  assert.equal(result.code, 3);
  assert.match(result.stderr, new RegExp(`no mask for ${files[0].replace(/[.]/g, '\\.')}`));
  fs.copyFileSync(path.join(dir, '..', path.basename(dir), 'data', 'shortcut.json'), path.join(masks, `${files[0]}.png`));
  result = camlens('audit', '--model', model, '--data', small, '--masks', masks, '--out', path.join(dir, 'x'));
  assert.equal(result.code, 3);
  assert.match(result.stderr, /cannot be read/);

  for (const [args, message] of [
    [['--shard', '4/3'], /--shard needs I\/N with 1 <= I <= N/],
    [['--shard', '0/3'], /--shard needs I\/N/],
    [['--masks', masks, '--boxes', 'b.json'], /as --masks or as --boxes, not both/],
    [['--foreground', '2'], /--foreground needs a number between 0 and 1/],
  ]) {
    result = camlens('audit', '--model', model, '--data', small, '--out', path.join(dir, 'x'), ...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  result = camlens('audit', '--model', model, '--data', path.join(dir, 'nowhere'), '--out', path.join(dir, 'x'));
  assert.equal(result.code, 3);
  assert.match(result.stderr, /nowhere/);
});

test('audit: the shipped shortcut model is flagged on Shirt at its square; the clean model on clean images is not', needsFashion, () => {
  const dir = tempDir('shipped');
  const data = path.join(dir, 'shirts');
  // The command models/fashion-mnist-shortcut/README.md gives: the same marks, the same files.
  const made = camlens('data', 'shortcut', '--class', 'Shirt', '--mark', 'square', '--rate', '0.95', '--other-rate', '0.02',
                       '--limit', '12000', '--out', data);
  assert.equal(made.code, 0, made.stderr);
  const plan = readJson(path.join(data, 'shortcut.json'));
  assert.deepEqual(plan.marked_files, readJson(path.join(root, 'models/fashion-mnist-shortcut/shortcut.json')).marked_files);

  const found = audit(path.join(root, 'models/fashion-mnist-shortcut'), path.join(data, 'val'), path.join(dir, 'audit'));
  assert.deepEqual(found.classes.filter((c) => c.flagged).map((c) => c.label), ['Shirt']);
  const { region, mean_map: map } = found.classes[0];
  assert.ok(region.x + region.width / 2 > map.width / 2 && region.y + region.height / 2 < map.height / 2,
            `the region is top-right, where the square is: ${JSON.stringify(region)}`);

  // A hundred clean test images of each class.
  const clean = path.join(dir, 'clean');
  for (const label of fs.readdirSync(path.join(data, 'test-clean'))) {
    fs.mkdirSync(path.join(clean, label), { recursive: true });
    for (const file of fs.readdirSync(path.join(data, 'test-clean', label)).slice(0, 100)) {
      fs.copyFileSync(path.join(data, 'test-clean', label, file), path.join(clean, label, file));
    }
  }
  const calm = audit(path.join(root, 'models/fashion-mnist'), clean, path.join(dir, 'clean-audit'));
  assert.deepEqual(calm.classes.filter((c) => c.flagged).map((c) => [c.label, c.reason]), []);
});
