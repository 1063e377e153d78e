// Live training through the page's bridge (Module.Training) in WebAssembly under Node: Fashion-MNIST
// from its IDX bytes, epochs with progress and cancel, snapshots TensorFlow.js layers models, a
// folder listing's checks, and a heap that stays flat across epochs and after delete().
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { loadCamlens } from './support.mjs';

const FASHION = '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const haveFashion = FILES.every((name) => fs.existsSync(`${FASHION}/${name}.gz`));
const skipFashion = haveFashion ? false : 'needs Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist)';
const idx = haveFashion ? FILES.map((name) => new Uint8Array(zlib.gunzipSync(fs.readFileSync(`${FASHION}/${name}.gz`)))) : [];

const camlens = await loadCamlens('camlens-test');
const SETTINGS = { architecture: 'vgg-quick', epochs: 2, batch: 32, limit: 320, seed: 3 };

function fashionTraining() {
  const training = new camlens.Training();
  training.useIdx(...idx);
  return training;
}

// Everything an epoch records but its wall-clock seconds.
function withoutSeconds(entry) {
  const { seconds, ...rest } = entry;
  assert.ok(seconds > 0);
  return rest;
}

test('two epochs on 320 Fashion-MNIST images: progress, entries, snapshots, timeline', { skip: skipFashion }, () => {
  const training = fashionTraining();
  try {
    const probes = training.probes();
    assert.equal(probes.length, 10);
    assert.deepEqual([probes[0].width, probes[0].height, probes[0].rgba.length], [28, 28, 28 * 28 * 4]);
    assert.equal(probes[9].label, 'Ankle boot');
    const started = training.start(SETTINGS);
    assert.equal(started.stepsPerEpoch, 10);
    assert.equal(started.timeline.run.train_images, 320);
    assert.equal(started.timeline.epochs.length, 0);
    for (let epoch = 1; epoch <= 2; ++epoch) {
      const fractions = [];
      const result = training.epoch((fraction) => { fractions.push(fraction); return true; });
      assert.equal(result.entry.epoch, epoch);
      assert.equal(result.epochsDone, epoch);
      assert.equal(result.finished, epoch === 2);
      assert.deepEqual(fractions, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((f) => f).slice(0, fractions.length));
      assert.equal(fractions.at(-1), 1);
      assert.equal(result.entry.probes.length, 10);
      const map = result.entry.probes[0].map;
      assert.ok(map.raw instanceof Float32Array, 'maps come as Float32Arrays');
      assert.equal(map.raw.length, map.width * map.height);
      assert.equal(result.entry.probes[0].top.length, 3);
      const model = JSON.parse(result.snapshot.modelJson);
      assert.equal(model.format, 'layers-model');
      assert.ok(result.snapshot.weights instanceof Uint8Array);
      assert.equal(result.snapshot.weightsFile, 'weights.bin');
      const declared = model.weightsManifest[0].weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      assert.equal(result.snapshot.weights.length, declared);
    }
    const timeline = JSON.parse(training.timeline());
    assert.equal(timeline.epochs.length, 2);
    assert.equal(timeline.run.architecture, 'vgg-quick');
    assert.equal(timeline.probes[0].image, 'probes/01-T-shirt-top.png');
    assert.throws(() => training.epoch(), /trained all its 2 epochs/);
  } finally {
    training.delete();
  }
});

test('the same seed gives the same timeline; cancel returns null and keeps the epochs done', { skip: skipFashion }, () => {
  const runTwo = () => {
    const training = fashionTraining();
    training.start(SETTINGS);
    const entries = [training.epoch(), training.epoch()].map((r) => withoutSeconds(r.entry));
    training.delete();
    return entries;
  };
  const straight = runTwo();
  assert.deepEqual(runTwo(), straight);

  const training = fashionTraining();
  try {
    training.start(SETTINGS);
    assert.equal(training.epoch().entry.epoch, 1);
    let calls = 0;
    assert.equal(training.epoch(() => ++calls < 4), null);
    assert.equal(calls, 4);
    assert.equal(JSON.parse(training.timeline()).epochs.length, 1);
    // The run goes on from its last finished epoch, as if the cancelled epoch had never started.
    assert.deepEqual(withoutSeconds(training.epoch().entry), straight[1]);
  } finally {
    training.delete();
  }
});

test('bad settings and bad data are clear errors', { skip: skipFashion }, () => {
  const training = new camlens.Training();
  try {
    assert.throws(() => training.start({}), /no data yet: give Fashion-MNIST or a folder first/);
    assert.throws(() => training.useIdx(idx[0], idx[3], idx[2], idx[3]), /60000 images but 10000 labels/);
    assert.throws(() => training.useIdx(new Uint8Array([1, 2, 3]), idx[1], idx[2], idx[3]), /is not an IDX file/);
    training.useIdx(...idx);
    assert.throws(() => training.start({ architecture: 'resnet' }), /vgg-quick/);
    assert.throws(() => training.start({ epoch: 2 }), /unknown setting 'epoch'/);
    assert.throws(() => training.start({ epochs: -1 }), /epochs must lie in/);
    assert.throws(() => training.epoch(), /no run has started/);
  } finally {
    training.delete();
  }
});

// An RGBA picture of `width` x `height` filled with `value`.
const flat = (width, height, value) => new Uint8Array(width * height * 4).fill(value);

test('a folder listing: planned counts first, then file by file, skipped files kept, probes as given', () => {
  const training = new camlens.Training();
  try {
    const listing = {
      root: 'shapes',
      classes: [
        { name: 'square', train: ['square/1.png', 'square/2.png', 'square/3.png', 'square/4.png'] },
        { name: 'circle', train: ['circle/1.png', 'circle/2.png', 'circle/3.jpg'] },
      ],
      skipped: [{ file: 'shapes/readme.txt', reason: 'not an image', detail: 'not a PNG, JPEG, GIF or BMP file' }],
    };
    const planned = training.planFolder(listing, { input: [32, 32, 3], validation_fraction: 0.5, seed: 2 });
    assert.deepEqual(planned.classes, ['circle', 'square']);
    assert.deepEqual(planned.counts.map((c) => c.train + c.validation), [3, 4]);
    assert.equal(planned.files, 7);
    assert.equal(planned.skipped.length, 1);
    let index = 0;
    for (let file = training.nextFile(); file !== null; file = training.nextFile()) {
      if (file === 'circle/3.jpg') {
        training.skipFile('unreadable', 'the browser could not decode it');
      } else {
        const side = 40 + 8 * index++;  // mixed sizes
        training.addImage(flat(side, side + 3, 30 * index), side, side + 3);
      }
    }
    const read = training.finishData();
    assert.deepEqual(read.counts.map((c) => c.skipped), [1, 0]);
    assert.equal(read.skipped.length, 2);
    assert.equal(read.skipped[1].file, 'circle/3.jpg');
    assert.equal(read.skipped[1].reason, 'unreadable');
    const probes = training.probes();
    assert.equal(probes.length, 2);
    assert.ok(probes[0].width >= 40, 'a probe is the picture as given, not the 32x32 training copy');
    training.start({ architecture: 'xception-quick', epochs: 1, batch: 2 });
    const result = training.epoch();
    assert.equal(result.entry.probes.length, 2);
    assert.deepEqual(JSON.parse(result.snapshot.modelJson).userDefinedMetadata.labels, ['circle', 'square']);
  } finally {
    training.delete();
  }
});

test('a bad folder gets the engine\'s message', () => {
  const training = new camlens.Training();
  try {
    assert.throws(() => training.planFolder({ root: 'one', classes: [{ name: 'cat', train: ['cat/1.png', 'cat/2.png'] }] }, {}),
      /holds one class folder \('cat'\); a classifier needs at least two/);
    assert.throws(() => training.planFolder({ root: 'e', classes: [{ name: 'a', train: ['a/1.png', 'a/2.png'] }, { name: 'b', train: [] }] }, {}),
      /'e\/b' holds no PNG, JPEG, GIF or BMP images/);
    assert.throws(() => training.planFolder({ root: 'few', classes: [{ name: 'a', train: ['a/1.png'] }, { name: 'b', train: ['b/1.png', 'b/2.png'] }] }, {}),
      /the class 'a' has only 1 image/);
    assert.throws(() => training.planFolder({ root: 'x', classes: [{ name: 'a' }] }, {}), /classes\[0\] has no "train"/);
    training.planFolder({ root: 'dead', classes: [{ name: 'a', train: ['a/1.png', 'a/2.png'] }, { name: 'b', train: ['b/1.png', 'b/2.png'] }] }, {});
    assert.throws(() => training.addImage(flat(4, 4, 0), 4, 5), /needs 80 bytes/);
    while (training.nextFile() !== null) training.skipFile('unreadable', 'broken');
    assert.throws(() => training.finishData(), /none of the 4 image files in 'dead' could be read/);
    assert.throws(() => training.skipFile('lost', ''), /no folder is being read|got 'lost'/);
  } finally {
    training.delete();
  }
});

test('probes set from RGBA pictures replace the defaults; a probe of no class is refused', { skip: skipFashion }, () => {
  const training = fashionTraining();
  try {
    const [tShirt, , , , , , , , bag] = training.probes();
    const big = { rgba: flat(56, 40, 90), width: 56, height: 40, trueClass: 3 };
    training.setProbes([{ rgba: bag.rgba, width: bag.width, height: bag.height, trueClass: 8 }, big]);
    const probes = training.probes();
    assert.deepEqual(probes.map((p) => [p.image, p.trueClass, p.width, p.height]),
      [['probes/01-Bag.png', 8, 28, 28], ['probes/02-Dress.png', 3, 56, 40]]);
    assert.deepEqual(Array.from(probes[0].rgba), Array.from(bag.rgba));
    training.start({ ...SETTINGS, epochs: 1, limit: 64 });
    assert.equal(training.epoch().entry.probes.length, 2);
    assert.throws(() => training.setProbes([{ rgba: tShirt.rgba, width: 28, height: 28, trueClass: 10 }]),
      /probe 0 has class 10; the data's classes are 0 to 9/);
    assert.throws(() => training.setProbes([{ rgba: tShirt.rgba, width: 28, height: 27, trueClass: 0 }]), /needs 3024 bytes/);
    assert.equal(training.probes().length, 2, 'a refused set leaves the probes as they were');
  } finally {
    training.delete();
  }
});

test('the heap stays flat across epochs and a deleted Training frees everything', { skip: skipFashion }, () => {
  const settings = { ...SETTINGS, epochs: 6, limit: 128 };
  // One session first: the engine's kernels keep scratch buffers of the sizes they have seen.
  const warmUp = fashionTraining();
  warmUp.start(settings);
  warmUp.epoch();
  warmUp.delete();
  const before = camlens.heapBytes();
  const training = fashionTraining();
  training.start(settings);
  training.epoch();
  training.epoch();
  const warm = camlens.heapBytes();
  training.epoch();
  training.epoch();
  // The timeline keeps each epoch's entry (ten probes' maps and top-3): a few kilobytes an epoch.
  const growth = camlens.heapBytes() - warm;
  console.log(`heap over two more epochs: +${growth} bytes; session with data: ${warm - before} bytes`);
  assert.ok(growth < 64 * 1024, `the heap grew by ${growth} bytes over two epochs`);
  training.delete();
  assert.equal(camlens.heapBytes(), before);
});
