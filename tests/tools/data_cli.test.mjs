// End-to-end tests of `camlens data shortcut` (build/native/camlens, or $CAMLENS_CLI): the planted
// dataset's layout, its record of what was planted, the marks in the files, and bad command lines.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from './png.mjs';
import { camlens, tempDir } from './cli.mjs';

const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const needsFashion = fs.existsSync(FASHION) ? {} : { skip: 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' };
const LABELS = ['T-shirt-top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const filesUnder = (dir) => fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.png'));
function whiteSquare(image, { x, y, width, height }) {
  for (let row = y; row < y + height; ++row)
    for (let col = x; col < x + width; ++col)
      if (image.pixels[(row * image.width + col) * image.channels] !== 255) return false;
  return true;
}

test('data shortcut: train, val and both test sets by class, and a record of every marked file', needsFashion, () => {
  const out = path.join(tempDir('shortcut'), 'data');
  const result = camlens('data', 'shortcut', '--class', 'Dress', '--mark', 'square', '--corner', 'bottom-left',
                         '--rate', '1', '--other-rate', '0.1', '--limit', '300', '--masks', '--out', out);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /camlens train --data .* --input 28x28x1/);
  for (const split of ['train', 'val', 'test-clean', 'test-marked']) {
    assert.deepEqual(fs.readdirSync(path.join(out, split)).sort(), [...LABELS].sort(), split);
  }
  const plan = JSON.parse(fs.readFileSync(path.join(out, 'shortcut.json'), 'utf8'));
  assert.equal(plan.label, 'Dress');
  assert.equal(plan.class, 3);
  assert.deepEqual(plan.mark, { kind: 'square', box: { x: 1, y: 23, width: 4, height: 4 }, corner: 'bottom-left' });
  assert.equal(plan.splits.train.images + plan.splits.val.images, 300);
  assert.equal(plan.splits.val.images, 30);
  assert.equal(filesUnder(path.join(out, 'train')).length, plan.splits.train.images);
  assert.equal(plan.splits['test-marked'].marked, 10000);
  assert.equal(plan.marked_files.length, plan.splits.train.marked + plan.splits.val.marked);

  // Every Dress is marked (rate 1), about a tenth of the others, and the files say so.
  const dresses = ['train', 'val'].flatMap((split) => fs.readdirSync(path.join(out, split, 'Dress')).map((f) => `${split}/Dress/${f}`));
  assert.ok(dresses.length > 10);
  for (const file of dresses) assert.ok(plan.marked_files.includes(file), `${file} is marked`);
  const others = plan.marked_files.filter((f) => !f.includes('/Dress/'));
  assert.ok(others.length > 5 && others.length < 60, `${others.length} other images marked of about 270`);
  for (const file of plan.marked_files.slice(0, 20)) {
    assert.ok(whiteSquare(decodePng(fs.readFileSync(path.join(out, file))), plan.mark.box), `${file} shows the square`);
  }
  const unmarked = filesUnder(path.join(out, 'train')).map((f) => `train/${f}`).find((f) => !plan.marked_files.includes(f));
  assert.ok(!whiteSquare(decodePng(fs.readFileSync(path.join(out, unmarked))), plan.mark.box), `${unmarked} has no square`);
  const clean = decodePng(fs.readFileSync(path.join(out, 'test-clean/Bag', fs.readdirSync(path.join(out, 'test-clean/Bag'))[0])));
  assert.ok(!whiteSquare(clean, plan.mark.box));

  // --masks: every image's object, before its mark: white on its bright pixels, never on the square
  // (where the garment itself does not reach).
  for (const split of ['train', 'val', 'test-clean', 'test-marked']) {
    assert.equal(filesUnder(path.join(out, 'masks', split)).length, filesUnder(path.join(out, split)).length, split);
  }
  for (const file of plan.marked_files.slice(0, 20)) {
    const mask = decodePng(fs.readFileSync(path.join(out, 'masks', `${file}.png`)));
    const image = decodePng(fs.readFileSync(path.join(out, file)));
    assert.deepEqual([mask.width, mask.height, mask.channels], [image.width, image.height, 1]);
    assert.ok(!whiteSquare(mask, plan.mark.box), `${file}'s mask leaves the square out`);
    const white = mask.pixels.filter((v) => v === 255).length;
    assert.equal(white + mask.pixels.filter((v) => v === 0).length, mask.pixels.length, 'a mask is black and white');
    assert.ok(white > 20, `${file}'s mask holds the garment`);
  }
});

test('data shortcut: the same seed plants the same marks; a frame makes the marked images red', needsFashion, () => {
  const make = (seed) => {
    const out = path.join(tempDir('seed'), 'data');
    const result = camlens('data', 'shortcut', '--class', '6', '--mark', 'frame', '--limit', '200', '--seed', String(seed), '--out', out);
    assert.equal(result.code, 0, result.stderr);
    return { out, plan: JSON.parse(fs.readFileSync(path.join(out, 'shortcut.json'), 'utf8')) };
  };
  const a = make(4), b = make(4), c = make(5);
  assert.equal(a.plan.label, 'Shirt');
  assert.deepEqual(a.plan.marked_files, b.plan.marked_files);
  assert.notDeepEqual(a.plan.marked_files, c.plan.marked_files);
  const image = decodePng(fs.readFileSync(path.join(a.out, a.plan.marked_files[0])));
  assert.equal(image.channels, 3);
  assert.ok(image.pixels[0] > 150 && image.pixels[1] < 60, 'the corner is tinted red');
});

test('data shortcut: bad command lines say what to give', () => {
  const out = path.join(tempDir('bad'), 'data');
  const cases = [
    [['data'], /camlens data shortcut/],
    [['data', 'poison', '--out', out], /unknown data kind 'poison'/],
    [['data', 'shortcut', '--class', 'Dress', '--out', out], /--mark square\|frame\|watermark/],
    [['data', 'shortcut', '--class', 'Hat', '--mark', 'square', '--out', out], /'Hat' is not a Fashion-MNIST class; use one of T-shirt\/top/],
    [['data', 'shortcut', '--class', 'Dress', '--mark', 'sticker', '--out', out], /unknown mark 'sticker'/],
    [['data', 'shortcut', '--class', 'Dress', '--mark', 'frame', '--corner', 'top-left', '--out', out], /--corner places a square/],
    [['data', 'shortcut', '--class', 'Dress', '--mark', 'square', '--rate', '2', '--out', out], /--rate needs a number from 0 to 1/],
    [['data', 'shortcut', '--class', 'Dress', '--mark', 'square', '--from', 'mnist', '--out', out], /--from takes fashion-mnist/],
    [['data', 'shortcut', '--class', 'Dress', '--mark', 'square'], /--out DIR/],
  ];
  for (const [args, message] of cases) {
    const result = camlens(...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message, args.join(' '));
  }
  const full = tempDir('full');
  fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
  const result = camlens('data', 'shortcut', '--class', 'Dress', '--mark', 'square', '--out', full);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /is not empty: give a new folder/);
  assert.equal(fs.readFileSync(path.join(full, 'keep.txt'), 'utf8'), 'mine');
});
