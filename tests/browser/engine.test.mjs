// web/js/engine.js and web/js/worker.js in Debian's Chromium (playwright-core): the contract's
// Promise API over the worker, results that are copies, errors that keep what was loaded, and
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
async function inPage({ isolated }, run) {
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
    const result = await page.evaluate(run);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await page.close();
    server.close();
  }
}

test('the contract over the worker: predict, explain, render, top-K, sweep, errors that keep the model', async () => {
  const result = await inPage({ isolated: true }, async () => {
    const { engine, description } = window;
    const prediction = await engine.predict({ crop: null, top: 3 });
    const progress = [];
    const crop = { x: 10, y: 5, width: 120, height: 110 };
    const job = engine.explain({ method: 'grad-cam', classIndex: null, layer: null, crop, colormap: 'jet', alpha: 0.4,
      smooth: true }, { onProgress: (fraction, stage) => progress.push([fraction, stage]) });
    const e = await job.promise;
    const rendered = await engine.render({ heat: e.heat, crop: e.crop, colormap: 'gray', alpha: 1 });
    const top = await engine.topK({ k: 3, method: 'cam', crop: null });
    const sweep = await engine.layerSweep({ classIndex: 3, crop: null });
    const failures = [];
    for (const call of [
      () => engine.explain({ method: 'no-such' }).promise,
      () => engine.loadModel({ modelJson: '{', shards: [] }),
      () => engine.setImage({ width: 10, height: 10, data: new Uint8ClampedArray(7) }),
    ]) {
      failures.push(await call().then(() => 'resolved', (error) => `${error.name}: ${error.message}`));
    }
    const after = await engine.predict({ top: 1 });
    return {
      labels: description.labels, defaultLayer: description.defaultLayer, input: description.input,
      layers: description.layers.length, methods: description.methods.length,
      top: prediction.classes.map((c) => c.label), crop: prediction.crop,
      explained: { method: e.method, classIndex: e.classIndex, map: [e.map.width, e.map.height],
        mapIsFloat32: e.map.values instanceof Float32Array, overlay: [e.overlay.width, e.overlay.height],
        overlayIsClamped: e.overlay.data instanceof Uint8ClampedArray, total: e.timings.total },
      progress: progress.length,
      gray: new Set(rendered.heatmap.data.subarray(0, 3)).size === 1,
      top3: top.map((t) => t.classIndex), sweep: sweep.length,
      failures, after: after.classes[0].label, afterCrop: after.crop,
      heap: await engine.heapBytes(),
    };
  });
  assert.equal(result.labels[3], 'happy');
  assert.equal(result.defaultLayer, 'StatefulPartitionedCall/model_1/add_2/add');
  assert.deepEqual(result.input, { height: 64, width: 64, channels: 1, color: 'gray' });
  assert.equal(result.methods, 15);
  assert.deepEqual(result.top.slice(0, 1), ['happy']);
  assert.deepEqual(result.crop, { x: 0, y: 0, width: 140, height: 140 });
  assert.deepEqual(result.explained, { method: 'grad-cam', classIndex: 3, map: [8, 8], mapIsFloat32: true,
    overlay: [120, 110], overlayIsClamped: true, total: result.explained.total });
  assert.ok(result.explained.total > 0);
  assert.ok(result.progress >= 1);
  assert.ok(result.gray);
  assert.equal(result.top3[0], 3);
  assert.ok(result.sweep >= 10);
  assert.match(result.failures[0], /^Error: explain: no method named 'no-such'/);
  assert.match(result.failures[1], /^Error: .+/);
  assert.match(result.failures[2], /^Error: Image: a 10x10 RGBA image needs 400 bytes \(4 per pixel\), got 7/);
  assert.equal(result.after, 'happy');
  assert.deepEqual(result.afterCrop, { x: 0, y: 0, width: 140, height: 140 }, 'the face, not the failed 10x10 image');
  assert.ok(result.heap > 0);
});

// Cancels a slow SmoothGrad at its first progress report and a queued job before it runs; the
// engine then still predicts and explains the same image.
async function cancelling() {
  const { engine } = window;
  let job;
  job = engine.explain({ method: 'smooth-grad', params: { samples: 2000 } }, { onProgress: () => job.cancel() });
  const queued = engine.explain({ method: 'grad-cam' });
  const outcome = (promise) => promise.then(() => 'resolved', (error) => error.name);
  const settled = Promise.all([outcome(job.promise), outcome(queued.promise)]);
  queued.cancel();
  const outcomes = await settled;
  const after = await engine.explain({ method: 'saliency' }).promise;
  const prediction = await engine.predict({ top: 1 });
  return { outcomes, after: [after.method, after.classIndex], prediction: prediction.classes[0].label };
}

for (const isolated of [true, false]) {
  const how = isolated ? 'through a SharedArrayBuffer flag' : 'by restarting the worker';
  test(`cancel ${how}: CancelledError, then the engine works`, async () => {
    const result = await inPage({ isolated }, cancelling);
    assert.deepEqual(result,
      { outcomes: ['CancelledError', 'CancelledError'], after: ['saliency', 3], prediction: 'happy' });
  });
}

test('explainMany over the worker: one call, the same maps as one explain call per method, cancellable', async () => {
  const result = await inPage({ isolated: true }, async () => {
    const { engine } = window;
    const methods = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
    const common = { classIndex: null, layer: null, crop: null, colormap: 'jet', alpha: 0.4, smooth: true };
    const many = await engine.explainMany({ methods, ...common }).promise;
    const alone = [];
    for (const method of methods) alone.push(await engine.explain({ method, ...common, params: {} }).promise);
    const job = engine.explainMany({ methods: ['cam', 'smooth-grad'], params: { 'smooth-grad': { samples: 2000 } } },
      { onProgress: () => job.cancel() });
    const cancelled = await job.promise.then(() => 'resolved', (error) => error.name);
    return {
      methods: many.map((e) => e.method),
      sameMaps: many.map((e, i) => e.map.values.length > 0 && e.map.values.every((v, j) => v === alone[i].map.values[j])),
      sameOverlays: many.map((e, i) => e.overlay.data.every((v, j) => v === alone[i].overlay.data[j])),
      totals: many.map((e) => e.timings.total),
      cancelled,
      after: (await engine.predict({ top: 1 })).classes[0].label,
    };
  });
  assert.deepEqual(result.methods, ['cam', 'grad-cam', 'grad-cam++', 'saliency']);
  assert.deepEqual(result.sameMaps, [true, true, true, true]);
  assert.deepEqual(result.sameOverlays, [true, true, true, true]);
  assert.ok(result.totals.every((total) => total > 0 && total === result.totals[0]), 'the whole call\'s time on each');
  assert.equal(result.cancelled, 'CancelledError');
  assert.equal(result.after, 'happy');
});

// Threads: cross-origin isolated, the engine runs the threaded module on every thread it prespawned
// (this machine has 2 cores: at least 2), and its maps are those of 1 thread bit for bit; more than
// it can run is an Error, not a hang; Chromium accepts relaxed SIMD, so the worker picks the fused
// multiply-add build. Not isolated, the one-thread module runs and says so.
async function mapsAtEveryThreadCount() {
  const { engine } = window;
  const methods = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
  const initial = { threads: engine.threads, maxThreads: engine.maxThreads, moduleName: engine.moduleName };
  const mapsAt = async (threads) => {
    await engine.setThreads(threads);
    const explained = await engine.explainMany({ methods, crop: null }).promise;
    return { maps: explained.map((e) => Array.from(e.map.values)), heat: explained.map((e) => Array.from(e.heat.values)),
      overlays: explained.map((e) => Array.from(e.overlay.data)) };
  };
  const all = await mapsAt(initial.maxThreads);
  const one = await mapsAt(1);
  const tooMany = await engine.setThreads(initial.maxThreads + 1).then(() => 'resolved', (error) => error.message);
  return { initial, same: JSON.stringify(all) === JSON.stringify(one), mapCount: one.maps.length,
    tooMany, after: engine.threads, prediction: (await engine.predict({ top: 1 })).classes[0].label };
}

test('threads, cross-origin isolated: all prespawned threads by default, the same maps as 1 thread', async () => {
  const result = await inPage({ isolated: true }, mapsAtEveryThreadCount);
  assert.ok(result.initial.maxThreads >= 2, `at least 2 threads, got ${result.initial.maxThreads}`);
  assert.equal(result.initial.moduleName, 'camlens.mjs', 'Chromium accepts relaxed SIMD: the fused multiply-add build');
  assert.equal(result.initial.threads, result.initial.maxThreads);
  assert.equal(result.mapCount, 4);
  assert.ok(result.same, 'maps at all threads equal maps at 1 thread');
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
