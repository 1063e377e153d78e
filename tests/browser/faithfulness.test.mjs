// "How faithful?" on a panel and the Sanity check in Debian's Chromium, on the emotion model's
// default sample (the astronaut, on the face found): a panel's deletion, insertion and ROAD equal
// `camlens evaluate --json` on the same pixels and box, beside the same random and Sobel
// baselines; cancelling a score leaves the page working; the sanity check shows the cascade, with
// Grad-CAM's similarity falling and the Sobel edges' staying at 1, and the address keeps it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkResult } from '../schema.mjs';
import { errorsIn, idle, openPage, root, screenshot, serverAndBrowser, withoutIsolation } from './support.mjs';

const shared = serverAndBrowser();
const CLI = process.env.CAMLENS_CLI ?? path.join(root, 'build/native/camlens');
const skipCli = fs.existsSync(CLI) ? false : `needs the native CLI (${CLI}): scripts/build.sh app`;
// The page and the CLI run the same engine on the same pixels; only float rounding differs (SIMD128
// in WebAssembly, XNNPACK natively), below the third decimal the panel prints. One point of a curve
// may differ more: map values that tie but for rounding can rank in another order.
const TOLERANCE = 2e-3;
const POINT_TOLERANCE = 2e-2;

function panel(page, method) {
  return page.locator(`#panels .panel[data-method="${method}"]`);
}

// The page's photo as a PNG (the CLI decodes PNG exactly as the page hands RGBA over), with the box.
async function pagePhoto(page) {
  return page.evaluate(async () => {
    const { image, crop } = window.camlens.state;
    const canvas = new OffscreenCanvas(image.width, image.height);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { png: btoa(binary), crop };
  });
}

function cliEvaluation(pngBase64, crop, method) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-faith-'));
  try {
    const image = path.join(dir, 'photo.png');
    fs.writeFileSync(image, Buffer.from(pngBase64, 'base64'));
    const result = spawnSync(CLI, ['evaluate', image, '--model', path.join(root, 'models/emotion'), '--method', method,
      '--crop', `${crop.x},${crop.y},${crop.width},${crop.height}`, '--json', '--quiet', '--out', path.join(dir, 'out')],
    { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(fs.readFileSync(path.join(dir, 'out/evaluation.json'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function scorePanel(page, method) {
  await panel(page, method).getByRole('button', { name: /How faithful/ }).click();
  await page.waitForFunction((name) => window.camlens.panels().find((p) => p.method === name)?.faithfulness, method,
    { timeout: 60_000 });
  await idle(page);
  return page.evaluate((name) => {
    const { faithfulness } = window.camlens.panels().find((p) => p.method === name);
    const plain = (entry) => JSON.parse(JSON.stringify(entry, (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value)));
    return { map: plain(faithfulness.map), random: plain(faithfulness.random), sobel: plain(faithfulness.sobel) };
  }, method);
}

function assertClose(actual, expected, what, tolerance = TOLERANCE) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: page ${actual}, CLI ${expected}`);
}

test('a panel\'s deletion, insertion and ROAD equal camlens evaluate\'s, beside the same baselines', async (t) => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    const scores = await scorePanel(page, 'grad-cam');
    const table = panel(page, 'grad-cam').locator('.faith-table');
    await assert.doesNotReject(table.waitFor());
    const cells = await table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [row.dataset.metric,
      ...[...row.querySelectorAll('td')].map((cell) => cell.textContent)]));
    assert.deepEqual(cells.map((row) => row[0]), ['deletion', 'insertion', 'road'], 'deletion never stands alone');
    assert.equal(cells[0][1], scores.map.deletion.auc.toFixed(3));
    assert.equal(cells[1][3], scores.sobel.insertion.auc.toFixed(3));
    assert.match(await panel(page, 'grad-cam').locator('.faith-note').textContent(), /random map.*insertion.*ROAD.*read all three/);
    assert.equal(await panel(page, 'grad-cam').locator('.faith-curves svg').count(), 2, 'a deletion and an insertion curve');
    await panel(page, 'grad-cam').scrollIntoViewIfNeeded();
    await screenshot(page, 'faithfulness-panel');

    // The engine's answer is a result document (kind "evaluation"), as the CLI writes it.
    checkResult(await page.evaluate(() => window.camlens.engine.evaluate({ methods: ['grad-cam'], metrics: ['deletion'] }).promise));

    // A second panel reuses the baselines of the same image, box and class.
    const camScores = await scorePanel(page, 'cam');
    assert.deepEqual(camScores.random, scores.random);

    if (skipCli) {
      t.skip(skipCli);
      return;
    }
    const { png, crop } = await pagePhoto(page);
    assert.deepEqual(crop, (await page.evaluate(() => window.camlens.faces))[0].crop, 'the face found in the sample');
    const document = checkResult(cliEvaluation(png, crop, 'grad-cam'));
    const [image] = document.images;
    const byName = Object.fromEntries(image.maps.map((map) => [map.method, map]));
    for (const [role, name] of [['map', 'grad-cam'], ['random', 'random'], ['sobel', 'sobel']]) {
      const ours = scores[role], theirs = byName[name];
      console.log(`# ${name}: deletion ${ours.deletion.auc.toFixed(5)} / ${theirs.deletion.auc.toFixed(5)}, insertion ` +
        `${ours.insertion.auc.toFixed(5)} / ${theirs.insertion.auc.toFixed(5)}, ROAD ${ours.road.combined.toFixed(5)} / ` +
        `${theirs.road.combined.toFixed(5)} (page / CLI)`);
      assertClose(ours.deletion.auc, theirs.deletion.auc, `${name} deletion AUC`);
      assertClose(ours.insertion.auc, theirs.insertion.auc, `${name} insertion AUC`);
      assertClose(ours.road.combined, theirs.road.combined, `${name} ROAD combined`);
      assertClose(ours.confidence.drop, theirs.confidence.drop, `${name} confidence drop`);
      assert.deepEqual(ours.deletion.changed, theirs.deletion.changed, `${name}: the same steps`);
      for (const curve of ['deletion', 'insertion']) {
        ours[curve].scores.forEach((v, i) => assertClose(v, theirs[curve].scores[i], `${name} ${curve} point ${i}`, POINT_TOLERANCE));
      }
    }
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

// isolated false: the page served without COOP and COEP, so a cancel restarts the engine's worker
// (web/js/engine.js) instead of raising the cancel flag.
async function openExplain({ isolated = true } = {}) {
  const prepare = isolated ? undefined : withoutIsolation;
  const opened = await openPage(shared.browser, shared.server.url, { prepare });
  assert.equal(await opened.page.evaluate(() => self.crossOriginIsolated), isolated);
  return opened;
}

for (const isolated of [true, false]) {
  test(`cancelling a score keeps the page working (${isolated ? 'cancel flag' : 'worker restarted'}); a new box clears the old numbers`, async () => {
    await cancelAndCarryOn(isolated);
  });
}

async function cancelAndCarryOn(isolated) {
  const { page, context, log } = await openExplain({ isolated });
  try {
    const faith = panel(page, 'saliency').locator('.panel-faith');
    await faith.getByRole('button', { name: /How faithful/ }).click();
    await faith.locator('progress').waitFor();
    await faith.getByRole('button', { name: 'Cancel' }).click();
    await faith.getByText(/Cancelled/).waitFor();
    await idle(page);
    assert.equal(await faith.getByRole('button', { name: /How faithful/ }).isEnabled(), true);
    // The page still explains and scores.
    await page.locator('#predictions .prediction', { hasText: 'neutral' }).click();
    await idle(page);
    assert.match(await page.locator('#explained-class').textContent(), /neutral/);
    const scores = await scorePanel(page, 'saliency');
    assert.ok(Number.isFinite(scores.map.insertion.auc));
    await page.evaluate(() => window.camlens.setCrop({ x: 150, y: 40, width: 150, height: 150 }));
    await idle(page);
    assert.equal(await faith.locator('.faith-table').count(), 0, 'numbers of another box are not shown');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
}

test('the sanity check shows Grad-CAM\'s map losing its shape as layers are randomised, the Sobel edges staying', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await page.locator('#sanity-section summary').click();
    await page.locator('#sanity-method').selectOption('grad-cam');
    await page.locator('#sanity-run').click();
    await page.waitForFunction(() => window.camlens.sanity.result, null, { timeout: 60_000 });
    await idle(page);
    const { document, thumbs } = await page.evaluate(() => ({
      document: JSON.parse(JSON.stringify(window.camlens.sanity.result.document)),
      thumbs: document.querySelectorAll('#sanity-strip .thumb canvas').length,
    }));
    checkResult(document);
    const maps = document.images[0].maps;
    const gradCam = maps.find((map) => map.method === 'grad-cam').sanity.cascading;
    const sobel = maps.find((map) => map.method === 'sobel').sanity.cascading;
    assert.ok(gradCam.length >= 5, `the emotion model has layers to randomise (${gradCam.length})`);
    assert.equal(thumbs, gradCam.length + 1, 'the original map, then one per step');
    assert.ok(gradCam.every((step) => step.spearman < 0.9), `Grad-CAM's map changes: ${gradCam.map((s) => s.spearman.toFixed(2))}`);
    assert.ok(gradCam.at(-1).ssim < 0.9, 'and loses its structure');
    assert.ok(sobel.every((step) => step.spearman === 1 && step.ssim === 1), 'the Sobel edges ignore the model');
    assert.equal(await page.locator('#sanity-plot svg polyline.series-sobel').count(), 1);
    assert.match(new URL(page.url()).hash, /sanity=grad-cam&seed=0/);
    await page.locator('#sanity-section').scrollIntoViewIfNeeded();
    await screenshot(page, 'sanity-check');

    // The address opens the check again, on the same seed: the same numbers.
    const again = await openPage(shared.browser, page.url());
    try {
      await again.page.waitForFunction(() => window.camlens.sanity.result, null, { timeout: 60_000 });
      const restored = await again.page.evaluate(() => JSON.parse(JSON.stringify(window.camlens.sanity.result.document)));
      assert.deepEqual(restored.images[0].maps.map((map) => map.sanity.cascading.map((s) => s.spearman)),
        maps.map((map) => map.sanity.cascading.map((s) => s.spearman)), 'seeded: the same cascade');
    } finally {
      await again.context.close();
    }
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
