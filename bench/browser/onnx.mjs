// camlens against onnxruntime-web in headless Chromium on torchvision's ResNet-18 and MobileNetV2
// at 224 x 224 (seeded weights, exported at run time by bench/onnx_models.py into a temporary
// folder): the forward pass on the same thread count (onnxruntime-web's wasm backend, SIMD), and
// camlens's Grad-CAM against its own forward pass, alternated call for call in one page
// (bench/browser/onnx.js); the peak WebAssembly memory of camlens's module per model.
//
//   node bench/browser/onnx.mjs [--out FILE.json] [--rounds N] [--gap-ms MS] [--threads 1,2]
//                               [--models resnet18,mobilenet_v2] [--onnx-dir DIR]
//
// Needs build/wasm/camlens.mjs (scripts/build.sh app), npm's onnxruntime-web (scripts/install-deps.sh)
// and Debian's python3-torch and python3-torchvision (unless --onnx-dir holds NAME.onnx and
// NAME.metadata.json already). One page per model and thread count, one after the other, in one
// Chromium; the 1-minute load average is sampled before and after each page.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, launchBrowser } from '../../tests/browser/support.mjs';
import { serveStatic } from './static_server.mjs';

const USAGE = 'usage: node bench/browser/onnx.mjs [--out FILE.json] [--rounds N] [--gap-ms MS] [--threads 1,2] ' +
              '[--models resnet18,mobilenet_v2] [--onnx-dir DIR]';
const args = process.argv.slice(2);
function option(flag, fallback) {
  const index = args.indexOf(flag);
  if (index < 0) return fallback;
  if (index + 1 >= args.length) fail(`${flag} needs a value`);
  return args.splice(index, 2)[1];
}
function fail(message) {
  console.error(`bench/browser/onnx.mjs: ${message}\n${USAGE}`);
  process.exit(2);
}
const outPath = option('--out', null);
const rounds = Number(option('--rounds', 40));
const gapMs = Number(option('--gap-ms', 100));
const threadCounts = option('--threads', '1,2').split(',').map(Number);
const models = option('--models', 'resnet18,mobilenet_v2').split(',');
const givenOnnxDir = option('--onnx-dir', null);
if (args.length) fail(`unknown argument '${args[0]}'`);
if (!(rounds > 0) || !(gapMs >= 0) || threadCounts.some((t) => !(t >= 1))) fail('--rounds, --gap-ms and --threads must be positive');

for (const [file, how] of [['build/wasm/camlens.mjs', 'run scripts/build.sh app'],
                           ['node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', 'run scripts/install-deps.sh']]) {
  if (!fs.existsSync(path.join(root, file))) fail(`${file} is missing; ${how}`);
}

// Exports the models into a temporary folder that is removed on exit, unless --onnx-dir gives them.
function onnxDir() {
  if (givenOnnxDir) return path.resolve(givenOnnxDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-onnx-bench-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  console.log(`exporting ${models.join(', ')} from torchvision into ${dir}`);
  const result = spawnSync('/usr/bin/python3', [path.join(root, 'bench/onnx_models.py'), dir, ...models], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('bench/browser/onnx.mjs: bench/onnx_models.py failed (apt-get install python3-torch python3-torchvision)');
    process.exit(1);
  }
  return dir;
}
const modelDir = onnxDir();
for (const model of models) {
  for (const suffix of ['.onnx', '.metadata.json']) {
    if (!fs.existsSync(path.join(modelDir, model + suffix))) fail(`${path.join(modelDir, model + suffix)} is missing`);
  }
}

// URL prefix -> directory.
const MOUNTS = [['/bench/browser/', path.join(root, 'bench/browser')], ['/build/wasm/', path.join(root, 'build/wasm')],
                ['/node_modules/onnxruntime-web/dist/', path.join(root, 'node_modules/onnxruntime-web/dist')],
                ['/web/samples/', path.join(root, 'web/samples')], ['/onnx/', modelDir]];
const server = await serveStatic(MOUNTS);

const loadAverage = () => Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const browser = await launchBrowser();
const browserVersion = browser.version();
const runs = [];
try {
  for (const threads of threadCounts) {
    for (const model of models) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (message) => {
        if (!message.text().startsWith('Blocking on the main thread')) console.log(`  [page] ${message.text()}`);
      });
      page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));
      const loadBefore = loadAverage();
      const started = new Date().toISOString();
      await page.goto(`http://127.0.0.1:${server.port}/bench/browser/onnx.html?model=${model}&threads=${threads}` +
                      `&rounds=${rounds}&gap=${gapMs}`);
      await page.waitForFunction(() => window.onnxResults !== undefined, null, { timeout: 20 * 60 * 1000, polling: 500 });
      const results = await page.evaluate(() => window.onnxResults);
      await context.close();
      if (results.error) throw new Error(`${model}, ${threads} thread(s): ${results.error}`);
      runs.push({ ...results, started, load_average_1min: { before: loadBefore, after: loadAverage() } });
    }
  }
} finally {
  await browser.close();
  server.close();
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
console.log('\n| model | threads | camlens forward ms | onnxruntime-web ms | ratio (target <= 0.8) | Grad-CAM ms | Grad-CAM / forward (target <= 2.5) | memory after load / Grad-CAM / all, MiB |');
console.log('|---|---:|---:|---:|---|---:|---|---|');
for (const r of runs) {
  const f = r.ratios.forward_over_ort, g = r.ratios.grad_cam_over_forward;
  console.log(`| ${r.model} | ${r.threads} | ${r.camlens_forward_ms.median.toFixed(1)} | ${r.ort_run_ms.median.toFixed(1)} | ` +
              `${f.median.toFixed(3)} [${f.p10.toFixed(3)}-${f.p90.toFixed(3)}] ${f.median <= 0.8 ? 'met' : 'MISSED'} | ` +
              `${r.camlens_grad_cam_engine_ms.median.toFixed(1)} | ${g.median.toFixed(2)} [${g.p10.toFixed(2)}-${g.p90.toFixed(2)}] ` +
              `${g.median <= 2.5 ? 'met' : 'MISSED'} | ${mib(r.memory.loaded_bytes)} / ${mib(r.memory.after_grad_cam_bytes)} / ` +
              `${mib(r.memory.after_rounds_bytes)} |`);
}
const ortPackage = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/onnxruntime-web/package.json'), 'utf8'));
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
const out = { commit, cpu: os.cpus()[0]?.model, cores: os.cpus().length, browser_version: browserVersion,
              onnxruntime_web: ortPackage.version, runs };
if (outPath) fs.writeFileSync(outPath, `${JSON.stringify(out, null, 1)}\n`);
