// End-to-end tests of `camlens train` (build/native/camlens, or $CAMLENS_CLI): short runs on a few
// hundred Fashion-MNIST images and on folders of images made here, checked through the files the
// run writes: snapshots, timeline.json (against docs/result.schema.json), probes, strips and GIFs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePng } from './png.mjs';
import { checkResult } from '../schema.mjs';
import { camlens, cli, root, tempDir } from './cli.mjs';
import { loadTf, readModelFiles, tfArtifacts } from '../node/support.mjs';

const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const needsFashion = fs.existsSync(FASHION) ? {} : { skip: 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' };

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
// A timeline without its wall-clock seconds: what must repeat exactly.
function withoutSeconds(timeline) {
  const copy = structuredClone(timeline);
  for (const epoch of copy.epochs) delete epoch.seconds;
  return copy;
}

// A 24-bit BMP (bottom-up rows padded to 4 bytes): the test's own images, no encoder needed.
function bmp(width, height, pixel) {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const data = Buffer.alloc(54 + rowBytes * height);
  data.write('BM', 0, 'latin1');
  data.writeUInt32LE(data.length, 2);
  data.writeUInt32LE(54, 10);
  data.writeUInt32LE(40, 14);
  data.writeInt32LE(width, 18);
  data.writeInt32LE(height, 22);
  data.writeUInt16LE(1, 26);
  data.writeUInt16LE(24, 28);
  data.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; ++y) {
    for (let x = 0; x < width; ++x) {
      const [r, g, b] = pixel(x, y);
      const at = 54 + (height - 1 - y) * rowBytes + x * 3;
      data[at] = b;
      data[at + 1] = g;
      data[at + 2] = r;
    }
  }
  return data;
}

// DIR/<class>/<n>.bmp: bright discs and bright squares at random places and sizes, on noise.
function shapesFolder(perClass, { classes = ['disc', 'square'], size = 40 } = {}) {
  const dir = tempDir('shapes');
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const name of classes) {
    fs.mkdirSync(path.join(dir, name));
    for (let n = 0; n < perClass; ++n) {
      const radius = 6 + random() * 6, cx = 12 + random() * (size - 24), cy = 12 + random() * (size - 24);
      const side = size + (n % 3) * 8;  // mixed sizes: every image is resized to the input
      const inside = (x, y) => name === 'disc' ? (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2
        : Math.abs(x - cx) < radius && Math.abs(y - cy) < radius;
      fs.writeFileSync(path.join(dir, name, `${String(n).padStart(3, '0')}.bmp`), bmp(side, side, (x, y) => {
        const v = inside(x * size / side, y * size / side) ? 230 : Math.floor(random() * 60);
        return [v, v, Math.floor(v * 0.8)];
      }));
    }
  }
  return dir;
}

const QUICK = ['--arch', 'vgg-quick', '--limit', '320', '--batch', '32', '--no-strips'];

// One two-epoch Fashion-MNIST run that several tests read.
let fashionRun = null;
function fashionRunFolder() {
  if (fashionRun) return fashionRun;
  const run = path.join(tempDir('fashion'), 'run');
  const result = camlens('train', '--arch', 'vgg-quick', '--limit', '320', '--batch', '32', '--epochs', '2', '--threads', '1',
                         '--out', run);
  assert.equal(result.code, 0, result.stderr);
  fashionRun = run;
  return run;
}

test('train: a two-epoch run writes snapshots, a valid timeline, probes, film strips and GIFs', needsFashion, () => {
  const run = fashionRunFolder();
  const timeline = readJson(path.join(run, 'timeline.json'));
  checkResult(timeline);
  assert.equal(timeline.kind, 'timeline');
  assert.equal(timeline.run.architecture, 'vgg-quick');
  assert.equal(timeline.run.train_images, 320);
  assert.equal(timeline.run.val_images, 10000);
  assert.deepEqual(timeline.run.input, [28, 28, 1]);
  assert.equal(timeline.probes.length, 10, 'one probe per class by default');
  assert.deepEqual(timeline.probes.map((p) => p.true_class), [...Array(10).keys()]);
  assert.deepEqual(timeline.epochs.map((e) => e.epoch), [1, 2]);
  for (const epoch of timeline.epochs) {
    for (const file of ['model.json', 'weights.bin', 'training-state.bin']) {
      assert.ok(fs.existsSync(path.join(run, epoch.snapshot, file)), `${epoch.snapshot}/${file}`);
    }
    assert.equal(epoch.probes.length, 10);
    for (const probe of epoch.probes) {
      assert.equal(probe.top.length, 3);
      assert.ok(probe.top[0].probability >= probe.top[1].probability);
      assert.equal(probe.map.class, probe.top[0].class);
      assert.equal(probe.map.raw.length, probe.map.width * probe.map.height);
      assert.ok(probe.map.raw.some((v) => v !== 0), 'a map with something in it');
    }
  }
  const probe = decodePng(fs.readFileSync(path.join(run, timeline.probes[0].image)));
  assert.deepEqual([probe.width, probe.height, probe.channels], [28, 28, 1]);
  assert.ok(fs.existsSync(path.join(run, 'model.json')), 'the latest snapshot at the top of the run');
  assert.ok(!fs.readdirSync(run, { recursive: true }).some((f) => f.endsWith('.partial')), 'no half-written file');
});

test('train: film strips hold one frame per epoch; the GIF animates them', needsFashion, () => {
  const run = path.join(tempDir('strips'), 'run');
  const result = camlens('train', '--arch', 'vgg-quick', '--limit', '128', '--batch', '32', '--epochs', '2', '--out', run,
                         '--probe', `Dress=${path.join(fashionRunFolder(), 'probes/04-Dress.png')}`);
  assert.equal(result.code, 0, result.stderr);
  const strips = fs.readdirSync(path.join(run, 'strips')).sort();
  assert.deepEqual(strips, ['01-Dress.gif', '01-Dress.png']);
  const strip = decodePng(fs.readFileSync(path.join(run, 'strips/01-Dress.png')));
  assert.equal(strip.channels, 3);
  assert.ok(strip.width > 2 * 128 && strip.width < 2 * 160, `two frames side by side, got ${strip.width}`);
  const gif = fs.readFileSync(path.join(run, 'strips/01-Dress.gif'));
  assert.equal(gif.toString('latin1', 0, 6), 'GIF89a');
  assert.ok(gif.includes(Buffer.from('NETSCAPE2.0')), 'loops');
  const frames = gif.reduce((count, byte, i) => count + (byte === 0x2c && gif[i - 8] === 0x21 && gif[i - 7] === 0xf9 ? 1 : 0), 0);
  assert.equal(frames, 2, 'one image descriptor after each frame delay');
});

test('train: every probe map equals camlens explain --json on that epoch snapshot', needsFashion, () => {
  const run = fashionRunFolder();
  const timeline = readJson(path.join(run, 'timeline.json'));
  const out = tempDir('explain');
  for (const epoch of timeline.epochs) {
    for (const index of [0, 3, 9]) {
      const frame = epoch.probes[index];
      const result = camlens('explain', path.join(run, frame.image), '--model', path.join(run, epoch.snapshot),
                             '--method', 'cam', '--json', '--quiet', '--out', out);
      assert.equal(result.code, 0, result.stderr);
      const stem = path.basename(frame.image, '.png');
      const view = readJson(path.join(out, `${stem}.json`));
      const explained = view.explanations[0];
      assert.equal(explained.class, frame.map.class);
      assert.equal(explained.layer, frame.map.layer);
      const raw = explained.raw.values;
      assert.equal(raw.length, frame.map.raw.length);
      const worst = Math.max(...raw.map((v, i) => Math.abs(v - frame.map.raw[i])));
      assert.ok(worst <= 1e-5, `epoch ${epoch.epoch} probe ${index}: max |explain - timeline| = ${worst}`);
      for (const top of frame.top) {
        const same = view.prediction.classes.find((c) => c.class === top.class);
        assert.ok(Math.abs(same.probability - top.probability) <= 1e-6);
      }
    }
  }
});

test('train: the same seed gives the same timeline at 1 and 2 threads', needsFashion, () => {
  const run = path.join(tempDir('threads'), 'run');
  const result = camlens('train', ...QUICK, '--epochs', '2', '--threads', '2', '--out', run);
  assert.equal(result.code, 0, result.stderr);
  const one = readJson(path.join(fashionRunFolder(), 'timeline.json'));
  const two = readJson(path.join(run, 'timeline.json'));
  assert.deepEqual(withoutSeconds(two), withoutSeconds(one));
  assert.ok(fs.readFileSync(path.join(run, 'epochs/02/weights.bin')).equals(
    fs.readFileSync(path.join(fashionRunFolder(), 'epochs/02/weights.bin'))), 'identical weights');
});

test('train: a run stopped after epoch 1 and resumed equals one that never stopped', needsFashion, () => {
  const run = path.join(tempDir('resume'), 'run');
  let result = camlens('train', ...QUICK, '--epochs', '2', '--stop-after', '1', '--threads', '2', '--out', run);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readJson(path.join(run, 'timeline.json')).epochs.length, 1);
  result = camlens('train', '--resume', run);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /resuming after epoch 1 of 2/);
  const resumed = readJson(path.join(run, 'timeline.json'));
  const straight = readJson(path.join(fashionRunFolder(), 'timeline.json'));
  assert.equal(resumed.run.epochs, 2);
  assert.deepEqual(withoutSeconds(resumed).epochs, withoutSeconds(straight).epochs);

  result = camlens('train', '--resume', run);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /has all 2 epochs already; give --epochs N/);
  result = camlens('train', '--resume', run, '--epochs', '3', '--arch', 'xception');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--arch cannot change a run being resumed/);
});

test('train: a run killed mid-epoch keeps every finished epoch whole, and resumes', needsFashion, async () => {
  const run = path.join(tempDir('killed'), 'run');
  const child = spawn(cli, ['train', '--arch', 'vgg-quick', '--limit', '2000', '--batch', '32', '--epochs', '3',
                            '--threads', '1', '--out', run], { cwd: root, stdio: 'ignore' });
  const timelinePath = path.join(run, 'timeline.json');
  const deadline = Date.now() + 120000;
  while (!fs.existsSync(timelinePath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));  // well into epoch 2
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const timeline = readJson(timelinePath);
  checkResult(timeline);
  assert.ok(timeline.epochs.length >= 1 && timeline.epochs.length < 3, `${timeline.epochs.length} epochs written`);
  const last = timeline.epochs.at(-1).snapshot;
  const predicted = camlens('predict', path.join(run, timeline.probes[0].image), '--model', path.join(run, last), '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  const resumed = camlens('train', '--resume', run);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readJson(timelinePath).epochs.length, 3);
});

test('train: TensorFlow.js loads each snapshot; its logits are camlens predict\'s within 1e-4', needsFashion, async () => {
  const run = fashionRunFolder();
  const timeline = readJson(path.join(run, 'timeline.json'));
  const tf = await loadTf();
  const w = [0.2989, 0.587, 0.114].map(Math.fround);
  for (const epoch of timeline.epochs) {
    const { modelJson, weights } = readModelFiles(path.relative(root, path.join(run, epoch.snapshot)));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
    const logitsModel = tf.model({ inputs: loaded.inputs, outputs: loaded.getLayer('logits').output });
    for (const frame of epoch.probes) {
      const png = decodePng(fs.readFileSync(path.join(run, frame.image)));
      // As the explainer preprocesses a gray PNG: repeated into RGB, then TensorFlow's luma weights.
      const input = Float32Array.from(png.pixels, (p) => { const v = Math.fround(p / 255); return w[0] * v + w[1] * v + w[2] * v; });
      const theirs = logitsModel.predict(tf.tensor4d(input, [1, 28, 28, 1])).dataSync();
      const predicted = camlens('predict', path.join(run, frame.image), '--model', path.join(run, epoch.snapshot), '--top', '10', '--json');
      assert.equal(predicted.code, 0, predicted.stderr);
      const ours = JSON.parse(predicted.stdout);
      checkResult(ours);
      for (const { class: c, logit, probability } of ours.images[0].prediction.classes) {
        assert.ok(Math.abs(theirs[c] - logit) <= 1e-4, `${epoch.snapshot} ${frame.image} class ${c}: tfjs ${theirs[c]}, ours ${logit}`);
        const top = frame.top.find((entry) => entry.class === c);
        if (top) assert.ok(Math.abs(top.probability - probability) <= 1e-6, 'the timeline holds what predict says');
      }
    }
  }
});

test('train: a folder of class subfolders trains the residual architecture with its own validation split', () => {
  const data = shapesFolder(24);
  fs.writeFileSync(path.join(data, 'disc', 'broken.png'), 'not really a PNG');
  fs.writeFileSync(path.join(data, 'square', 'notes.txt'), 'ignored: not an image');
  const run = path.join(tempDir('folder'), 'run');
  const result = camlens('train', '--data', data, '--input', '32x32x3', '--arch', 'xception-quick', '--epochs', '2',
                         '--batch', '8', '--out', run);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /disc\s+\d+ training\s+\d+ validation/);
  assert.match(result.stdout, /skipped 2 file/);
  const timeline = readJson(path.join(run, 'timeline.json'));
  checkResult(timeline);
  assert.deepEqual(timeline.run.labels, ['disc', 'square']);
  assert.deepEqual(timeline.run.input, [32, 32, 3]);
  assert.equal(timeline.run.train_images + timeline.run.val_images, 48, 'every readable image, once');
  assert.ok(timeline.run.val_images >= 4 && timeline.run.val_images <= 6, 'about 10% of each class held out');
  assert.equal(timeline.probes.length, 2);
  const probe = decodePng(fs.readFileSync(path.join(run, timeline.probes[0].image)));
  assert.ok(probe.width >= 40, 'probes keep their own size: the strips show the image as it is');
  assert.ok(fs.existsSync(path.join(run, 'strips', path.basename(timeline.probes[1].image))));
});

test('train: TensorFlow.js loads a residual snapshot; its logits are camlens predict\'s within 1e-4', async () => {
  const data = shapesFolder(12);
  // A probe of the input's own size: the model sees its bytes / 255, which the test gives TensorFlow.js too.
  const probeFile = path.join(tempDir('probe'), 'square.bmp');
  let seed = 7;
  const pixels = [];
  fs.writeFileSync(probeFile, bmp(32, 32, (x, y) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const rgb = [x * 8, y * 8, seed % 256];
    pixels.push(...rgb);
    return rgb;
  }));
  const run = path.join(tempDir('xception'), 'run');
  const result = camlens('train', '--data', data, '--input', '32x32x3', '--arch', 'xception-quick', '--epochs', '1',
                         '--batch', '8', '--no-strips', '--probe', `square=${probeFile}`, '--out', run);
  assert.equal(result.code, 0, result.stderr);
  const tf = await loadTf();
  const { modelJson, weights } = readModelFiles(path.relative(root, path.join(run, 'epochs/01')));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
  const logitsModel = tf.model({ inputs: loaded.inputs, outputs: loaded.getLayer('logits').output });
  const input = new Float32Array(32 * 32 * 3);
  for (let i = 0; i < 32 * 32 * 3; ++i) input[i] = Math.fround(pixels[i] / 255);
  const theirs = logitsModel.predict(tf.tensor4d(input, [1, 32, 32, 3])).dataSync();
  const predicted = camlens('predict', path.join(run, 'probes/01-square.png'), '--model', path.join(run, 'epochs/01'), '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  for (const { class: c, logit } of JSON.parse(predicted.stdout).images[0].prediction.classes) {
    assert.ok(Math.abs(theirs[c] - logit) <= 1e-4, `class ${c}: tfjs ${theirs[c]}, ours ${logit}`);
  }
});

test('train: bad data and bad command lines get a clear message and exit code', () => {
  const out = () => path.join(tempDir('bad'), 'run');
  const one = shapesFolder(4, { classes: ['only'] });
  let result = camlens('train', '--data', one, '--input', '32x32x3', '--out', out());
  assert.equal(result.code, 3);
  assert.match(result.stderr, /class/i);

  const empty = shapesFolder(4);
  fs.mkdirSync(path.join(empty, 'ghost'));
  result = camlens('train', '--data', empty, '--input', '32x32x3', '--out', out());
  assert.equal(result.code, 3);
  assert.match(result.stderr, /ghost/);

  result = camlens('train', '--data', path.join(os.tmpdir(), 'no-such-folder-camlens'), '--out', out());
  assert.equal(result.code, 3);
  assert.match(result.stderr, /no-such-folder-camlens/);

  result = camlens('train', '--arch', 'resnet-9000', '--out', out());
  assert.equal(result.code, 2);
  assert.match(result.stderr, /vgg-quick/);

  result = camlens('train', '--epochs', '2');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--out RUN/);

  result = camlens('train', '--input', '3x3x3', '--data', empty, '--out', out());
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--input needs HxWxC/);

  result = camlens('train', '--resume', tempDir('nothing'));
  assert.equal(result.code, 3);
  assert.match(result.stderr, /timeline\.json does not exist/);
});

test('train: an existing run is never overwritten without --resume', needsFashion, () => {
  const result = camlens('train', ...QUICK, '--out', fashionRunFolder());
  assert.equal(result.code, 2);
  assert.match(result.stderr, /already holds a run: continue it with --resume/);
});
