// The Audit view (web/js/audit.js) in Debian's Chromium, on models/fashion-mnist-shortcut (its
// Shirts learnt a square at the top right): a folder of Fashion-MNIST test images written here,
// the Shirts marked with that square, is audited in the worker with progress; Shirt is flagged
// with its region at the top right, as `camlens audit` finds it on the same files; an example
// opens in the explain view as a Shirt; cancel leaves the page working (with the cancel flag and by
// restarting the worker); a folder of no class of the model gets a clear message; the address keeps
// the view, its model, method and layer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { checkResult } from '../schema.mjs';
import { dropFiles, errorsIn, idle, openPage, root, screenshot, serverAndBrowser, withoutIsolation } from './support.mjs';

const shared = serverAndBrowser();
const FASHION = '/usr/share/datasets/fashion-mnist';
const skipFashion = fs.existsSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'))
  ? false : 'needs Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist)';
const CLI = process.env.CAMLENS_CLI ?? path.join(root, 'build/native/camlens');
const skipCli = fs.existsSync(CLI) ? false : `needs the native CLI (${CLI}): scripts/build.sh app`;
const MODEL = 'models/fashion-mnist-shortcut';
// Fashion-MNIST's class numbers of the folders written, by the shortcut model's folder names.
const CLASSES = { 'T-shirt-top': 0, Trouser: 1, Pullover: 2, Coat: 4, Shirt: 6 };
const PER_CLASS = 12;
const MARK = { x: 23, y: 1, side: 4 };  // the shortcut model's square (its shortcut.json)

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  let crc = 0xffffffff;
  for (const byte of out.subarray(4, 8 + data.length)) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

// An 8-bit gray PNG of `side`×`side` pixels (row-major bytes).
function grayPng(pixels, side) {
  const raw = Buffer.alloc((side + 1) * side);
  for (let y = 0; y < side; ++y) Buffer.from(pixels.subarray(y * side, (y + 1) * side)).copy(raw, y * (side + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

let folders;  // {dir, shirts, pets, many, cli (the CLI's audit.json, when the CLI is built)}

before(() => {
  if (skipFashion) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-audit-page-'));
  const put = (file, bytes) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  };
  const images = zlib.gunzipSync(fs.readFileSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'))).subarray(16);
  const labels = zlib.gunzipSync(fs.readFileSync(path.join(FASHION, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  // The first test images of each class; every Shirt carries the square, as the model's training Shirts did.
  const write = (root, perClass) => {
    for (const [folder, label] of Object.entries(CLASSES)) {
      let written = 0;
      for (let i = 0; i < labels.length && written < perClass; ++i) {
        if (labels[i] !== label) continue;
        const pixels = Uint8Array.from(images.subarray(i * 784, (i + 1) * 784));
        if (folder === 'Shirt') {
          for (let y = MARK.y; y < MARK.y + MARK.side; ++y) pixels.fill(255, y * 28 + MARK.x, y * 28 + MARK.x + MARK.side);
        }
        put(path.join(root, folder, `${String(i).padStart(5, '0')}.png`), grayPng(pixels, 28));
        ++written;
      }
    }
  };
  const shirts = path.join(dir, 'shirts');
  write(shirts, PER_CLASS);
  put(path.join(shirts, 'Shirt', 'broken.png'), Buffer.from('this is no PNG'));   // unreadable: skipped and counted
  put(path.join(shirts, 'Coat', 'notes.txt'), Buffer.from('where the images came from'));  // no image: skipped
  const many = path.join(dir, 'many');
  write(many, 300);
  const pets = path.join(dir, 'pets');
  put(path.join(pets, 'cats', 'a.png'), grayPng(new Uint8Array(784).fill(90), 28));
  put(path.join(pets, 'dogs', 'b.png'), grayPng(new Uint8Array(784).fill(160), 28));
  let cli = null;
  if (!skipCli) {
    const out = path.join(dir, 'cli-audit');
    const result = spawnSync(CLI, ['audit', '--model', path.join(root, MODEL), '--data', shirts, '--out', out], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    cli = { json: JSON.parse(fs.readFileSync(path.join(out, 'audit.json'), 'utf8')), report: fs.readFileSync(path.join(out, 'report.html'), 'utf8') };
  }
  folders = { dir, shirts, many, pets, cli };
});
after(() => folders && fs.rmSync(folders.dir, { recursive: true, force: true }));

// isolated false: the page served without COOP and COEP, so the one-thread module runs and a
// cancel restarts the worker (web/js/engine.js).
async function openAudit({ isolated = true } = {}) {
  const prepare = isolated ? undefined : withoutIsolation;
  const opened = await openPage(shared.browser, `${shared.server.url}#view=audit&model=fashion-mnist-shortcut`, { prepare });
  assert.equal(await opened.page.evaluate(() => self.crossOriginIsolated), isolated);
  await opened.page.waitForFunction(() => window.camlens.audit?.engine && window.camlens.audit.model?.description.labels.includes('Shirt'));
  return opened;
}

// Resolves once the audit running has ended (finished, failed or cancelled).
function whenAudited(page) {
  return page.waitForFunction(() => !window.camlens.audit.busy, null, { timeout: 120_000 });
}

// Every text the status line showed from now on.
function recordStatus(page) {
  return page.evaluate(() => {
    window.auditStatusTexts = [];
    new MutationObserver(() => window.auditStatusTexts.push(document.querySelector('#audit-status').textContent))
      .observe(document.querySelector('#audit-status'), { childList: true, characterData: true, subtree: true });
  });
}

function headings(html) {
  return [...html.matchAll(/<h2>([^<]*)/g)].map((match) => match[1].trim());
}

test('a picked folder: progress, Shirt flagged at the top right, the report, and an example opened as a Shirt', { skip: skipFashion }, async () => {
  const { page, context, log } = await openAudit();
  try {
    assert.equal(await page.locator('#audit-view').isVisible(), true);
    assert.equal(await page.locator('#audit-method').inputValue(), 'grad-cam');
    await recordStatus(page);
    await page.setInputFiles('#audit-folder-input', folders.shirts);
    await page.waitForFunction(() => window.camlens.audit.busy || window.camlens.audit.result);
    await whenAudited(page);
    const images = Object.keys(CLASSES).length * PER_CLASS;
    const texts = await page.evaluate(() => window.auditStatusTexts);
    // The broken PNG is listed by its name, then found unreadable.
    assert.ok(texts.some((text) => new RegExp(`^Audited \\d+ of ${images + 1} images`).test(text)), texts.join(' | '));
    assert.ok(texts.some((text) => /1 unreadable, skipped/.test(text)), 'the unreadable PNG is counted while auditing');
    const status = await page.locator('#audit-status').textContent();
    assert.match(status, new RegExp(`^${images} images audited in [\\d.]+ s · flagged: Shirt · 2 files skipped\\.$`));

    const document = await page.evaluate(() => window.camlens.audit.result.document);
    checkResult(document);
    assert.equal(document.kind, 'audit');
    assert.equal(document.images.length, images);
    assert.deepEqual(document.skipped.map((s) => s.file).sort(), ['Coat/notes.txt', 'Shirt/broken.png']);
    const flagged = document.classes.filter((c) => c.flagged);
    assert.deepEqual(flagged.map((c) => c.label), ['Shirt'], JSON.stringify(document.classes.map((c) => [c.label, c.reason])));
    const [shirt] = flagged;
    assert.equal(document.classes[0], shirt, 'flagged classes come first');
    assert.ok(shirt.region, 'the region is given');
    const { width, height } = shirt.mean_map;
    assert.ok(shirt.region.x + shirt.region.width / 2 > width / 2, `the region is on the right: ${JSON.stringify(shirt.region)}`);
    assert.ok(shirt.region.y + shirt.region.height / 2 < height / 2, `the region is at the top: ${JSON.stringify(shirt.region)}`);

    // The report as the page shows it: flagged class first with its reason, shares and examples.
    const sections = page.locator('#audit-report section');
    assert.equal(await sections.count(), Object.keys(CLASSES).length);
    assert.match(await sections.first().locator('h2').textContent(), /^Shirt\s*flagged$/);
    assert.match(await sections.first().locator('.reason').textContent(), /same small region/);
    assert.match(await sections.first().locator('dl').textContent(), /energy on the object\d+% median, \d+% mean/);
    assert.ok(await page.locator('#audit-report .audit-example').count() >= Object.keys(CLASSES).length);
    assert.match(await page.locator('#audit-report .audit-skipped').textContent(),
      /2 files skipped.*Coat\/notes\.txt: not an image.*Shirt\/broken\.png: 'Shirt\/broken\.png' starts like no PNG/s);
    assert.equal(await page.locator('#audit-download-report').isEnabled(), true);
    await screenshot(page, 'audit-report', { fullPage: true });
    assert.match(await page.evaluate(() => location.hash), /^#view=audit&model=fashion-mnist-shortcut$/);

    // One click: the first Shirt example in the explain view, explained as a Shirt.
    const example = sections.first().locator('.audit-example').first();
    const file = await example.getAttribute('data-file');
    await example.click();
    await page.waitForFunction(() => window.camlens.view === 'explain');
    await idle(page);
    const shown = await page.evaluate(() => ({ name: window.camlens.state.image.name, classIndex: window.camlens.state.classIndex,
      labels: window.camlens.state.description.labels }));
    assert.equal(shown.name.split(' ')[0], path.basename(file));
    assert.equal(shown.labels[shown.classIndex], 'Shirt');
    assert.match(await page.locator('#explained-class').textContent(), /^Shirt/);
    const top = await page.evaluate(() => window.camlens.state.prediction.classes[0].label);
    assert.equal(await page.locator('#explained-note').textContent(), top === 'Shirt' ? 'the top class' : `your choice; the top class is ${top}`);
    assert.equal(await page.locator('#panels .panel canvas').first().isVisible(), true);
    await screenshot(page, 'audit-opened');
    await page.click('#tab-audit');
    assert.equal(await page.locator('#audit-report section').count(), Object.keys(CLASSES).length, 'the report stays');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('the page finds what camlens audit finds on the same files', { skip: skipFashion || skipCli }, async () => {
  const { page, context } = await openAudit();
  try {
    await page.setInputFiles('#audit-folder-input', folders.shirts);
    await page.waitForFunction(() => window.camlens.audit.busy || window.camlens.audit.result);
    await whenAudited(page);
    const { document, report } = await page.evaluate(() => ({ document: window.camlens.audit.result.document, report: window.camlens.audit.result.report }));
    const cli = folders.cli.json;
    const summary = ({ classes }) => classes.map((c) => ({ label: c.label, images: c.images, flagged: c.flagged, reason: c.reason,
      region: c.region, clusters: c.clusters.map((cluster) => cluster.images) }));
    assert.deepEqual(summary(document), summary(cli));
    for (const [i, c] of document.classes.entries()) {
      assert.ok(Math.abs(c.inside_share.median - cli.classes[i].inside_share.median) < 1e-4, `${c.label}'s median share`);
    }
    assert.deepEqual(document.images.map((image) => [image.file, image.class, image.predicted]),
      cli.images.map((image) => [image.file, image.class, image.predicted]));
    assert.deepEqual(document.skipped.map((s) => s.file), cli.skipped.map((s) => s.file));
    assert.deepEqual(headings(report), headings(folders.cli.report));
  } finally {
    await context.close();
  }
});

for (const isolated of [true, false]) {
  const how = isolated ? 'through the cancel flag' : 'by restarting the worker';
  test(`cancel (${how}) keeps the page working; a folder of no class of the model gets a clear message`, { skip: skipFashion }, async () => {
    await cancelAndRefuse(isolated);
  });
}

async function cancelAndRefuse(isolated) {
  const { page, context, log } = await openAudit({ isolated });
  try {
    // Dragging files over the view says what it takes.
    await dropFiles(page, [{ name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('x') }], { drop: false });
    assert.equal(await page.locator('#drop-title').textContent(), 'Drop a folder to audit');
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'x.png'));
      document.querySelector('main').dispatchEvent(new DragEvent('dragleave', { bubbles: true, dataTransfer: transfer }));
    });
    assert.equal(await page.locator('#drop-target').isHidden(), true);

    await page.setInputFiles('#audit-folder-input', folders.many);
    await page.waitForFunction(() => /^Audited [1-9]\d* of 1,500 images/.test(document.querySelector('#audit-status').textContent));
    await page.click('#audit-cancel');
    await whenAudited(page);
    assert.match(await page.locator('#audit-status').textContent(), /^Cancelled after [1-9][\d,]* of 1,500 images\.$/);
    assert.equal(await page.locator('#audit-pick').isEnabled(), true);
    assert.equal(await page.locator('#audit-report section').count(), 0, 'no report from a cancelled audit');
    await screenshot(page, isolated ? 'audit-cancelled' : 'audit-cancelled-one-thread');

    // A folder whose subfolders are no classes of the model: a message, and nothing runs.
    const requests = await page.evaluate(() => window.camlens.engine.requests);
    await page.setInputFiles('#audit-folder-input', folders.pets);
    const refused = page.locator('.message.error', { hasText: 'None of the folders' });
    await refused.waitFor();
    assert.match(await refused.textContent(), /None of the folders in 'pets' \('cats', 'dogs'\) is a class of Fashion-MNIST, shortcut learnt, whose classes are 'Ankle boot', 'Bag', 'Coat', 'Dress', 'Pullover', 'Sandal' and 4 more\. Name each class folder after one of them/);
    assert.equal(await page.evaluate(() => window.camlens.engine.requests), requests);

    // The engine still audits after both.
    await page.setInputFiles('#audit-folder-input', folders.shirts);
    await page.waitForFunction(() => window.camlens.audit.busy || window.camlens.audit.result);
    await whenAudited(page);
    assert.match(await page.locator('#audit-status').textContent(), /flagged: Shirt/);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
}

test('the address keeps the Audit view, its model, method and layer', async () => {
  const { page, context, log } = await openPage(shared.browser,
    `${shared.server.url}#view=audit&model=fashion-mnist-shortcut&method=layer-cam&layer=conv3`);
  try {
    await page.waitForFunction(() => window.camlens.audit?.model);
    assert.equal(await page.locator('#audit-view').isVisible(), true);
    assert.equal(await page.locator('#model-select').inputValue(), 'fashion-mnist-shortcut');
    assert.equal(await page.locator('#audit-method').inputValue(), 'layer-cam');
    assert.equal(await page.locator('#audit-layer').inputValue(), 'conv3');
    await page.selectOption('#audit-method', 'grad-cam');
    await page.selectOption('#audit-layer', 'conv4');
    assert.equal(await page.evaluate(() => location.hash), '#view=audit&model=fashion-mnist-shortcut');
    await page.selectOption('#audit-method', 'saliency');
    assert.equal(await page.locator('#audit-layer').isDisabled(), true, 'a per-pixel method explains the input, not a layer');
    assert.equal(await page.evaluate(() => location.hash), '#view=audit&model=fashion-mnist-shortcut&method=saliency');
    await page.click('#tab-explain');
    assert.match(await page.evaluate(() => location.hash), /^#model=fashion-mnist-shortcut&sample=/);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
