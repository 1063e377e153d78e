// The page computes what the native CLI computes: for the same PNG image and crop box, the raw maps
// the page's panels hold equal those of `camlens explain --json`. (The WASM heap's flatness over many
// views is checked in Node, tests/node/bridge_heap.test.mjs, with the tests' module.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { idle, launchBrowser, openPage, root, startServer } from './support.mjs';

const FACE = path.join(root, 'tests/fixtures/images/astronaut_face.png');
const CLI = path.join(root, 'build/native/camlens');
const METHODS = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
// Raw maps differ only by float rounding (XNNPACK natively, SIMD128 in WebAssembly): every value
// within 1e-4 (absolute; measured: at most ~3e-5, on CAM maps whose values reach ~60).
const TOLERANCE = 1e-4;

let server;
let browser;
let page;
let context;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ({ page, context } = await openPage(browser, server.url));
  await page.setInputFiles('#image-file-input', FACE);
  await idle(page);
});
after(async () => {
  await context?.close();
  await browser?.close();
  server?.stop();
});

function nativeExplanations(crop, extra = []) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-parity-'));
  try {
    execFileSync(CLI, ['explain', FACE, '--out', out, '--json', '--method', METHODS.join(','),
      '--crop', `${crop.x},${crop.y},${crop.width},${crop.height}`, ...extra], { stdio: 'pipe' });
    return JSON.parse(fs.readFileSync(path.join(out, 'astronaut_face.json'), 'utf8')).explanations;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function pageMaps() {
  return page.evaluate(() => window.camlens.panels().map(({ method, explanation }) => ({
    method, layer: explanation.layer, class: explanation.class,
    width: explanation.raw.width, height: explanation.raw.height, values: Array.from(explanation.raw.values),
  })));
}

function assertSameMaps(pageExplanations, native, what) {
  for (const method of METHODS) {
    const ours = pageExplanations.find((e) => e.method === method);
    const theirs = native.find((e) => e.method === method);
    assert.equal(ours.class, theirs.class, `${what} ${method}: class`);
    if (method !== 'saliency') assert.equal(ours.layer, theirs.layer, `${what} ${method}: layer`);
    assert.deepEqual([ours.width, ours.height], [theirs.raw.width, theirs.raw.height], `${what} ${method}: map size`);
    const scale = Math.max(...theirs.raw.values.map(Math.abs));
    assert.ok(scale > 0, `${what} ${method}: the native map is not all zero`);
    const worst = Math.max(...ours.values.map((v, i) => Math.abs(v - theirs.raw.values[i])));
    assert.ok(worst <= TOLERANCE, `${what} ${method}: largest difference ${worst} > ${TOLERANCE}`);
    console.log(`# ${what} ${method}: ${ours.width}x${ours.height}, max |page - native| = ${worst.toExponential(2)} (map max ${scale.toPrecision(3)})`);
  }
}

test('the page\'s maps equal camlens explain --json for the whole image', async () => {
  const crop = await page.evaluate(() => window.camlens.state.crop);
  assert.deepEqual(crop, { x: 0, y: 0, width: 140, height: 140 }, 'a square image: the whole image is the default box');
  assertSameMaps(await pageMaps(), nativeExplanations(crop), 'whole');
});

test('... and for a crop box and another class', async () => {
  const crop = { x: 21, y: 14, width: 96, height: 96 };
  await page.evaluate((box) => window.camlens.setCrop(box), crop);
  await idle(page);
  await page.locator('#predictions .prediction', { hasText: 'neutral' }).click();
  await idle(page);
  assert.deepEqual(await page.evaluate(() => window.camlens.state.crop), crop);
  assertSameMaps(await pageMaps(), nativeExplanations(crop, ['--class', 'neutral']), 'crop+neutral');
});
