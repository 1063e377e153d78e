// A PyTorch model in the page: tests/onnx/make_models.py exports a small seeded CNN with
// squeeze-and-excitation to ONNX; dropped on the page with its metadata.json, it must predict and
// explain its image exactly as the command-line tool does. Skipped, saying so, when Debian's
// python3-torch is missing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropFiles, fileFrom, idle, openPage, root, screenshot, serverAndBrowser } from './support.mjs';
import { camlens } from '../tools/cli.mjs';
import { withExternalData } from '../onnx/external_data.mjs';

const MODEL = 'tiny_mobilenet_v3';
const TOLERANCE = 1e-5;  // the same engine on both sides: only the kernels' summation order differs

function exportModel() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-page-onnx-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const result = spawnSync('/usr/bin/python3', [path.join(root, 'tests/onnx/make_models.py'), dir, MODEL], { encoding: 'utf8' });
  if (result.error || result.status === 3) return { skip: `PyTorch missing, ONNX page test skipped: ${result.error?.message ?? result.stderr.trim()}` };
  assert.equal(result.status, 0, `make_models.py failed:\n${result.stderr}`);
  return { dir };
}

const exported = exportModel();
if (exported.skip) console.log(`# ${exported.skip}`);
const shared = serverAndBrowser();

function worstRelative(actual, expected) {
  assert.equal(actual.length, expected.length, 'lengths differ');
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((value, i) => Math.abs(value - expected[i]))) / scale;
}

test('a dropped .onnx model predicts and explains as the command-line tool does', { skip: exported.skip }, async () => {
  const file = (suffix) => path.join(exported.dir, `${MODEL}${suffix}`);
  const reference = JSON.parse(fs.readFileSync(file('.reference.json'), 'utf8'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-page-onnx-cli-'));
  const cli = camlens('explain', file('.png'), '--model', file('.onnx'), '--out', out, '--json', '--quiet', '--method', 'grad-cam',
    '--layer', reference.cam_layer, '--class', String(reference.target));
  assert.equal(cli.code, 0, cli.stderr);
  const expected = JSON.parse(fs.readFileSync(path.join(out, `${MODEL}.json`), 'utf8'));
  fs.rmSync(out, { recursive: true, force: true });
  const predicted = camlens('predict', file('.png'), '--model', file('.onnx'), '--top', '10', '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  const cliLogits = [];
  for (const c of JSON.parse(predicted.stdout).images[0].prediction.classes) cliLogits[c.class] = c.logit;
  const logitScale = Math.max(...cliLogits.map(Math.abs));

  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await dropFiles(page, [fileFrom(file('.onnx')), fileFrom(file('.metadata.json'), 'application/json')]);
    await idle(page);
    const notices = await page.locator('.message.notice').allTextContents();
    assert.ok(notices.some((text) => text.includes(`Loaded your model '${MODEL}': 10 classes`)), notices.join('\n'));
    // Its metadata.json gives no labels: the page says so, and asks for them beside the .onnx file.
    assert.ok(notices.some((text) => /does not give its labels: .*together with the \.onnx file/.test(text)), notices.join('\n'));
    await dropFiles(page, [fileFrom(file('.png'), 'image/png')]);
    await idle(page);
    await page.selectOption('#layer-select', reference.cam_layer);
    await idle(page);

    const shown = await page.evaluate(() => {
      const { lastView, panels } = window.camlens;
      const gradCam = panels().find((panel) => panel.method === 'grad-cam').explanation;
      return { classes: lastView.prediction.classes, layer: gradCam.layer, raw: Array.from(gradCam.raw.values) };
    });
    const top = shown.classes.reduce((best, c) => (c.logit > best.logit ? c : best));
    assert.equal(top.class, reference.target);
    for (const c of shown.classes) {
      assert.ok(Math.abs(c.logit - cliLogits[c.class]) <= TOLERANCE * logitScale, `logit of class ${c.class}: ${c.logit} vs ${cliLogits[c.class]}`);
    }
    const cliMap = expected.explanations.find((m) => m.method === 'grad-cam');
    assert.equal(shown.layer, reference.cam_layer);
    assert.ok(worstRelative(shown.raw, cliMap.raw.values) < TOLERANCE, 'Grad-CAM differs from the CLI\'s');
    await screenshot(page, 'onnx-own-model');
    assert.deepEqual(log.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('an .onnx model whose weights live in an external data file loads when both are dropped, and says which file is missing', { skip: exported.skip }, async () => {
  const file = (suffix) => path.join(exported.dir, `${MODEL}${suffix}`);
  const split = withExternalData(new Uint8Array(fs.readFileSync(file('.onnx'))), `${MODEL}.onnx.data`);
  const onnx = { name: `${MODEL}.onnx`, mimeType: 'application/octet-stream', buffer: Buffer.from(split.onnx) };
  const data = { name: `${MODEL}.onnx.data`, mimeType: 'application/octet-stream', buffer: Buffer.from(split.data) };
  const metadata = fileFrom(file('.metadata.json'), 'application/json');
  const predicted = camlens('predict', file('.png'), '--model', file('.onnx'), '--top', '10', '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  const cliLogits = [];
  for (const c of JSON.parse(predicted.stdout).images[0].prediction.classes) cliLogits[c.class] = c.logit;

  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    const before = await page.evaluate(() => window.camlens.state.modelId);
    await dropFiles(page, [onnx, metadata]);
    await idle(page);
    assert.match(await page.locator('#messages .message.error').last().textContent(),
      /the model's weights live in the external data file 'tiny_mobilenet_v3\.onnx\.data', which was not given: select or drop it together with the \.onnx file/);
    assert.equal(await page.evaluate(() => window.camlens.state.modelId), before, 'the model shown before stays');

    await dropFiles(page, [onnx, data, metadata]);
    await idle(page);
    const notices = await page.locator('.message.notice').allTextContents();
    assert.ok(notices.some((text) => text.includes(`Loaded your model '${MODEL}': 10 classes`)), notices.join('\n'));
    await dropFiles(page, [fileFrom(file('.png'), 'image/png')]);
    await idle(page);
    const classes = await page.evaluate(() => window.camlens.lastView.prediction.classes);
    const scale = Math.max(...cliLogits.map(Math.abs));
    for (const c of classes) {
      assert.ok(Math.abs(c.logit - cliLogits[c.class]) <= TOLERANCE * scale, `logit of class ${c.class}: ${c.logit} vs ${cliLogits[c.class]}`);
    }
    assert.deepEqual(log.pageErrors, []);
  } finally {
    await context.close();
  }
});

