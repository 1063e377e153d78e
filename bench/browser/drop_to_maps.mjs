// Drop-to-maps latency of the page in headless Chromium: from a photo given to the page's file input
// to every panel, strip and prediction drawn (the page's whenIdle), as a user drops photos one after
// another. Compares two checkouts of camlens (each with its web/ and build/wasm), alternated photo by
// photo in one browser session, so both see the same machine load. Prints medians and their ratio.
// Usage: node bench/browser/drop_to_maps.mjs [BEFORE_ROOT] [--rounds N] [--out FILE.json]
//   BEFORE_ROOT: another checkout to compare with (its tools/serve.mjs serves its page); without
//   it, only this checkout is timed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, launchBrowser } from '../../tests/browser/support.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = Number(option('--rounds', '20'));
const outPath = option('--out', null);
const beforeRoot = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const PHOTOS = ['chelsea.jpg', 'coffee.jpg', 'camera.jpg', 'rocket.jpg'].map((name) => path.join(root, 'web/samples', name));

function serve(checkout) {
  const child = spawn(process.execPath, [path.join(checkout, 'tools/serve.mjs'), '--port', '0'], { cwd: checkout, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`${checkout}: tools/serve.mjs exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match) resolve({ url: match[1], stop: () => child.kill() });
    });
  });
}

async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.camlens !== undefined);
  await page.evaluate(() => window.camlens.whenIdle());
  await page.evaluate(() => {
    document.getElementById('image-file-input').addEventListener('change', () => { window.dropStart = performance.now(); },
      { capture: true });
  });
  return { page, context };
}

async function dropToMaps(page, photo) {
  await page.setInputFiles('#image-file-input', photo);
  return page.evaluate(async () => {
    await window.camlens.whenIdle();
    return performance.now() - window.dropStart;
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const checkouts = [{ name: 'this', root }, ...(beforeRoot ? [{ name: 'before', root: path.resolve(beforeRoot) }] : [])];
const browser = await launchBrowser();
const servers = [];
try {
  for (const checkout of checkouts) {
    const server = await serve(checkout.root);
    servers.push(server);
    Object.assign(checkout, await openPage(browser, server.url), { times: [] });
    for (const photo of PHOTOS) await dropToMaps(checkout.page, photo);  // warm-up: every photo once
  }
  for (let round = 0; round < rounds; ++round) {
    for (const checkout of round % 2 ? [...checkouts].reverse() : checkouts) {
      checkout.times.push(await dropToMaps(checkout.page, PHOTOS[round % PHOTOS.length]));
    }
  }
} finally {
  await browser.close();
  servers.forEach((server) => server.stop());
}
const result = Object.fromEntries(checkouts.map(({ name, root: dir, times }) =>
  [name, { root: dir, median_ms: median(times), times_ms: times.map((t) => Math.round(t * 10) / 10) }]));
if (beforeRoot) result.ratio = result.this.median_ms / result.before.median_ms;
for (const { name } of checkouts) console.log(`${name}: drop to maps, median ${result[name].median_ms.toFixed(1)} ms over ${rounds} photos`);
if (beforeRoot) console.log(`ratio this / before: ${result.ratio.toFixed(3)}`);
if (outPath) fs.writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
