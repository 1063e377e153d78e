// ONNX models through the page's bridge (Module.Explainer.fromOnnx, Module.Audit) in WebAssembly
// under Node: tests/onnx/make_models.py exports small seeded PyTorch CNNs, and the bridge must give
// PyTorch's logits, Grad-CAM and saliency on their images within 1e-4. Skipped, saying so, when
// Debian's python3-torch is missing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePng } from '../tools/png.mjs';
import { loadCamlens, root } from './support.mjs';
import { withExternalData } from '../onnx/external_data.mjs';

const MODELS = ['tiny_mobilenet_v3', 'tiny_efficientnet', 'tiny_inception'];
const TOLERANCE = 1e-4;

function exportModels() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-onnx-bridge-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const result = spawnSync('/usr/bin/python3', [path.join(root, 'tests/onnx/make_models.py'), dir, ...MODELS], { encoding: 'utf8' });
  if (result.error || result.status === 3) return { skip: `PyTorch missing, ONNX bridge tests skipped: ${result.error?.message ?? result.stderr.trim()}` };
  assert.equal(result.status, 0, `make_models.py failed:\n${result.stderr}`);
  return { dir };
}

const exported = exportModels();
if (exported.skip) console.log(`# ${exported.skip}`);
const camlens = exported.skip ? null : await loadCamlens('camlens-test');

function files(name) {
  const file = (suffix) => path.join(exported.dir, `${name}${suffix}`);
  const png = decodePng(fs.readFileSync(file('.png')));
  const rgba = new Uint8ClampedArray(png.width * png.height * 4);
  for (let i = 0; i < png.width * png.height; ++i) {
    for (let c = 0; c < 3; ++c) rgba[4 * i + c] = png.pixels[i * png.channels + c];
    rgba[4 * i + 3] = 255;
  }
  return {
    onnx: new Uint8Array(fs.readFileSync(file('.onnx'))),
    metadataJson: fs.readFileSync(file('.metadata.json'), 'utf8'),
    reference: JSON.parse(fs.readFileSync(file('.reference.json'), 'utf8')),
    image: { rgba, width: png.width, height: png.height },
  };
}

function relativeError(actual, expected) {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i]))) / scale;
}

for (const name of MODELS) {
  test(`${name}: Explainer.fromOnnx gives PyTorch's logits, Grad-CAM and saliency`, { skip: exported.skip }, () => {
    const { onnx, metadataJson, reference, image } = files(name);
    const explainer = camlens.Explainer.fromOnnx(onnx, metadataJson, []);
    try {
      explainer.setImage(image.rgba, image.width, image.height);
      const classes = reference.logits.length;
      const view = explainer.view({ methods: ['grad-cam', 'saliency'], layer: reference.cam_layer, class: reference.target, top_k: classes });
      assert.deepEqual(view.failures, []);
      const logits = [];
      for (const c of view.prediction.classes) logits[c.class] = c.logit;
      assert.ok(relativeError(logits, reference.logits) < TOLERANCE, `logits ${logits} vs ${reference.logits}`);
      const [gradCam, saliency] = view.explanations;
      assert.equal(gradCam.layer, reference.cam_layer);
      assert.ok(relativeError(gradCam.raw.values, reference.cam_raw) < TOLERANCE, 'Grad-CAM map');
      assert.ok(relativeError(saliency.raw.values, reference.saliency) < TOLERANCE, 'saliency');
    } finally {
      explainer.delete();
    }
  });
}

test('the audit takes an ONNX model as the explain view loaded it', { skip: exported.skip }, () => {
  const { onnx, metadataJson, reference, image } = files('tiny_inception');
  const audit = new camlens.Audit({ onnx, metadataJson }, { model: 'tiny_inception', data: 'one', layer: reference.cam_layer });
  try {
    audit.addImage(image.rgba, image.width, image.height, 'class 3/a.png', 'class 3');
    const document = JSON.parse(audit.finish());
    assert.equal(document.layer, reference.cam_layer);
    assert.equal(document.images[0].predicted, reference.target);
  } finally {
    audit.delete();
  }
});

test('a truncated .onnx file through the bridge is an Error saying so', { skip: exported.skip }, () => {
  const { onnx } = files('tiny_mobilenet_v3');
  assert.throws(() => camlens.Explainer.fromOnnx(onnx.subarray(0, 100), '', []), (error) => error instanceof Error && /ONNX: /.test(error.message));
  assert.throws(() => camlens.Explainer.fromOnnx('not bytes', '', []), /Explainer\.fromOnnx: the model must be a Uint8Array/);
});

test('weights in an external data file, given beside the .onnx file, load as the inline model; missing or short, an Error says which', { skip: exported.skip }, () => {
  const { onnx, metadataJson, image } = files('tiny_mobilenet_v3');
  const split = withExternalData(onnx, 'weights/tiny_mobilenet_v3.onnx.data');
  assert.ok(split.moved > 10 && split.data.length > split.onnx.length,
    `${split.moved} tensors moved: ${split.data.length} bytes of data, ${split.onnx.length} of ${onnx.length} bytes left`);
  const logitsOf = (explainer) => {
    explainer.setImage(image.rgba, image.width, image.height);
    return explainer.view({ methods: [], top_k: 0 }).prediction.classes.map((c) => c.logit);
  };
  const inline = camlens.Explainer.fromOnnx(onnx, metadataJson, []);
  // The page has the file's base name only, whatever folder the model names.
  const external = camlens.Explainer.fromOnnx(split.onnx, metadataJson, [{ name: 'tiny_mobilenet_v3.onnx.data', bytes: split.data }]);
  try {
    assert.deepEqual(logitsOf(external), logitsOf(inline));
  } finally {
    inline.delete();
    external.delete();
  }
  assert.throws(() => camlens.Explainer.fromOnnx(split.onnx, metadataJson, []),
    /the model's weights live in the external data file 'weights\/tiny_mobilenet_v3\.onnx\.data', which was not given: select or drop it together with the \.onnx file/);
  assert.throws(() => camlens.Explainer.fromOnnx(split.onnx, metadataJson, [{ name: 'tiny_mobilenet_v3.onnx.data', bytes: split.data.subarray(0, 1000) }]),
    /holds 1000 bytes; a tensor needs bytes .*: the file is truncated or not the one the model was saved with/);
  assert.throws(() => camlens.Explainer.fromOnnx(split.onnx, metadataJson, [{ name: 'x.data', bytes: 'not bytes' }]),
    /Explainer\.fromOnnx: external\[0\] must be \{name: string, bytes: Uint8Array\}/);
});

