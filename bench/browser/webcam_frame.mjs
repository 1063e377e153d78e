// Per-frame cost of the page's live webcam in headless Chromium on 2 threads: a fake camera plays a
// clip of the astronaut sample (640x480), the page's Webcam source runs the emotion model on it, and
// every frame explained is timed: face detection (BlazeFace's front-camera model in the worker), the
// view (prediction and Grad-CAM with its picture, the engine's own total) and the round trip from the
// page's frame grab to its result (both plus the frame's transfer and the worker's messages). Prints medians; the
// target is a round trip within 30 ms, so the maps keep up with a 30 frames per second video.
// Usage: node bench/browser/webcam_frame.mjs [--frames N] [--threads T] [--out FILE.json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, openPage, startServer } from '../../tests/browser/support.mjs';
import { y4mClip } from '../../tests/browser/y4m.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const frames = Number(option('--frames', '60'));
const threads = Number(option('--threads', '2'));
const outPath = option('--out', null);
const WARM_UP = 5;  // the detector loads and the model's copy is made on the first frames
const WIDTH = 640, HEIGHT = 480;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The astronaut sample at 480x480 on a gray 640x480 frame, as the page decodes it.
async function astronautFrame(browser, url) {
  const { page, context } = await openPage(browser, url, { waitForIdle: false });
  try {
    return await page.evaluate(async ({ width, height }) => {
      const photo = await createImageBitmap(await (await fetch('samples/astronaut.jpg')).blob());
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      context.fillStyle = 'rgb(120, 120, 120)';
      context.fillRect(0, 0, width, height);
      context.drawImage(photo, (width - height) / 2, 0, height, height);
      return Array.from(context.getImageData(0, 0, width, height).data);
    }, { width: WIDTH, height: HEIGHT });
  } finally {
    await context.close();
  }
}

// Every frame the page's Webcam source explains, until `count` after the warm-up:
// [{round_trip_ms, detect_ms, view_ms, forward_ms}].
function timeFrames(page, count) {
  return page.evaluate(({ count, warmUp }) => new Promise((resolve) => {
    const { webcam } = window.camlens;
    const seen = [];
    let last = null;
    const poll = () => {
      const latest = webcam.latest;
      if (latest && latest !== last) {
        last = latest;
        seen.push({ round_trip_ms: latest.totalMs, detect_ms: latest.detectMs, view_ms: latest.view.timings_ms.total,
          forward_ms: latest.view.timings_ms.forward, faces: latest.view.faces?.length ?? 0 });
      }
      if (seen.length >= warmUp + count) resolve({ times: seen.slice(warmUp), mapsPerSecond: webcam.mapsPerSecond });
      else requestAnimationFrame(poll);
    };
    document.getElementById('webcam-button').click();
    poll();
  }), { count, warmUp: WARM_UP });
}

const server = await startServer();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-webcam-bench-'));
let plain = null, camera = null;
try {
  plain = await launchBrowser();
  const clip = path.join(dir, 'astronaut.y4m');
  fs.writeFileSync(clip, y4mClip([await astronautFrame(plain, server.url)], WIDTH, HEIGHT));
  camera = await launchBrowser({ extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`] });
  const { page } = await openPage(camera, server.url);
  const used = await page.evaluate((wanted) => window.camlens.engine.setThreads(Math.min(wanted, window.camlens.engine.maxThreads)), threads);
  const { times, mapsPerSecond } = await timeFrames(page, frames);
  if (times.some((time) => time.faces !== 1)) throw new Error('a frame without exactly one face: the clip or the detector changed');
  const result = {
    frames: times.length, threads: used, frame: `${WIDTH}x${HEIGHT}`,
    median_ms: Object.fromEntries(['round_trip_ms', 'detect_ms', 'view_ms', 'forward_ms'].map((key) => [key, median(times.map((t) => t[key]))])),
    maps_per_second: mapsPerSecond,
    times,
  };
  const m = result.median_ms;
  console.log(`webcam frame on ${used} threads, median over ${times.length} frames: ${m.round_trip_ms.toFixed(1)} ms round trip ` +
    `(face detection ${m.detect_ms.toFixed(1)} ms, prediction + Grad-CAM ${m.view_ms.toFixed(1)} ms, forward ${m.forward_ms.toFixed(1)} ms); ` +
    `${mapsPerSecond.toFixed(1)} maps/s; target 30 ms`);
  if (outPath) fs.writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await camera?.close();
  await plain?.close();
  server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
