// web/js/engine.js and web/js/worker.js in Debian's Chromium (playwright-core): the Promise API
// over the worker (one request per action, views streamed in parts), results that are copies, errors that keep what was loaded, and
// cancelling both ways: with a SharedArrayBuffer flag when the page is cross-origin isolated, and
// by restarting the worker (re-loading model and image) when it is not. A small static server here
// serves web/js, build/wasm as /engine, models and the test fixture, with or without COOP/COEP.
// Run without --no-experimental-fetch (playwright-core needs Node's fetch), as scripts/test.sh does.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const ROUTES = {
  '/js/': path.join(root, 'web/js'),
  '/engine/': path.join(root, 'build/wasm'),
  '/models/': path.join(root, 'models'),
  '/fixtures/': path.join(root, 'tests/fixtures/images'),
};
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.html': 'text/html' };

function serve({ isolated }) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://localhost');
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    if (url.pathname === '/') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end('<!doctype html><title>engine</title>');
      return;
    }
    const prefix = Object.keys(ROUTES).find((p) => url.pathname.startsWith(p));
    const file = prefix && path.join(ROUTES[prefix], path.normalize(url.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(ROUTES[prefix]) || !fs.existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
      .end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox',
  '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'] });
test.after(() => browser.close());

// A page on a fresh server; `run` is evaluated in it with the engine created, the emotion model
// loaded and the astronaut's face set (window.engine, window.description).
async function inPage({ isolated }, run, argument) {
  const server = await serve({ isolated });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), isolated);
    await page.evaluate(async () => {
      const { createEngine } = await import('/js/engine.js');
      const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const text = async (url) => (await fetch(url)).text();
      window.engine = await createEngine();
      window.description = await window.engine.loadModel({
        modelJson: await text('/models/emotion/model.json'),
        shards: [{ name: 'emotion.bin', bytes: await bytes('/models/emotion/emotion.bin') }],
        metadataJson: await text('/models/emotion/metadata.json'),
      });
      const bitmap = await createImageBitmap(await (await fetch('/fixtures/astronaut_face.png')).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d');
      context.drawImage(bitmap, 0, 0);
      const { width, height, data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
      await window.engine.setImage({ width, height, data });
    });
    const result = await page.evaluate(run, argument);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await page.close();
    server.close();
  }
}

// Typed arrays as plain arrays, so a result can leave the page and meet the schema.
const PLAIN = `(function plain(value) {
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
})`;

test('the contract over the worker: one view with every part, schema results, errors that keep the model', async () => {
  const result = await inPage({ isolated: true }, async (plainSource) => {
    const plain = eval(plainSource);
    const { engine, description } = window;
    const progress = [];
    const parts = [];
    const crop = { x: 10, y: 5, width: 120, height: 110 };
    const requestsBefore = engine.requests;
    const job = engine.view({ crop, methods: ['grad-cam', 'saliency', 'occlusion'], top_k: 3, layer_sweep: true, max_side: 64,
      thumbnail_side: 32 }, { onProgress: (fraction, stage) => progress.push([fraction, stage]), onPart: (part) => parts.push(part) });
    const view = await job.promise;
    const requests = engine.requests - requestsBefore;
    const recoloured = await engine.view({ crop, methods: ['grad-cam', 'saliency', 'occlusion'], top_k: 3, layer_sweep: true,
      max_side: 64, thumbnail_side: 32, colormap: 'gray', alpha: 1 }).promise;
    const failures = [];
    for (const call of [
      () => engine.view({ methods: ['no-such'] }).promise,
      () => engine.view({ method: 'grad-cam' }).promise,
      () => engine.loadModel({ modelJson: '{', shards: [] }),
      () => engine.setImage({ width: 10, height: 10, data: new Uint8ClampedArray(7) }),
    ]) {
      failures.push(await call().then(() => 'resolved', (error) => `${error.name}: ${error.message}`));
    }
    const after = await engine.view({}).promise;
    const e = view.explanations[0];
    return {
      description: plain(description), view: plain(view), parts: plain(parts), requests,
      explained: { method: e.method, class: e.class, raw: [e.raw.width, e.raw.height], rawIsFloat32: e.raw.values instanceof Float32Array,
        overlay: [e.pictures.overlay.width, e.pictures.overlay.height], overlayIsClamped: e.pictures.overlay.rgba instanceof Uint8ClampedArray },
      progress: progress.length, lastFraction: progress.at(-1)?.[0],
      recoloured: { passes: recoloured.passes, reused: recoloured.explanations.every((m) => m.reused),
        gray: new Set(recoloured.explanations[0].pictures.heatmap.rgba.subarray(0, 3)).size === 1 },
      failures, after: after.prediction.classes[0].label, afterCrop: after.crop,
    };
  }, PLAIN);
  const { checkResult } = await import('../schema.mjs');
  checkResult(result.description);
  checkResult(result.view);
  for (const part of result.parts) checkResult(part);
  assert.equal(result.description.labels[3], 'happy');
  assert.equal(result.description.default_layer, 'StatefulPartitionedCall/model_1/add_2/add');
  assert.deepEqual(result.description.input, { height: 64, width: 64, channels: 1, color: 'gray' });
  assert.equal(result.description.methods.length, 15);
  assert.equal(result.requests, 1, 'one view, one request');
  assert.deepEqual(result.view.crop, { x: 10, y: 5, width: 120, height: 110 });
  assert.equal(result.view.prediction.classes.length, 7);
  assert.deepEqual(result.view.explanations.map((m) => m.method), ['grad-cam', 'saliency', 'occlusion']);
  assert.equal(result.view.top_k.length, 3);
  assert.ok(result.view.layer_sweep.length >= 10);
  assert.deepEqual(result.parts.map((part) => Object.keys(part).filter((key) => !['version', 'kind', 'part', 'image', 'crop'].includes(key))),
    [['prediction'], ['explanations'], ['top_k', 'layer_sweep'], ['explanations']]);
  assert.deepEqual(result.explained, { method: 'grad-cam', class: 3, raw: [8, 8], rawIsFloat32: true, overlay: [64, 59],
    overlayIsClamped: true });
  assert.ok(result.progress >= 3);
  assert.equal(result.lastFraction, 1);
  assert.deepEqual(result.recoloured, { passes: { forward: 0, backward: 0 }, reused: true, gray: true });
  assert.match(result.failures[0], /^Error: explain: no method named 'no-such'/);
  assert.match(result.failures[1], /^Error: view request: unknown field 'method'/);
  assert.match(result.failures[2], /^Error: .+/);
  assert.match(result.failures[3], /^Error: setImage: a 10x10 RGBA image needs 400 bytes \(4 per pixel\), got 7/);
  assert.equal(result.after, 'happy');
  assert.deepEqual(result.afterCrop, { x: 10, y: 5, width: 120, height: 110 }, 'the face and its box, not the failed 10x10 image');
});

test('one request per action: a model, a photo and its view go to the worker together', async () => {
  const result = await inPage({ isolated: true }, async () => {
    const { engine } = window;
    const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const text = async (url) => (await fetch(url)).text();
    const model = {
      modelJson: await text('/models/fashion-mnist/model.json'),
      shards: JSON.parse(await text('/models/fashion-mnist/model.json')).weightsManifest.flatMap((g) => g.paths)
        .map((name) => ({ name })),
      metadataJson: null,
    };
    for (const shard of model.shards) shard.bytes = await bytes(`/models/fashion-mnist/${shard.name}`);
    const loaded = [];
    const before = engine.requests;
    const { model: description, image, view } = await engine.act({ model, view: { methods: ['cam'] } },
      { onLoaded: (what) => loaded.push(Object.keys(what).filter((key) => what[key])) }).promise;
    return { requests: engine.requests - before, labels: description.labels.length, image, loaded,
      explained: view.explanations.map((m) => m.method) };
  });
  assert.equal(result.requests, 1);
  assert.equal(result.labels, 10);
  assert.deepEqual(result.loaded, [['model', 'image']], 'the new model is shown the photo already there');
  assert.deepEqual(result.image.crop, { x: 0, y: 0, width: 140, height: 140 }, 'its default box of that photo');
  assert.deepEqual(result.explained, ['cam']);
});

test('a metadata box in fractions of the photo becomes pixels, once, in the engine', async () => {
  const result = await inPage({ isolated: true }, async () => {
    const { engine } = window;
    const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const text = async (url) => (await fetch(url)).text();
    const metadata = JSON.parse(await text('/models/emotion/metadata.json'));
    metadata.crop = { x: 0.25, y: 0.1, width: 0.5, height: 0.6 };
    const { image, view } = await engine.act({
      model: { modelJson: await text('/models/emotion/model.json'),
        shards: [{ name: 'emotion.bin', bytes: await bytes('/models/emotion/emotion.bin') }], metadataJson: JSON.stringify(metadata) },
      view: { methods: ['cam'] },
    }).promise;
    return { image, viewCrop: view.crop };
  });
  // The astronaut's face is 140x140: the box is 35, 14, 70 x 84 pixels, not 0.25 pixels wide.
  assert.deepEqual(result.image.crop, { x: 35, y: 14, width: 70, height: 84 });
  assert.deepEqual(result.viewCrop, result.image.crop);
});

// Cancels a slow SmoothGrad at its first progress report and a queued view before it runs; the
// engine then still explains the same image, and keeps what the cancelled view had finished.
async function cancelling() {
  const { engine } = window;
  let job;
  job = engine.view({ methods: ['grad-cam', { name: 'smooth-grad', params: { samples: 2000 } }] },
    { onProgress: (fraction, stage) => { if (stage.startsWith('smooth-grad')) job.cancel(); } });
  const queued = engine.view({ methods: ['cam'] });
  const outcome = (promise) => promise.then(() => 'resolved', (error) => error.name);
  const settled = Promise.all([outcome(job.promise), outcome(queued.promise)]);
  queued.cancel();
  const outcomes = await settled;
  const after = await engine.view({ methods: ['saliency', 'grad-cam'] }).promise;
  return { outcomes, after: after.explanations.map((m) => [m.method, m.class]), prediction: after.prediction.classes[0].label };
}

for (const isolated of [true, false]) {
  const how = isolated ? 'through a SharedArrayBuffer flag' : 'by restarting the worker';
  test(`cancel ${how}: CancelledError, then the engine works`, async () => {
    const result = await inPage({ isolated }, cancelling);
    assert.deepEqual(result, { outcomes: ['CancelledError', 'CancelledError'], after: [['saliency', 3], ['grad-cam', 3]],
      prediction: 'happy' });
  });
}

// Threads: cross-origin isolated, the engine runs the threaded module on every thread it prespawned
// (this machine has 2 cores: at least 2), and its maps are those of 1 thread bit for bit; more than
// it can run is an Error, not a hang; Chromium accepts relaxed SIMD, so the worker picks the fused
// multiply-add build. Not isolated, the one-thread module runs and says so.
async function mapsAtEveryThreadCount() {
  const { engine } = window;
  const methods = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
  const initial = { threads: engine.threads, maxThreads: engine.maxThreads, moduleName: engine.moduleName };
  const mapsAt = async (threads, crop) => {
    await engine.setThreads(threads);
    const view = await engine.view({ methods, crop }).promise;  // a new crop: nothing kept
    return { maps: view.explanations.map((e) => Array.from(e.raw.values)), heat: view.explanations.map((e) => Array.from(e.heat.values)),
      passes: view.passes.forward };
  };
  const all = await mapsAt(initial.maxThreads, { x: 1, y: 0, width: 139, height: 140 });
  const one = await mapsAt(1, { x: 0, y: 0, width: 140, height: 140 });
  const oneAgain = await mapsAt(1, { x: 1, y: 0, width: 139, height: 140 });
  const tooMany = await engine.setThreads(initial.maxThreads + 1).then(() => 'resolved', (error) => error.message);
  return { initial, same: JSON.stringify(all) === JSON.stringify(oneAgain), differs: JSON.stringify(one) !== JSON.stringify(all),
    mapCount: one.maps.length, tooMany, after: engine.threads,
    prediction: (await engine.view({}).promise).prediction.classes[0].label };
}

test('threads, cross-origin isolated: all prespawned threads by default, the same maps as 1 thread', async () => {
  const result = await inPage({ isolated: true }, mapsAtEveryThreadCount);
  assert.ok(result.initial.maxThreads >= 2, `at least 2 threads, got ${result.initial.maxThreads}`);
  assert.equal(result.initial.moduleName, 'camlens.mjs', 'Chromium accepts relaxed SIMD: the fused multiply-add build');
  assert.equal(result.initial.threads, result.initial.maxThreads);
  assert.equal(result.mapCount, 4);
  assert.ok(result.same, 'maps at all threads equal maps at 1 thread');
  assert.ok(result.differs, 'another crop gives other maps');
  assert.match(result.tooMany, new RegExp(`asked for ${result.initial.maxThreads + 1} threads, but this WebAssembly module can run ${result.initial.maxThreads}`));
  assert.equal(result.after, 1, 'a refused count leaves the count as it was');
  assert.equal(result.prediction, 'happy');
});

test('threads, not isolated: the one-thread module, which refuses a second thread', async () => {
  const result = await inPage({ isolated: false }, mapsAtEveryThreadCount);
  assert.deepEqual(result.initial, { threads: 1, maxThreads: 1, moduleName: 'camlens-single.mjs' });
  assert.ok(result.same);
  assert.match(result.tooMany, /this WebAssembly build runs on one thread, got 2/);
  assert.equal(result.prediction, 'happy');
});
