// How long the page takes to score one map in headless Chromium: deletion + insertion + confidence
// for one method (what a panel's "How faithful?" computes, without the baselines the page caches
// once per photo), and the sanity cascade for one method, on the emotion model's default photo and
// face, with the page's threads (2 on this machine). The two requests alternate, so both see the
// same load; prints medians, the forward passes and the time per pass (the engine's forward pass is
// the yardstick: the page's explain view caches its maps, so it cannot be timed again).
// Usage: node bench/browser/faithfulness_speed.mjs [--rounds N] [--methods a,b] [--out FILE.json]
import fs from 'node:fs';
import os from 'node:os';
import { launchBrowser, openPage, startServer } from '../../tests/browser/support.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = Number(option('--rounds', '15'));
const methods = option('--methods', 'grad-cam,saliency').split(',');
const outPath = option('--out', null);
const BUDGET_MS = { metrics: 100, sanity: 1000 };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// In the page: one timed request through the page's own engine (web/js/engine.js, its worker).
async function timed(page, kind, method) {
  return page.evaluate(async ({ kind, method }) => {
    const { engine, state, lastView } = window.camlens;
    const scene = { crop: state.crop, class: lastView.prediction.classes[0].class, layer: state.layer ?? undefined,
                    model: 'emotion', methods: [{ name: method }] };
    const start = performance.now();
    if (kind === 'metrics') {
      const document = await engine.evaluate({ ...scene, baselines: false, metrics: ['deletion', 'insertion', 'confidence'] }).promise;
      const map = document.images[0].maps[0];
      return { ms: performance.now() - start, passes: map.forward_passes, batch: document.settings.batch_size };
    }
    await engine.sanity({ ...scene, seed: 0, max_side: 112 }).promise;
    return { ms: performance.now() - start };
  }, { kind, method });
}

const server = await startServer();
const browser = await launchBrowser();
const results = {};
let threads = null;
try {
  const { page } = await openPage(browser, server.url);
  threads = await page.evaluate(() => window.camlens.engine.threads ?? null);
  const kinds = ['metrics', 'sanity'];
  for (const method of methods) {
    results[method] = Object.fromEntries(kinds.map((kind) => [kind, { times: [] }]));
    for (const kind of kinds) await timed(page, kind, method);  // warm-up
    for (let round = 0; round < rounds; ++round) {
      const order = round % 2 ? [...kinds].reverse() : kinds;
      for (const kind of order) {
        const { ms, passes, batch } = await timed(page, kind, method);
        const entry = results[method][kind];
        entry.times.push(Math.round(ms * 10) / 10);
        if (passes !== undefined) Object.assign(entry, { passes, batch });
      }
    }
    for (const kind of kinds) results[method][kind].median_ms = median(results[method][kind].times);
  }
} finally {
  await browser.close();
  server.stop();
}

console.log(`Chromium, the page's threads (${threads ?? 'see the page'}); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [method, entry] of Object.entries(results)) {
  const { metrics, sanity } = entry;
  console.log(`${method}: deletion+insertion+confidence ` +
    `${metrics.median_ms.toFixed(1)} ms (${metrics.passes} forward passes in batches of ${metrics.batch}, ` +
    `${(metrics.median_ms / metrics.passes).toFixed(2)} ms a pass; budget ${BUDGET_MS.metrics} ms: ` +
    `${metrics.median_ms <= BUDGET_MS.metrics ? 'met' : 'missed'}); sanity cascade ${sanity.median_ms.toFixed(1)} ms ` +
    `(budget ${BUDGET_MS.sanity} ms: ${sanity.median_ms <= BUDGET_MS.sanity ? 'met' : 'missed'})`);
}
if (outPath) fs.writeFileSync(outPath, `${JSON.stringify({ rounds, threads, loadavg: os.loadavg(), results }, null, 2)}\n`);
