// The Webcam source, in Debian's Chromium with a fake camera playing a clip of the astronaut sample:
// the live view finds her face with the front-camera detector, says "happy" and keeps a
// maps-per-second count; Pause makes the frame the explain view's photo, where the photo detector
// finds the same face and the same prediction; Stop ends the camera's track. A camera
// refused or missing gives a notice and leaves the page as it was. Screenshots go to
// build/screenshots/webcam-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { errorsIn, idle, launchBrowser, openPage, screenshot, startServer, topClasses } from './support.mjs';
import { y4mClip } from './y4m.mjs';

const WIDTH = 640, HEIGHT = 480;
const shared = {};

// Two frames of the astronaut sample at 480x480 on a gray 640x480 background, the second moved
// 12 pixels right: the face box has to follow it.
async function astronautFrames(browser, url) {
  const { page, context } = await openPage(browser, url, { waitForIdle: false });
  try {
    return await page.evaluate(async ({ width, height }) => {
      const photo = await createImageBitmap(await (await fetch('samples/astronaut.jpg')).blob());
      return [0, 12].map((shift) => {
        const canvas = new OffscreenCanvas(width, height);
        const context = canvas.getContext('2d');
        context.fillStyle = 'rgb(120, 120, 120)';
        context.fillRect(0, 0, width, height);
        context.drawImage(photo, (width - height) / 2 + shift, 0, height, height);
        return Array.from(context.getImageData(0, 0, width, height).data);
      });
    }, { width: WIDTH, height: HEIGHT });
  } finally {
    await context.close();
  }
}

before(async () => {
  shared.server = await startServer();
  shared.plain = await launchBrowser();
  shared.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-webcam-'));
  const clip = path.join(shared.dir, 'astronaut.y4m');
  const frames = await astronautFrames(shared.plain, shared.server.url);
  fs.writeFileSync(clip, y4mClip(frames, WIDTH, HEIGHT));
  shared.camera = await launchBrowser({ extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`] });
});

after(async () => {
  await shared.camera?.close();
  await shared.plain?.close();
  shared.server?.stop();
  if (shared.dir) fs.rmSync(shared.dir, { recursive: true, force: true });
});

// What the live view shows: its classes, status, rate and the last frame's result.
function liveState(page) {
  return page.evaluate(() => {
    const { webcam } = window.camlens;
    const view = webcam.latest?.view;
    return {
      shown: !document.getElementById('webcam').hidden,
      viewerShown: getComputedStyle(document.getElementById('viewer')).display !== 'none',
      classes: [...document.querySelectorAll('#webcam-top .prediction-label')].map((label) => label.textContent),
      status: document.getElementById('webcam-status').textContent,
      rate: document.getElementById('webcam-rate').textContent,
      mapsPerSecond: webcam.mapsPerSecond,
      faces: view?.faces ?? null,
      face: view?.face ?? null,
      crop: view?.crop ?? null,
      top: view?.prediction.classes[0] ?? null,
      mapped: Boolean(view?.explanations[0]?.pictures.heatmap),
      frame: webcam.latest ? { width: webcam.latest.frame.width, height: webcam.latest.frame.height } : null,
    };
  });
}

// How many times the page fetched the detector in models/FOLDER.
function detectorLoads(log, folder) {
  return log.requests.filter((url) => new URL(url).pathname === `/models/${folder}/model.json`).length;
}

// Intersection over union of two boxes {x, y, width, height}.
function overlap(a, b) {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  return (width * height) / (a.width * a.height + b.width * b.height - width * height);
}

// Opaque pixels drawn over the video (the map, the face boxes, the classes' panel).
function overlayInk(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('webcam-overlay');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) ++drawn;
    return drawn / (canvas.width * canvas.height);
  });
}

test('the webcam explains the live face, Pause makes the frame the photo, Stop ends the track', async () => {
  const { page, context, log } = await openPage(shared.camera, shared.server.url);
  try {
    const before = await page.evaluate(() => window.camlens.state.image.name);
    const requests = await page.evaluate(() => window.camlens.engine.requests);
    const photoLoads = detectorLoads(log, 'blazeface');
    await page.click('#webcam-button');
    await page.waitForFunction(() => (window.camlens.webcam.latest?.view.faces?.length ?? 0) > 0 &&
      window.camlens.webcam.mapsPerSecond > 0, null, { timeout: 30_000 });
    // A few more frames: the count is over several maps, not the first.
    await page.waitForFunction((start) => window.camlens.engine.requests >= start + 4, requests, { timeout: 30_000 });
    const live = await liveState(page);
    assert.ok(live.shown, 'the live panel shows');
    assert.ok(!live.viewerShown, 'the photo viewer gives way to the video');
    assert.deepEqual(live.frame, { width: WIDTH, height: HEIGHT });
    assert.equal(live.faces.length, 1, JSON.stringify(live.faces));
    assert.equal(live.face, 0);
    // The live frames ran the front-camera detector, made for faces near a camera, not the photos' one.
    assert.equal(detectorLoads(log, 'blazeface-front'), 1, 'the worker fetched the front-camera detector once');
    assert.equal(detectorLoads(log, 'blazeface'), photoLoads, 'the live view did not fetch the photo detector');
    const [face] = live.faces;
    // Her head is at about x 80 + 158 * 480 / 512, y 48 * 480 / 512, 130 pixels wide in the frame.
    assert.ok(face.x > 180 && face.x < 300 && face.y > 0 && face.y < 120 && face.width > 80 && face.width < 220, JSON.stringify(face));
    assert.equal(live.top.label, 'happy');
    assert.equal(live.classes[0], 'happy');
    assert.equal(live.classes.length, 3);
    assert.ok(live.mapped, 'each frame brings its Grad-CAM map');
    assert.ok(live.mapsPerSecond > 0, `maps per second: ${live.mapsPerSecond}`);
    assert.match(live.rate, /^\d+\.\d maps\/s · /);
    assert.match(live.status, /One face/);
    assert.ok(await overlayInk(page) > 0.02, 'the map and the face box are drawn over the video');
    // The engine's explain view kept its photo: the live frames ran on a copy of the model.
    assert.equal(await page.evaluate(() => window.camlens.state.image.name), before);
    await screenshot(page, 'webcam-live');

    await page.click('#webcam-pause');
    await idle(page);
    const paused = await page.evaluate(() => ({
      name: window.camlens.state.image.name,
      card: document.getElementById('image-name').textContent,
      top: window.camlens.lastView.prediction.classes[0],
      crop: window.camlens.lastView.crop,
      source: window.camlens.lastView.crop_source,
      frame: window.camlens.webcam.latest.view,
      size: [window.camlens.state.image.width, window.camlens.state.image.height],
      liveShown: !document.getElementById('webcam').hidden,
      panels: window.camlens.panels().filter((panel) => panel.explanation).length,
      resume: document.getElementById('webcam-button').textContent,
    }));
    assert.match(paused.name, /^webcam-\d\d\.\d\d\.\d\d\.png$/);
    assert.ok(paused.card.startsWith(paused.name), paused.card);
    assert.deepEqual(paused.size, [WIDTH, HEIGHT]);
    assert.ok(!paused.liveShown);
    // The frame is now a photo: the photo detector finds the face the live view followed, its box a
    // little different from the front-camera detector's.
    assert.equal(paused.source, 'face');
    assert.ok(overlap(paused.crop, paused.frame.crop) > 0.7, `the explain view starts on the face the live view followed: ${
      JSON.stringify([paused.crop, paused.frame.crop])}`);
    assert.equal(paused.top.label, paused.frame.prediction.classes[0].label);
    assert.deepEqual((await topClasses(page))[0], 'happy');
    assert.ok(paused.panels >= 4, `every panel drew the frame (${paused.panels})`);
    assert.equal(paused.resume, 'Resume webcam');
    await screenshot(page, 'webcam-paused');

    // The camera stays open while paused; Stop releases it.
    const track = await page.evaluateHandle(() => window.camlens.webcam.stream.getVideoTracks()[0]);
    assert.equal(await track.evaluate((t) => t.readyState), 'live');
    assert.ok(await page.isVisible('#webcam-stop'));
    await page.click('#webcam-stop');
    assert.equal(await track.evaluate((t) => t.readyState), 'ended');
    assert.equal(await page.evaluate(() => window.camlens.webcam.stream), null);
    assert.ok(!await page.isVisible('#webcam-stop'));
    assert.equal(await page.textContent('#webcam-button'), 'Webcam');
    assert.equal(await page.evaluate(() => window.camlens.state.image.name), paused.name, 'the paused frame stays the photo');
    assert.equal(await page.textContent('#image-name'), paused.card);
    assert.ok(await page.isVisible('#image-canvas'));
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('Stop while live releases the camera and shows the photo again', async () => {
  const { page, context, log } = await openPage(shared.camera, shared.server.url);
  try {
    const before = await page.evaluate(() => window.camlens.state.image.name);
    await page.click('#webcam-button');
    await page.waitForFunction(() => window.camlens.webcam.latest !== null, null, { timeout: 30_000 });
    const track = await page.evaluateHandle(() => window.camlens.webcam.stream.getVideoTracks()[0]);
    await page.click('#webcam-stop');
    assert.equal(await track.evaluate((t) => t.readyState), 'ended');
    await idle(page);
    const after = await page.evaluate(() => ({
      name: window.camlens.state.image.name,
      liveShown: !document.getElementById('webcam').hidden,
      viewerShown: getComputedStyle(document.getElementById('viewer')).display !== 'none',
    }));
    assert.deepEqual(after, { name: before, liveShown: false, viewerShown: true });
    assert.equal(await page.evaluate(() => window.camlens.webcam.released), true, 'the worker freed the frames\' copy of the model');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('Resume goes live again on the camera kept open; Stop then leaves the paused frame as the photo', async () => {
  const { page, context, log } = await openPage(shared.camera, shared.server.url);
  try {
    await page.click('#webcam-button');
    await page.waitForFunction(() => window.camlens.webcam.latest !== null, null, { timeout: 30_000 });
    await page.click('#webcam-pause');
    await idle(page);
    const card = await page.textContent('#image-name');
    await page.evaluate(() => { window.pausedStream = window.camlens.webcam.stream; });
    assert.equal(await page.textContent('#webcam-button'), 'Resume webcam');
    const resumed = await page.evaluate(() => window.camlens.engine.requests);
    await page.click('#webcam-button');
    await page.waitForFunction((start) => window.camlens.engine.requests >= start + 2, resumed, { timeout: 30_000 });
    assert.equal(await page.textContent('#image-name'), 'Webcam, live');
    assert.ok(await page.isVisible('#webcam-video'));
    assert.ok(await page.evaluate(() => window.camlens.webcam.stream === window.pausedStream), 'the same camera stream, not a new one');
    await page.click('#webcam-stop');
    await idle(page);
    assert.equal(await page.evaluate(() => window.pausedStream.getVideoTracks()[0].readyState), 'ended');
    assert.equal(await page.textContent('#image-name'), card);
    assert.ok(await page.isVisible('#image-canvas'));
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a model that needs no face sees its usual box of the frame; switching models while live follows the switch', async () => {
  const { page, context, log } = await openPage(shared.camera, shared.server.url);
  try {
    await page.selectOption('#model-select', 'fashion-mnist');
    await idle(page);
    const labels = await page.evaluate(() => window.camlens.state.description.labels);
    await page.click('#webcam-button');
    await page.waitForFunction(() => window.camlens.webcam.latest !== null, null, { timeout: 30_000 });
    const plain = await liveState(page);
    assert.equal(plain.faces, null, 'no face is looked for');
    // Fashion-MNIST's metadata asks for the whole image, as it does for a photo.
    assert.deepEqual(plain.crop, { x: 0, y: 0, width: WIDTH, height: HEIGHT });
    assert.ok(labels.includes(plain.top.label), plain.top.label);
    assert.ok(plain.mapped);
    assert.equal(plain.status, 'The model sees the whole frame.');

    await page.selectOption('#model-select', 'emotion');
    await page.waitForFunction(() => (window.camlens.webcam.latest?.view.faces?.length ?? 0) > 0, null, { timeout: 30_000 });
    const face = await liveState(page);
    assert.equal(face.top.label, 'happy');
    assert.ok(face.shown, 'the model switch left the webcam live');
    await page.click('#webcam-stop');
    await idle(page);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

// Each case's init script makes the page's camera fail its way before the page loads.
for (const { name, message, init } of [
  { name: 'NotAllowedError', message: /camera was not allowed: allow it for this page/ },
  { name: 'NotFoundError', message: /No camera was found/ },
  // As on a plain-http page served from another machine: no secure context, no mediaDevices.
  { name: 'an insecure page', message: /The webcam needs a secure page, and http:\/\/127\.0\.0\.1:\d+ is not one/, init: 'insecure' },
]) {
  test(`a camera that fails (${name}) gives a notice and leaves the page as it was`, async () => {
    const { page, context } = await openPage(shared.camera, shared.server.url, {
      prepare: (context) => context.addInitScript(({ errorName, insecure }) => {
        if (insecure) {
          Object.defineProperty(window, 'isSecureContext', { value: false });
          Object.defineProperty(navigator, 'mediaDevices', { value: undefined });
        } else {
          navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused by the test', errorName));
        }
      }, { errorName: name, insecure: init === 'insecure' }),
    });
    try {
      const before = await page.evaluate(() => ({ name: window.camlens.state.image.name, lastView: window.camlens.lastView.crop }));
      await page.click('#webcam-button');
      await page.waitForSelector('.message.error');
      assert.match(await page.textContent('.message.error'), message);
      const after = await page.evaluate(() => ({
        name: window.camlens.state.image.name,
        lastView: window.camlens.lastView.crop,
        liveShown: !document.getElementById('webcam').hidden,
        viewerShown: getComputedStyle(document.getElementById('viewer')).display !== 'none',
        stopShown: !document.getElementById('webcam-stop').hidden,
        button: document.getElementById('webcam-button').textContent,
        enabled: !document.getElementById('webcam-button').disabled,
      }));
      assert.deepEqual(after, { ...before, liveShown: false, viewerShown: true, stopShown: false, button: 'Webcam', enabled: true });
      if (name === 'NotAllowedError') await screenshot(page, 'webcam-refused');
    } finally {
      await context.close();
    }
  });
}
