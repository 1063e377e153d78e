// Shared by the browser tests: the project's server (tools/serve.mjs) on a free port, Debian's
// Chromium through playwright-core, a page that records every request and console message, and
// screenshots written to build/screenshots/ as test artifacts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(root, 'build/screenshots');

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Runs `node tools/serve.mjs --port 0`; resolves to {url, stop()} once it prints its URL.
export function startServer() {
  const child = spawn(process.execPath, [path.join(root, 'tools/serve.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`tools/serve.mjs exited with ${code} before serving: ${output}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match) {
        child.removeAllListeners('exit');
        resolve({ url: match[1], stop: () => child.kill() });
      }
    });
  });
}

// extraArgs: more Chromium flags (a fake camera's, for one).
export function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

// A page on the served app. `log` collects every request URL, console message and page error.
// prepare(context), when given, runs before the page loads (to route requests to fixtures).
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, waitForIdle = true, prepare } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await prepare?.(context);
  const page = await context.newPage();
  const log = { requests: [], console: [], pageErrors: [] };
  context.on('request', (request) => log.requests.push(request.url()));
  page.on('console', (message) => log.console.push({ type: message.type(), text: message.text() }));
  page.on('pageerror', (error) => log.pageErrors.push(String(error)));
  // Requests made by the worker reach the context's 'request' event too (Chromium).
  await page.goto(url);
  if (waitForIdle) await idle(page);
  return { page, context, log };
}

// A `prepare` for openPage: every response without COOP and COEP, so the page is not cross-origin
// isolated and runs the one-thread module, whose cancel restarts the worker (web/js/engine.js).
export function withoutIsolation(context) {
  return context.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
}

// Waits until the page has settled every task it started (window.camlens.whenIdle).
export async function idle(page) {
  await page.waitForFunction(() => window.camlens !== undefined);
  await page.evaluate(() => window.camlens.whenIdle());
}

export async function screenshot(page, name, options = {}) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), ...options });
}

// For each panel: its method, its canvas size, and what the canvas shows scaled to 48x48 (RGBA
// bytes): small enough to compare quickly, fine enough to see any change of map or colour.
export function panelPixels(page) {
  return page.evaluate(() => [...document.querySelectorAll('#panels .panel')].map((panel) => {
    const canvas = panel.querySelector('canvas');
    const small = new OffscreenCanvas(48, 48);
    const context = small.getContext('2d');
    if (canvas.width) context.drawImage(canvas, 0, 0, 48, 48);
    const pixels = canvas.width ? Array.from(context.getImageData(0, 0, 48, 48).data) : [];
    return { method: panel.dataset.method, width: canvas.width, height: canvas.height, pixels };
  }));
}

// Mean absolute difference of two RGBA byte arrays of the same size (Infinity when sizes differ).
export function meanDifference(a, b) {
  if (a.length !== b.length || a.length === 0) return Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; ++i) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

// Standard deviation of the RGB bytes: 0 for a blank (one-colour) canvas.
export function spread(pixels) {
  let sum = 0, sumSquares = 0, count = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    for (let c = 0; c < 3; ++c) {
      sum += pixels[i + c];
      sumSquares += pixels[i + c] ** 2;
      ++count;
    }
  }
  const mean = sum / Math.max(1, count);
  return Math.sqrt(Math.max(0, sumSquares / Math.max(1, count) - mean * mean));
}

// Files for dropFiles and setInputFiles: {name, mimeType, buffer} from a path.
export function fileFrom(filePath, mimeType = 'application/octet-stream', name = path.basename(filePath)) {
  return { name, mimeType, buffer: fs.readFileSync(filePath) };
}

// Drags `files` ({name, mimeType, buffer}) over the page the way a user does: dragenter and
// dragover with a DataTransfer; then drops them unless `drop` is false (to look at the drop target).
export async function dropFiles(page, files, { drop = true } = {}) {
  const payload = files.map((file) => ({ name: file.name, type: file.mimeType, base64: file.buffer.toString('base64') }));
  await page.evaluate(async ({ items, drop }) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], item.name, { type: item.type }));
    }
    const target = document.querySelector('main');
    for (const type of drop ? ['dragenter', 'dragover', 'drop'] : ['dragenter', 'dragover']) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  }, { items: payload, drop });
}

export function topClasses(page) {
  return page.$$eval('#predictions .prediction-label', (labels) => labels.map((label) => label.textContent));
}

// The project's server and a browser for a test file: started before its tests, stopped after them.
// -> {server, browser}, filled in once the tests start.
export function serverAndBrowser() {
  const shared = {};
  before(async () => {
    shared.server = await startServer();
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    shared.server?.stop();
  });
  return shared;
}

// What a page reported as wrong: uncaught errors and console errors.
export function errorsIn(log) {
  return [...log.pageErrors, ...log.console.filter((message) => message.type === 'error').map((message) => message.text)];
}
