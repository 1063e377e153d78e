// Times two builds of the page's WebAssembly module against each other in one headless Chromium
// session (bench/browser/compare.html): a view of the four headline maps and a view of the
// prediction alone (Explainer.view), alternated call for call, at 1 thread and at all threads, with the per-round
// ratio b / a. A change to the engine is measured this way on a shared machine, whose speed drifts
// more between two runs than most changes move it.
// Usage: node bench/browser/compare.mjs DIR_A DIR_B [--rounds N] [--gap-ms MS]
//   --gap-ms: idle time before every call, so that neither build's threads are still awake from the
//   other's call (a change to how long threads wait awake would otherwise favour itself).
//   each DIR holds camlens.mjs, camlens.wasm and camlens.worker.js (a copy of build/wasm's, say
//   from another commit).
import fs from 'node:fs';
import path from 'node:path';
import { root, launchBrowser } from '../../tests/browser/support.mjs';
import { serveStatic } from './static_server.mjs';

const args = process.argv.slice(2);
const roundsIndex = args.indexOf('--rounds');
const rounds = roundsIndex >= 0 ? Number(args.splice(roundsIndex, 2)[1]) : 40;
const gapIndex = args.indexOf('--gap-ms');
const gapMs = gapIndex >= 0 ? Number(args.splice(gapIndex, 2)[1]) : 0;
const [dirA, dirB] = args;
if (!dirB || !(rounds > 0) || !(gapMs >= 0)) {
  console.error('usage: node bench/browser/compare.mjs DIR_A DIR_B [--rounds N] [--gap-ms MS]');
  process.exit(2);
}
for (const dir of [dirA, dirB]) {
  for (const file of ['camlens.mjs', 'camlens.wasm', 'camlens.worker.js']) {
    if (!fs.existsSync(path.join(dir, file))) {
      console.error(`bench/browser/compare.mjs: ${path.join(dir, file)} is missing`);
      process.exit(2);
    }
  }
}

// URL prefix -> directory.
const MOUNTS = [['/a/', path.resolve(dirA)], ['/b/', path.resolve(dirB)], ['/bench/browser/', path.join(root, 'bench/browser')],
                ['/models/', path.join(root, 'models')], ['/tests/fixtures/', path.join(root, 'tests/fixtures')]];

const server = await serveStatic(MOUNTS);
const browser = await launchBrowser();
let results;
try {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (!message.text().startsWith('Blocking on the main thread')) console.log(`  [page] ${message.text()}`);
  });
  await page.goto(`http://127.0.0.1:${server.port}/bench/browser/compare.html?rounds=${rounds}&gap=${gapMs}`);
  await page.waitForFunction(() => window.compareResults !== undefined, null, { timeout: 30 * 60 * 1000, polling: 500 });
  results = await page.evaluate(() => window.compareResults);
} finally {
  await browser.close();
  server.close();
}
if (results.error) process.exit(1);
