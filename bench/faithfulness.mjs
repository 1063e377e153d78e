// Which methods are faithful on camlens's own models: deletion, insertion and ROAD for every method
// and the two baselines (a random map, the Sobel edges), over Fashion-MNIST test images (the first
// PER_CLASS of each class of the official test set) with the shipped Fashion-MNIST model, and over
// the emotion model on the photo gallery (web/samples/samples.json), each photo on the face camlens
// evaluate finds (a photo without one is named, not scored). Writes OUT.md and keeps each run's
// evaluation.json beside it as OUT-fashion-mnist.json and OUT-emotion.json.
// Usage: node bench/faithfulness.mjs OUT [PER_CLASS (default 100)] [--reuse-fashion]
// --reuse-fashion reads OUT-fashion-mnist.json from an earlier run instead of the hour again.
// Needs build/native/camlens and Debian's dataset-fashion-mnist; takes about an hour on 2 cores.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.CAMLENS_CLI ?? path.join(root, 'build/native/camlens');
const reuseFashion = process.argv.includes('--reuse-fashion');
const [out, perClassText = '100'] = process.argv.slice(2).filter((arg) => arg !== '--reuse-fashion');
const perClass = Number(perClassText);
if (!out || !(perClass >= 1)) {
  console.error('usage: node bench/faithfulness.mjs OUT [PER_CLASS]');
  process.exit(2);
}

function camlens(...args) {
  const result = spawnSync(cli, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`camlens ${args.join(' ')} exited ${result.status}`);
  return result.stdout;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-faithfulness-'));
const METRICS = 'deletion,insertion,road';

// The official test images by class (camlens data shortcut with nothing marked writes them), the
// first `perClass` of each.
function fashionImages() {
  const data = path.join(work, 'data');
  camlens('data', 'shortcut', '--class', '0', '--mark', 'square', '--rate', '0', '--other-rate', '0', '--limit', '2',
          '--out', data);
  const chosen = path.join(work, 'fashion');
  const test = path.join(data, 'test-clean');
  for (const label of fs.readdirSync(test)) {
    fs.mkdirSync(path.join(chosen, label), { recursive: true });
    for (const file of fs.readdirSync(path.join(test, label)).sort().slice(0, perClass)) {
      fs.copyFileSync(path.join(test, label, file), path.join(chosen, label, file));
    }
  }
  return chosen;
}

function evaluate(name, images, extra) {
  const dir = path.join(work, `out-${name}`);
  const started = Date.now();
  camlens('evaluate', ...images, '--method', 'all', '--metric', METRICS, '--json', '--quiet', '--out', dir, ...extra);
  const evaluation = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation.json'), 'utf8'));
  fs.copyFileSync(path.join(dir, 'evaluation.json'), `${out}-${name}.json`);
  return { evaluation, seconds: (Date.now() - started) / 1000 };
}

const number = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');
const interval = (stat) => (stat ? `${number(stat.mean)} [${number(stat.low)}, ${number(stat.high)}]` : 'n/a');

// A table of every method's mean (and 95% interval) per metric, best first by ROAD combined.
function table({ summary }) {
  const rows = [...summary].sort((a, b) => (b.road_combined?.mean ?? 0) - (a.road_combined?.mean ?? 0));
  const lines = [
    '| method | deletion AUC (lower) | insertion AUC (higher) | ROAD MoRF (lower) | ROAD LeRF (higher) | ROAD combined (higher) |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const name = row.baseline ? `*${row.method} (baseline)*` : row.method;
    lines.push(`| ${name} | ${interval(row.deletion_auc)} | ${interval(row.insertion_auc)} | ${interval(row.road_morf)} | ` +
               `${interval(row.road_lerf)} | ${interval(row.road_combined)} |`);
  }
  return lines.join('\n');
}

// One image's values (the faces: too few for an interval).
function imageTable(image) {
  const lines = [
    '| method | deletion AUC | insertion AUC | ROAD combined |',
    '|---|---|---|---|',
  ];
  for (const map of image.maps) {
    const name = map.baseline ? `*${map.method} (baseline)*` : map.method;
    lines.push(`| ${name} | ${number(map.deletion?.auc)} | ${number(map.insertion?.auc)} | ${number(map.road?.combined)} |`);
  }
  return lines.join('\n');
}

const samples = JSON.parse(fs.readFileSync(path.join(root, 'web/samples/samples.json'), 'utf8'));
const fashion = reuseFashion
  ? { evaluation: JSON.parse(fs.readFileSync(`${out}-fashion-mnist.json`, 'utf8')), seconds: null }
  : evaluate('fashion-mnist', [fashionImages()], ['--model', 'models/fashion-mnist']);
const emotion = evaluate('emotion', samples.photos.map((photo) => path.join('web/samples', photo.file)), ['--model', 'models/emotion']);

const lines = [
  `# Faithfulness of every method on the shipped models (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} threads; load average at the end ` +
  `${os.loadavg().map((l) => l.toFixed(1)).join(', ')}.`,
  `Command: \`node bench/faithfulness.mjs ${out} ${perClass}\` (camlens evaluate --method all --metric ${METRICS},`,
  'the defaults: deletion to 0 a row of pixels per step, insertion from a Gaussian blur of 11 taps, sigma 5,',
  'ROAD at the percentiles 10..90 with noise 0.01, seed 0). Mean and 95% interval over the images; sorted by ROAD combined.',
  '',
  `## Fashion-MNIST: ${fashion.evaluation.images.length} test images (${perClass} a class), models/fashion-mnist`,
  '',
  table(fashion.evaluation),
  '',
  fashion.seconds === null ? `Read from ${out}-fashion-mnist.json, an earlier run of this command.` : `${fashion.seconds.toFixed(0)} s for all of it.`,
  '',
  '## The emotion model on the gallery photos, each on the face camlens finds',
  '',
];
const faceless = [];
samples.photos.forEach((photo, i) => {
  const image = emotion.evaluation.images[i];
  if (image.crop_source !== 'face') {
    faceless.push(`- ${photo.title} (${photo.file}): no face found, so not scored (the model would see the centre square).`);
    return;
  }
  lines.push(`### ${photo.title} (${photo.file}, face box ${JSON.stringify(image.crop)}): ${image.label} ` +
             `${(image.probability * 100).toFixed(1)}%`, '', imageTable(image), '');
});
lines.push(...faceless, '', `${emotion.seconds.toFixed(0)} s for the gallery.`);
fs.writeFileSync(`${out}.md`, `${lines.join('\n')}\n`);
fs.rmSync(work, { recursive: true, force: true });
console.log(`wrote ${out}.md, ${out}-fashion-mnist.json and the emotion runs' JSON`);
