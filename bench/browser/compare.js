// Two builds of the page's module (camlens.mjs, served at /a/ and /b/ by compare.mjs), timed in
// alternation call for call: a view of the four headline maps as the page asks for them, and a view
// of the prediction alone (Explainer.view), at 1 thread and at all the threads the module has. Runs in a Web Worker, as
// the page's engine does: on a page's main thread, which may not block, every wait for a thread
// spins. Posts {line} for progress, then {results}.
const HEADLINE = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
const params = new URLSearchParams(location.search);
const ROUNDS = Number(params.get('rounds') ?? 40);
const GAP_MS = Number(params.get('gap') ?? 0);
const WARMUP_ROUNDS = 10;  // V8 tiers WebAssembly up from baseline code in the first seconds

function log(line) {
  postMessage({ line });
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function decodePhoto(url) {
  const bitmap = await createImageBitmap(new Blob([await fetchBytes(url)]));
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
  context.drawImage(bitmap, 0, 0);
  return { width: bitmap.width, height: bitmap.height, rgba: context.getImageData(0, 0, bitmap.width, bitmap.height).data };
}

function quantiles(samples) {
  const s = [...samples].sort((x, y) => x - y);
  const pick = (q) => s[Math.floor(q * (s.length - 1))];
  return { median: pick(0.5), p10: pick(0.1), p90: pick(0.9), runs: s.length };
}

function time(run) {
  const start = performance.now();
  run();
  return performance.now() - start;
}

async function loadBuild(side, files) {
  const { default: create } = await import(`/${side}/camlens.mjs`);
  const camlens = await create();
  const explainer = new camlens.Explainer(files.modelJson, [{ name: 'emotion.bin', bytes: files.weights }], files.metadataJson);
  const { width, height } = files.photo;
  explainer.setImage(files.photo.rgba, width, height);
  // The explainer keeps the forward pass and the maps of its crop: each call moves the crop by a
  // pixel, so each runs the forward pass (and the maps) again, as a new photo or crop would.
  const crops = [{ x: 0, y: 0, width, height }, { x: 1, y: 1, width: width - 1, height: height - 1 }];
  let calls = 0;
  const crop = () => crops[calls++ % 2];
  return {
    camlens,
    view: () => explainer.view({ crop: crop(), methods: HEADLINE }),
    predict: () => explainer.view({ crop: crop(), pictures: false }),
  };
}

const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// a and b in alternation, which goes first alternating, GAP_MS idle before each call; per round
// the ratio b / a.
async function alternate(a, b, work) {
  const times = { a: [], b: [], ratio: [] };
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; ++round) {
    const [first, second] = round % 2 ? [b, a] : [a, b];
    if (GAP_MS > 0) await idle(GAP_MS);
    const t1 = time(first[work]);
    if (GAP_MS > 0) await idle(GAP_MS);
    const t2 = time(second[work]);
    if (round < WARMUP_ROUNDS) continue;
    const [ta, tb] = round % 2 ? [t2, t1] : [t1, t2];
    times.a.push(ta);
    times.b.push(tb);
    times.ratio.push(tb / ta);
  }
  return { a: quantiles(times.a), b: quantiles(times.b), b_over_a: quantiles(times.ratio) };
}

async function main() {
  const files = {
    modelJson: await (await fetch('/models/emotion/model.json')).text(),
    metadataJson: await (await fetch('/models/emotion/metadata.json')).text(),
    weights: await fetchBytes('/models/emotion/emotion.bin'),
    photo: await decodePhoto('/tests/fixtures/images/astronaut_face.png'),
  };
  const a = await loadBuild('a', files), b = await loadBuild('b', files);
  const maxThreads = Math.min(a.camlens.maxThreads, b.camlens.maxThreads);
  const results = { userAgent: navigator.userAgent, rounds: ROUNDS, runs: [] };
  for (const threads of [...new Set([1, maxThreads])]) {
    a.camlens.setThreadCount(threads);
    b.camlens.setThreadCount(threads);
    // A new thread starts only once this one returns to its event loop: until then the calls
    // below would run on this thread alone.
    await idle(100);
    for (const work of ['view', 'predict']) {
      const r = await alternate(a, b, work);
      results.runs.push({ threads, work, ...r });
      log(`${threads} thread(s), ${work}: a ${r.a.median.toFixed(2)} ms, b ${r.b.median.toFixed(2)} ms, ` +
          `b / a ${r.b_over_a.median.toFixed(3)} [${r.b_over_a.p10.toFixed(3)}-${r.b_over_a.p90.toFixed(3)}]`);
    }
  }
  return results;
}

main().then((results) => postMessage({ results }),
            (error) => { log(`failed: ${error.message}`); postMessage({ results: { error: error.message } }); });
