// ONNX models exported by PyTorch, end to end through the command-line tool: tests/onnx/make_models.py
// exports small seeded CNNs with torch.onnx.export and computes, in PyTorch on the same image, the
// logits, Grad-CAM (hooks) and saliency (autograd); camlens must reproduce them within 1e-4.
// Skipped, saying so, when Debian's python3-torch is missing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { camlens, root, tempDir } from './cli.mjs';

const PYTHON = '/usr/bin/python3';  // Debian's, where python3-torch lives
const TOLERANCE = 1e-4;
const MODELS = ['tiny_resnet', 'tiny_vgg', 'tiny_grouped', 'tiny_mobilenet_v3', 'tiny_efficientnet', 'tiny_densenet',
                'tiny_inception'];

function exportModels() {
  const dir = tempDir('onnx');
  const result = spawnSync(PYTHON, [path.join(root, 'tests/onnx/make_models.py'), dir], { encoding: 'utf8' });
  if (result.error || result.status === 3) return { skip: result.error ? `${PYTHON}: ${result.error.message}` : result.stderr.trim() };
  assert.equal(result.status, 0, `make_models.py failed:\n${result.stderr}`);
  return { dir };
}

const exported = exportModels();
const skip = exported.skip ? `PyTorch missing, ONNX tests skipped: ${exported.skip}` : false;
if (skip) console.log(`# ${skip}`);

// max |a - b| over max |b|: every value against the scale of the whole reference.
function relativeError(actual, expected) {
  assert.equal(actual.length, expected.length, 'lengths differ');
  const scale = Math.max(...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; ++i) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / scale;
}

for (const name of MODELS) {
  test(`${name}: logits, Grad-CAM and saliency match PyTorch`, { skip }, () => {
    const model = path.join(exported.dir, `${name}.onnx`);
    const image = path.join(exported.dir, `${name}.png`);
    const reference = JSON.parse(fs.readFileSync(path.join(exported.dir, `${name}.reference.json`), 'utf8'));
    const classes = reference.logits.length;

    const predicted = camlens('predict', image, '--model', model, '--top', String(classes), '--json', '--threads', '1');
    assert.equal(predicted.code, 0, predicted.stderr);
    const logits = new Array(classes);
    for (const c of JSON.parse(predicted.stdout).images[0].prediction.classes) logits[c.class] = c.logit;
    assert.ok(relativeError(logits, reference.logits) < TOLERANCE, `logits ${logits} vs ${reference.logits}`);

    const out = tempDir(`onnx-${name}`);
    const explained = camlens('explain', image, '--model', model, '--out', out, '--json', '--quiet', '--threads', '1',
                              '--method', 'grad-cam,saliency', '--layer', reference.cam_layer, '--class', String(reference.target));
    assert.equal(explained.code, 0, explained.stderr);
    const maps = JSON.parse(fs.readFileSync(path.join(out, `${name}.json`), 'utf8')).explanations;
    const gradCam = maps.find((m) => m.method === 'grad-cam');
    const saliency = maps.find((m) => m.method === 'saliency');
    assert.equal(gradCam.layer, reference.cam_layer);
    const camError = relativeError(gradCam.raw.values, reference.cam_raw);
    const weightError = relativeError(gradCam.channel_weights, reference.channel_weights);
    const saliencyError = relativeError(saliency.raw.values, reference.saliency);
    assert.ok(camError < TOLERANCE, `Grad-CAM map off by ${camError}`);
    assert.ok(weightError < TOLERANCE, `Grad-CAM channel weights off by ${weightError}`);
    assert.ok(saliencyError < TOLERANCE, `saliency off by ${saliencyError}`);

    // Exact sums change the forward values by float32 rounding only: the same saliency.
    const exactOut = tempDir(`onnx-${name}-exact`);
    const exact = camlens('explain', image, '--model', model, '--out', exactOut, '--json', '--quiet', '--threads', '1',
                          '--method', 'saliency', '--class', String(reference.target), '--exact-sums');
    assert.equal(exact.code, 0, exact.stderr);
    const exactSaliency = JSON.parse(fs.readFileSync(path.join(exactOut, `${name}.json`), 'utf8')).explanations[0];
    const exactError = relativeError(exactSaliency.raw.values, reference.saliency);
    assert.ok(exactError < TOLERANCE, `saliency with exact sums off by ${exactError}`);
  });
}

test('an op camlens does not import is an error naming the op and the node', { skip }, () => {
  const dir = tempDir('onnx-bad');
  const bytes = fs.readFileSync(path.join(exported.dir, 'tiny_resnet.onnx'));
  // The op_type field (tag 4, 17 bytes) renamed in place: the protobuf stays well-formed.
  const renamed = Buffer.from(bytes.toString('latin1').replace('\x22\x11GlobalAveragePool', '\x22\x11GlobalLpPoolXXXXX'), 'latin1');
  fs.writeFileSync(path.join(dir, 'm.onnx'), renamed);
  const result = camlens('predict', path.join(exported.dir, 'tiny_resnet.png'), '--model', path.join(dir, 'm.onnx'));
  assert.equal(result.code, 3);
  assert.match(result.stderr, /op 'GlobalLpPoolXXXXX' \(node '\/pool\/GlobalAveragePool'\) is not supported/);
});

test('a truncated .onnx file is an error, not a crash', { skip }, () => {
  const dir = tempDir('onnx-truncated');
  const bytes = fs.readFileSync(path.join(exported.dir, 'tiny_vgg.onnx'));
  for (const keep of [7, 100, Math.floor(bytes.length / 2), bytes.length - 3]) {
    fs.writeFileSync(path.join(dir, 'm.onnx'), bytes.subarray(0, keep));
    const result = camlens('predict', path.join(exported.dir, 'tiny_vgg.png'), '--model', path.join(dir, 'm.onnx'));
    assert.equal(result.code, 3, `${keep} bytes: ${result.stderr}`);
    assert.match(result.stderr, /ONNX: /, `${keep} bytes`);
  }
});
