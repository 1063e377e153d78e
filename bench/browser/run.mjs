// Runs the in-browser benchmark (bench/browser/index.html) in headless Debian Chromium through
// playwright-core, in one browser session, and adds the WebAssembly binaries' sizes. In the same
// session it loads the camlens page (web/, served by tools/serve.mjs) a few times in fresh contexts
// (no cache) and times navigation start -> the first map drawn in a panel (the first sample loads
// by itself).
// Serves the repository root on 127.0.0.1 (the page needs build/wasm, models, node_modules and a
// fixture photo) with COOP/COEP headers, as tools/serve.mjs serves the app: the page is cross-origin
// isolated, so camlens's modules prespawn their thread workers. The page forces TensorFlow.js's wasm
// backend to its single-threaded SIMD build (the comparison's configuration) and records its file.
// Usage: node bench/browser/run.mjs [--out FILE.json]   (after scripts/build.sh)
//
// With --training it runs the training benchmark instead (bench/browser/train.html: camlens and
// TensorFlow.js training epochs, the probes' cost), serving Debian's Fashion-MNIST files under
// /datasets/fashion-mnist/, in a Chromium whose WebGL runs on SwiftShader (this machine has no
// GPU) so that TensorFlow.js's webgl backend can be tried; --query 'presets=vgg&epochs=1' passes
// the page's parameters (bench/browser/train.mjs lists them).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { root, startServer, launchBrowser } from '../../tests/browser/support.mjs';

const optionValue = (flag) => {
  const index = process.argv.indexOf(flag);
  return index > 0 ? process.argv[index + 1] : null;
};
const outPath = optionValue('--out');
const training = process.argv.includes('--training');
const trainingQuery = optionValue('--query') ?? '';
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const MIME = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.bin': 'application/octet-stream', '.png': 'image/png', '.gz': 'application/gzip',
};
const SERVED = ['bench/browser', 'build/wasm', 'models', 'node_modules/@tensorflow', 'tests/fixtures'];

function serve() {
  const server = http.createServer((request, response) => {
    const relative = decodeURIComponent(new URL(request.url, 'http://localhost').pathname).replace(/^\/+/, '');
    const dataset = relative.startsWith('datasets/fashion-mnist/');
    const file = dataset ? path.resolve(FASHION_MNIST, relative.slice('datasets/fashion-mnist/'.length))
      : path.resolve(root, relative);
    const allowed = dataset ? file.startsWith(FASHION_MNIST + path.sep)
      : SERVED.some((dir) => file.startsWith(path.join(root, dir) + path.sep));
    if (!allowed || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end(`not served: ${relative}`);
      return;
    }
    response.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function sizes(file) {
  const bytes = fs.readFileSync(path.join(root, file));
  return { file, raw_bytes: bytes.length, gzip_bytes: zlib.gzipSync(bytes, { level: 9 }).length };
}

const needed = training ? ['build/wasm/camlens_bench_browser.mjs']
  : ['build/wasm/camlens.mjs', 'build/wasm/camlens-test.mjs', 'build/wasm/camlens-simd128.mjs', 'build/wasm/camlens_bench_browser.mjs'];
for (const file of needed) {
  if (!fs.existsSync(path.join(root, file))) {
    console.error(`bench/browser/run.mjs: ${file} is missing; run scripts/build.sh first`);
    process.exit(1);
  }
}

const PAGE_LOADS = 5;

// Milliseconds from navigation start to the first panel whose canvas holds a drawn map (the panel
// then labels its canvas "<method> map for <class> at <layer>").
async function timeFirstMap(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((changes, observer) => {
      for (const change of changes) {
        if (change.target.matches?.('.panel-canvas') && / map for /.test(change.target.getAttribute('aria-label'))) {
          window.firstMapMs = performance.now();
          observer.disconnect();
          return;
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-label'] });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.firstMapMs !== undefined, null, { timeout: 120000 });
  const ms = await page.evaluate(() => window.firstMapMs);
  await context.close();
  return ms;
}

function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q) => s[Math.floor(q * (s.length - 1))];
  return { median_ms: pick(0.5), p10_ms: pick(0.1), p90_ms: pick(0.9), runs: s.length };
}

// The training page in a Chromium that has WebGL (SwiftShader: no GPU here) for tfjs's webgl backend.
async function runTraining(server) {
  if (!fs.existsSync(path.join(FASHION_MNIST, 'train-images-idx3-ubyte.gz'))) {
    console.error(`bench/browser/run.mjs: ${FASHION_MNIST} is missing; apt-get install dataset-fashion-mnist`);
    process.exit(1);
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
  try {
    const page = await browser.newPage();
    page.on('console', (message) => console.log(`  [page] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));
    const query = trainingQuery ? `?${trainingQuery}` : '';
    await page.goto(`http://127.0.0.1:${server.address().port}/bench/browser/train.html${query}`);
    await page.waitForFunction(() => window.benchResults !== undefined, null, { timeout: 60 * 60 * 1000, polling: 1000 });
    const results = await page.evaluate(() => window.benchResults);
    results.browser_version = browser.version();
    return results;
  } finally {
    await browser.close();
  }
}

const server = await serve();
if (training) {
  let results;
  try {
    results = await runTraining(server);
  } finally {
    server.close();
  }
  if (results.error) {
    console.error(`bench/browser/run.mjs: the training page failed: ${results.error}`);
    process.exit(1);
  }
  if (outPath) fs.writeFileSync(outPath, JSON.stringify(results, null, 1));
  else console.log(JSON.stringify(results, null, 1));
  process.exit(0);
}
const browser = await launchBrowser();
let results;
try {
  const page = await browser.newPage();
  page.on('console', (message) => console.log(`  [page] ${message.text()}`));
  page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/browser/index.html`);
  await page.waitForFunction(() => window.benchResults !== undefined, null, { timeout: 15 * 60 * 1000, polling: 500 });
  results = await page.evaluate(() => window.benchResults);
  results.browser_version = browser.version();
  if (!results.error && fs.existsSync(path.join(root, 'tools/serve.mjs'))) {
    const pageServer = await startServer();
    try {
      const loads = [];
      for (let i = 0; i < PAGE_LOADS; ++i) loads.push(await timeFirstMap(browser, pageServer.url));
      results.first_map = summarize(loads);
      console.log(`  page load to first drawn map: ${loads.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    } finally {
      pageServer.stop();
    }
  }
} finally {
  await browser.close();
  server.close();
}
if (results.error) {
  console.error(`bench/browser/run.mjs: the page failed: ${results.error}`);
  process.exit(1);
}
results.wasm_sizes = {
  camlens: sizes('build/wasm/camlens.wasm'),
  camlens_simd128: sizes('build/wasm/camlens-simd128.wasm'),
  camlens_glue: sizes('build/wasm/camlens.mjs'),
  tfjs_wasm_simd: sizes('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
};
if (outPath) fs.writeFileSync(outPath, JSON.stringify(results, null, 1));
else console.log(JSON.stringify(results, null, 1));
