// The page's audit bridge (Module.Audit) in WebAssembly under Node: images fed as RGBA with their
// folders make the CLI's audit.json (schema kind "audit") and report.html; folders match labels as
// the CLI matches them; bad images, options and calls out of order get messages that say what to do.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkResult } from '../schema.mjs';
import { decodePng } from '../tools/png.mjs';
import { expectError, loadCamlens, readModelFiles, root } from './support.mjs';

const camlens = await loadCamlens('camlens-test');
const { modelJson, shards } = readModelFiles('models/fashion-mnist-shortcut');
const MODEL = { modelJson, shards };
// The page's Fashion-MNIST samples by the shortcut model's folder names, and one in a folder of no class.
const SAMPLES = {
  'Ankle boot': 'ankle-boot', Bag: 'bag', Dress: 'dress', Sandal: 'sandal', Sneaker: 'sneaker', 'T-shirt-top': 't-shirt',
  Trouser: 'trouser', mystery: 'bag',
};

function sampleRgba(name) {
  const png = decodePng(fs.readFileSync(path.join(root, 'web/samples/fashion-mnist', `${name}.png`)));
  const rgba = new Uint8ClampedArray(png.width * png.height * 4);
  for (let i = 0; i < png.width * png.height; ++i) {
    for (let c = 0; c < 3; ++c) rgba[4 * i + c] = png.pixels[i * png.channels + (png.channels >= 3 ? c : 0)];
    rgba[4 * i + 3] = 255;
  }
  return { rgba, width: png.width, height: png.height };
}

function withAudit(options, body) {
  const audit = new camlens.Audit(MODEL, options);
  try {
    return body(audit);
  } finally {
    audit.delete();
  }
}

test('images with their folders make audit.json and report.html as camlens audit writes them', () => {
  withAudit({ model: 'shortcut', data: 'samples' }, (audit) => {
    assert.equal(audit.classOfFolder('T-shirt-top'), 8);
    assert.equal(audit.classOfFolder('Shirt'), 6);
    assert.equal(audit.classOfFolder('mystery'), null);
    for (const [folder, name] of Object.entries(SAMPLES).reverse()) {
      const { rgba, width, height } = sampleRgba(name);
      audit.addImage(rgba, width, height, `${folder}/${name}.png`, folder);
    }
    audit.skipFile('Bag/notes.txt', 'not an image');
    audit.skipFile('Bag/broken.png', 'unreadable');
    assert.equal(audit.images(), 8);
    const document = checkResult(JSON.parse(audit.finish()));
    assert.equal(document.kind, 'audit');
    assert.deepEqual([document.model, document.data, document.method, document.layer], ['shortcut', 'samples', 'grad-cam', 'conv4']);
    assert.deepEqual(document.images.map((image) => image.file), Object.entries(SAMPLES).map(([f, n]) => `${f}/${n}.png`).sort());
    assert.deepEqual(document.skipped.map((s) => s.file), ['Bag/broken.png', 'Bag/notes.txt'], 'skipped files come sorted');
    const mystery = document.images.find((image) => image.file.startsWith('mystery/'));
    assert.equal(mystery.matched, false);
    assert.equal(mystery.class, mystery.predicted, 'an image in a folder of no class is audited under its predicted class');
    const matched = document.images.filter((image) => image !== mystery);
    assert.ok(matched.every((image) => image.matched && image.label === image.file.split('/')[0]));
    assert.equal(document.classes.reduce((sum, c) => sum + c.images, 0), 8);
    const flags = document.classes.map((c) => c.flagged);
    assert.deepEqual(flags, [...flags].sort((a, b) => b - a), 'flagged classes come first');

    // The report shows the examples given over their maps, and the maps alone for the others.
    const { rgba, width, height } = sampleRgba('bag');
    const withPicture = audit.report([{ file: 'Bag/bag.png', rgba, width, height }]);
    const mapsOnly = audit.report([]);
    const headings = [...withPicture.matchAll(/<h2>([^<]*)/g)].map((match) => match[1].trim());
    assert.deepEqual(headings, document.classes.map((c) => c.label));
    assert.match(withPicture, /8 images, \d+ classes, grad-cam at conv4\..* 2 files skipped\./);
    assert.notEqual(withPicture, mapsOnly);
    assert.equal((withPicture.match(/data:image\/png;base64,/g) ?? []).length, (mapsOnly.match(/data:image\/png;base64,/g) ?? []).length);
  });
});

test('bad images, options and calls out of order say what is wrong', () => {
  withAudit({ data: 'empty' }, (audit) => {
    expectError(() => audit.report([]), /call finish before report/);
    expectError(() => audit.finish(), /no image of empty could be read/);
    expectError(() => audit.addImage(new Uint8Array(10), 28, 28, 'Bag/short.png', 'Bag'),
      /^Bag\/short\.png: a 28x28 RGBA image needs 3136 bytes \(4 per pixel\), got 10$/);
  });
  withAudit({ method: 'no-such-method' }, (audit) => {
    expectError(() => audit.addImage(new Uint8Array(28 * 28 * 4), 28, 28, 'Bag/a.png', 'Bag'),
      /^Bag\/a\.png: .*no method named 'no-such-method'; known methods: cam, grad-cam/);
  });
  withAudit({ layer: 'no-such-layer' }, (audit) => {
    expectError(() => audit.addImage(new Uint8Array(28 * 28 * 4), 28, 28, 'Bag/a.png', 'Bag'),
      /^Bag\/a\.png: .*no layer named 'no-such-layer'; spatial layers feeding the logits: 'conv1'/);
  });
  expectError(() => new camlens.Audit(MODEL, { foreground: 2 }), /foreground must be between 0 and 1/);
  expectError(() => new camlens.Audit({ modelJson: 5, shards: [] }, {}), /model\.modelJson must be a string/);
});
