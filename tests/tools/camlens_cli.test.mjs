// End-to-end tests of the native command-line tool (build/native/camlens, or $CAMLENS_CLI): run as
// a ctest entry of the native build. Each test spawns the tool and checks its output, the files it
// writes (PNGs decoded back by tests/tools/png.mjs) and its exit code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from './png.mjs';
import { checkResult } from '../schema.mjs';
import { camlens, cli, root, tempDir } from './cli.mjs';

const images = path.join(root, 'tests/fixtures/images');
const FACE = path.join(images, 'astronaut_face.png');
const TRUNCATED = path.join(images, 'truncated.jpg');
const HEAD_CONV = 'StatefulPartitionedCall/model_1/conv2d_5/BiasAdd';
const LAST_FEATURES = 'StatefulPartitionedCall/model_1/add_2/add';  // the metadata's default layer
const LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];

// Distinct RGB colours in a decoded image.
function colourCount(image) {
  const seen = new Set();
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    seen.add((image.pixels[i] << 16) | (image.pixels[i + 1] << 8) | image.pixels[i + 2]);
  }
  return seen.size;
}

const face = decodePng(fs.readFileSync(FACE));

test('the test PNG decoder reads the face fixture as its raw RGB twin', () => {
  assert.deepEqual([face.width, face.height, face.channels], [140, 140, 3]);
  assert.ok(Buffer.from(face.pixels).equals(fs.readFileSync(path.join(images, 'astronaut_face.rgb'))));
});

test('--help and <command> --help print usage and exit 0', () => {
  const main = camlens('--help');
  assert.equal(main.code, 0);
  for (const command of ['predict', 'explain', 'layers', 'methods', 'visualize', 'train', 'data', 'audit']) assert.match(main.stdout, new RegExp(`camlens ${command}`));
  assert.match(main.stdout, /Exit codes/);
  for (const command of ['predict', 'explain', 'layers', 'methods', 'visualize', 'train', 'data', 'audit']) {
    const help = camlens(command, '--help');
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^Usage: camlens ${command}`), command);
  }
  assert.match(camlens('explain', '--help').stdout, /--colormap NAME/);
});

test('predict prints the top classes, aligned, happy first for the astronaut', () => {
  const { code, stdout, stderr } = camlens('predict', FACE);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split('\n');
  // The metadata asks for a face: BlazeFace finds it, and its square, moved inside, is the whole fixture.
  assert.match(lines[0], new RegExp(`^${FACE.replace(/[.]/g, '\\.')}  \\(140x140, crop 0,0 140x140, face 0 of 1, score 0\\.\\d{3}\\)$`));
  assert.equal(lines.length, 4);  // the header and the default top 3
  assert.match(lines[1], /^  happy     {2}\s*99\.99\d%  #{30}$/);
  assert.match(lines[2], /^  neutral  /);
  // Aligned: every probability ends in the same column.
  const ends = lines.slice(1).map((line) => line.indexOf('%'));
  assert.ok(ends.every((end) => end === ends[0]), stdout);
});

test('predict --json holds the image, the crop and the prediction, in one JSON document', () => {
  const { code, stdout } = camlens('predict', FACE, '--json', '--top', '2', '--crop', '20,30,100,90');
  assert.equal(code, 0);
  const result = checkResult(JSON.parse(stdout));
  assert.equal(result.kind, 'prediction');
  assert.match(result.model, /models\/emotion$/);
  assert.equal(result.images.length, 1);
  const [image] = result.images;
  assert.deepEqual(image.image, { name: FACE, width: 140, height: 140 });
  assert.deepEqual(image.crop, { x: 20, y: 30, width: 100, height: 90 });
  const top = image.prediction.classes;
  assert.equal(top.length, 2);
  for (const entry of top) assert.equal(entry.label, LABELS[entry.class]);
  assert.ok(top[0].probability >= top[1].probability);

  // Without --crop, the metadata's "face" crop of this tight face is all of it. Every class, best
  // first, with probabilities that sum to 1.
  const whole = checkResult(JSON.parse(camlens('predict', FACE, '--json', '--top', '7').stdout)).images[0];
  assert.deepEqual(whole.crop, { x: 0, y: 0, width: 140, height: 140 });
  const all = whole.prediction.classes;
  assert.equal(all.length, 7);
  assert.equal(all[0].label, 'happy');
  assert.ok(all[0].probability > 0.999);
  assert.ok(Math.abs(all.reduce((sum, entry) => sum + entry.probability, 0) - 1) < 1e-5);
  for (let rank = 1; rank < 7; ++rank) assert.ok(all[rank - 1].probability >= all[rank].probability);
  const logit = (entries, label) => entries.find((entry) => entry.label === label)?.logit;
  assert.notEqual(logit(all, top[0].label), logit(top, top[0].label));  // the crop changed what the model saw
});

test('predict: a bad image among good ones is reported, the others printed, exit 3', () => {
  const { code, stdout, stderr } = camlens('predict', TRUNCATED, FACE, '--json');
  assert.equal(code, 3);
  assert.match(stderr, /truncated\.jpg/);
  const result = checkResult(JSON.parse(stdout));
  assert.equal(result.images.length, 2);
  assert.match(result.images[0].error, /cannot decode .*truncated\.jpg/);
  assert.equal(result.images[1].prediction.classes[0].label, 'happy');
  const missing = camlens('predict', path.join(images, 'no_such_image.png'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no_such_image\.png: no such file/);
});

test('layers lists every layer with kind and shape, the last feature layer as the default', () => {
  const { code, stdout } = camlens('layers');
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0], /input 'input_1' \[64, 64, 1\], 7 classes/);
  assert.match(lines[1], /to out\s+explainable$/);
  const rows = lines.slice(2);
  assert.equal(rows.length, 21);  // the input and 20 layers
  // The head conv is two layers from the output (the global average pool, then the logits' Mean).
  assert.match(rows.find((row) => row.includes(HEAD_CONV)), /Conv2D\s+\[8, 8, 7\]\s+1\s+yes$/);
  assert.match(rows.find((row) => row.includes(LAST_FEATURES)), /Add\s+\[8, 8, 256\]\s+2\s+yes \(default\)$/);
  assert.equal(rows.filter((row) => row.endsWith('(default)')).length, 1);
  assert.match(rows.find((row) => row.includes('global_average_pooling2d_1/Mean')), /GlobalAveragePool\s+\[7\]\s+0$/);
  assert.match(rows[0], /^ 0 {2}input_1\s+Input\s+\[64, 64, 1\]$/);

  const description = checkResult(JSON.parse(camlens('layers', '--json').stdout));
  assert.equal(description.kind, 'model');
  assert.deepEqual(description.labels, LABELS);
  assert.deepEqual(description.input, { height: 64, width: 64, channels: 1, color: 'gray' });
  assert.equal(description.default_layer, LAST_FEATURES);
  assert.equal(description.layers.length, 20);
  assert.equal(description.layers.find((layer) => layer.name === HEAD_CONV).depth, 1);
  assert.equal(description.methods.find((method) => method.name === 'cam').layer, HEAD_CONV);
});

test('methods lists the registry, and explain --method all runs each of them', () => {
  const { code, stdout } = camlens('methods');
  assert.equal(code, 0);
  const methods = stdout.trimEnd().split('\n').map((line) => line.split(/\s+/)[0]);
  assert.ok(methods.includes('grad-cam') && methods.includes('cam'), stdout);
  for (const line of stdout.trimEnd().split('\n')) assert.match(line, /^\S+\s+(layer|pixel)\s+\S.*$/);

  const out = tempDir('all');
  const run = camlens('explain', FACE, '--out', out, '--method', 'all', '--quiet');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');  // --quiet
  const written = fs.readdirSync(out).sort();
  assert.deepEqual(written, methods.flatMap((m) => ['crop', 'heatmap', 'overlay'].map((kind) => `astronaut_face.${m}.happy.${kind}.png`)).sort());
});

test('explain on a folder: PNGs and JSON for the good image, the truncated JPEG reported and skipped, exit 3', () => {
  const input = tempDir('in');
  fs.copyFileSync(FACE, path.join(input, 'face.png'));
  fs.copyFileSync(TRUNCATED, path.join(input, 'truncated.jpg'));
  fs.writeFileSync(path.join(input, 'notes.txt'), 'not an image');
  const out = tempDir('out');
  const { code, stdout, stderr } = camlens('explain', input, '--out', out, '--json', '--method', 'grad-cam,eigen-cam',
    '--layer', 'conv2d_5');
  assert.equal(code, 3);
  assert.match(stderr, /^camlens explain: cannot decode .*truncated\.jpg: .*; skipped$/m);
  assert.doesNotMatch(stderr, /\r|\[#/);  // no progress bar: stderr is not a terminal
  assert.match(stdout, /face\.png: happy\s+99\.99\d% ->/);
  assert.match(stdout, /explained 1 of 2 image\(s\) with grad-cam,eigen-cam \(top 1\): 7 file\(s\)/);
  assert.match(stdout, /1 image\(s\) skipped:\n {2}cannot decode .*truncated\.jpg/);

  for (const method of ['grad-cam', 'eigen-cam']) {
    const overlay = decodePng(fs.readFileSync(path.join(out, `face.${method}.happy.overlay.png`)));
    const heatmap = decodePng(fs.readFileSync(path.join(out, `face.${method}.happy.heatmap.png`)));
    for (const image of [overlay, heatmap]) {
      assert.deepEqual([image.width, image.height, image.channels], [140, 140, 3]);
      assert.ok(colourCount(image) > 50, `${method}: a map, not a blank picture`);
    }
    assert.ok(!Buffer.from(overlay.pixels).equals(Buffer.from(face.pixels)), 'the overlay differs from the photo');
  }

  const report = checkResult(JSON.parse(fs.readFileSync(path.join(out, 'face.json'), 'utf8')));
  assert.equal(report.kind, 'view');
  assert.deepEqual(report.image, { name: path.join(input, 'face.png'), width: 140, height: 140 });
  assert.deepEqual(report.crop, { x: 0, y: 0, width: 140, height: 140 });
  assert.equal(report.prediction.classes[0].label, 'happy');
  assert.equal(report.prediction.classes.length, 7);
  assert.deepEqual(report.failures, []);
  assert.deepEqual(report.passes, { forward: 1, backward: 1 });
  assert.deepEqual(report.explanations.map((e) => e.method), ['grad-cam', 'eigen-cam']);
  for (const e of report.explanations) {
    assert.equal(e.layer, HEAD_CONV);
    assert.deepEqual([e.class, e.label], [3, 'happy']);
    assert.deepEqual([e.raw.height, e.raw.width, e.raw.values.length], [8, 8, 64]);
    assert.ok(e.raw.values.every(Number.isFinite));
    assert.equal(e.channel_weights.length, 7);
    for (const step of ['forward', 'backward', 'map', 'postprocess']) assert.ok(e.timings_ms[step] >= 0, step);
    for (const file of Object.values(e.files)) assert.ok(fs.existsSync(path.join(out, file)), file);
  }
  // Grad-CAM at the head conv weights channel k by the mean gradient: 1/64 on the happy channel only.
  assert.deepEqual(report.explanations[0].channel_weights, [0, 0, 0, 1 / 64, 0, 0, 0]);
  for (const step of ['forward', 'total', 'decode', 'render_and_write']) assert.ok(report.timings_ms[step] > 0, step);
  assert.ok(!fs.existsSync(path.join(out, 'truncated.json')));
});

test('explain with a crop: the map inside the box of the photo, the rest untouched; --class, --layer, --alpha', () => {
  const out = tempDir('crop');
  const { code, stderr } = camlens('explain', FACE, '--out', out, '--crop', '20,30,60,50', '--class', 'neutral',
    '--layer', 'conv2d_5', '--alpha', '1', '--colormap', 'gray');
  assert.equal(code, 0, stderr);
  const overlay = decodePng(fs.readFileSync(path.join(out, 'astronaut_face.grad-cam.neutral.overlay.png')));
  const crop = decodePng(fs.readFileSync(path.join(out, 'astronaut_face.grad-cam.neutral.crop.png')));
  const heatmap = decodePng(fs.readFileSync(path.join(out, 'astronaut_face.grad-cam.neutral.heatmap.png')));
  assert.deepEqual([overlay.width, overlay.height], [140, 140]);
  assert.deepEqual([crop.width, crop.height, heatmap.width, heatmap.height], [60, 50, 60, 50]);
  let outsideSame = true, insideEqualsHeat = true;
  for (let y = 0; y < 140; ++y) {
    for (let x = 0; x < 140; ++x) {
      const inside = x >= 20 && x < 80 && y >= 30 && y < 80;
      for (let c = 0; c < 3; ++c) {
        const i = (y * 140 + x) * 3 + c;
        if (!inside && overlay.pixels[i] !== face.pixels[i]) outsideSame = false;
        // alpha 1: inside the box the overlay is the heatmap itself.
        if (inside && overlay.pixels[i] !== heatmap.pixels[((y - 30) * 60 + (x - 20)) * 3 + c]) insideEqualsHeat = false;
      }
    }
  }
  assert.ok(outsideSame, 'outside the box the photo is unchanged');
  assert.ok(insideEqualsHeat, 'inside the box, with alpha 1, the heatmap');
  assert.ok(Buffer.from(crop.pixels).equals(Buffer.from(heatmap.pixels)));
  // Gray colormap: every heatmap pixel is gray.
  for (let i = 0; i < heatmap.pixels.length; i += 3) assert.ok(heatmap.pixels[i] === heatmap.pixels[i + 1] && heatmap.pixels[i + 1] === heatmap.pixels[i + 2]);

  const outside = camlens('explain', FACE, '--out', out, '--crop', '100,100,60,60');
  assert.equal(outside.code, 3);
  assert.match(outside.stderr, /the crop box x=100 y=100 width=60 height=60 is not inside the 140x140 image/);
});

// util-linux's script(1) runs the tool on a pseudo-terminal: stderr is a terminal there.
test('explain draws a progress bar when stderr is a terminal, and not with --quiet', (t) => {
  if (spawnSync('script', ['--version']).error) return t.skip('script(1) is not installed');
  const out = tempDir('tty');
  const onTerminal = (...args) => spawnSync('script', ['-qec', [cli, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'],
    { cwd: root, encoding: 'utf8' });
  const shown = onTerminal('explain', FACE, '--out', out, '--method', 'grad-cam,score-cam');
  assert.equal(shown.status, 0, shown.stdout);
  // Grad-CAM's stage, then Score-CAM's steps, the bar filling as they go.
  const bars = [...shown.stdout.matchAll(/\r\x1b\[K\[(#*)(\.*)\] 0\/1 {2}(?:\.\.\.)?\S*\.png (.*?)(?=\r|$)/gm)];
  const stage = (pattern) => bars.find((bar) => pattern.test(bar[3]));
  assert.ok(stage(/^grad-cam$/), shown.stdout);
  const half = stage(/^score-cam masks 128\/256$/);
  assert.ok(half, shown.stdout);
  assert.equal(half[1].length + half[2].length, 30);
  assert.ok(half[1].length > stage(/^grad-cam$/)[1].length && half[2].length > 0, half[0]);
  assert.match(shown.stdout, /explained 1 of 1 image/);
  const quiet = onTerminal('explain', FACE, '--out', out, '--quiet');
  assert.equal(quiet.status, 0);
  assert.equal(quiet.stdout, '');
});

test('--threads changes nothing but the speed: the same logits and maps on 1 and 2 threads', () => {
  const predictions = ['1', '2'].map((threads) => {
    const { code, stdout } = camlens('predict', FACE, '--json', '--threads', threads);
    assert.equal(code, 0);
    return JSON.parse(stdout).images[0].prediction.classes;
  });
  assert.deepEqual(predictions[1], predictions[0]);
  const maps = ['1', '2'].map((threads) => {
    const out = tempDir(`threads-${threads}`);
    const { code } = camlens('explain', FACE, '--out', out, '--method', 'grad-cam,saliency', '--json', '--quiet',
      '--threads', threads);
    assert.equal(code, 0);
    return JSON.parse(fs.readFileSync(path.join(out, 'astronaut_face.json'), 'utf8')).explanations.map((e) => e.raw);
  });
  assert.deepEqual(maps[1], maps[0]);
  assert.match(camlens('explain', '--help').stdout, /--threads N +threads for the model's kernels \(default: the CPU's, here \d+\)/);
});

test('bad usage exits 2 with a message and a pointer to --help', () => {
  const out = tempDir('usage');
  const cases = [
    [['predict', FACE, '--topp', '3'], /unknown option '--topp'/],
    [['predict', FACE, '--top'], /option --top needs a value/],
    [['predict', FACE, '--top', 'three'], /--top needs a whole number, got 'three'/],
    [['predict', FACE, '--top', '0'], /--top must be at least 1, got 0/],
    [['predict', FACE, '--threads', '0'], /--threads must be at least 1, got 0/],
    [['predict', FACE, '--crop', '1,2,3'], /--crop needs x,y,w,h/],
    [['predict', FACE, '--json=yes'], /option --json takes no value/],
    [['predict'], /give at least one image/],
    [['explain', FACE], /--out DIR is required/],
    [['explain', FACE, '--out', out, '--method', 'grad-came'], /no method named 'grad-came'; known methods: cam, grad-cam/],
    [['explain', FACE, '--out', out, '--alpha', '1.5'], /--alpha needs a number from 0 to 1, got '1\.5'/],
    [['explain', FACE, '--out', out, '--colormap', 'rainbow'], /no colormap named 'rainbow'/],
    [['explain', FACE, '--out', out, '--class', 'bored'], /--class 'bored' is neither a class index nor a label; classes: 0 angry/],
    [['explain', FACE, '--out', out, '--class', '7'], /--class '7' is neither/],
    [['explain', FACE, '--out', out, '--class', '3', '--top', '2'], /give --class or --top, not both/],
    [['explain', FACE, '--out', out, '--top', '8'], /--top 8: the model has 7 classes/],
    [['explain', FACE, '--out', out, '--layer', 'Mean'], /names no explainable layer; they are:\n {2}StatefulPartitionedCall/],
    [['explain', FACE, '--out', out, '--layer', 'conv'], /matches several layers/],
    [['explain', FACE, '--out', out, '--layer', 'StatefulPartitionedCall/model_1/predictions/Softmax'], /not a spatial/],
    [['layers', 'extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = camlens(...args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message, args.join(' '));
    assert.match(stderr, new RegExp(`Run 'camlens ${args[0]} --help' for usage\\.`), args.join(' '));
    assert.equal(stdout, '', args.join(' '));
  }
  const unknown = camlens('explian');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'explian'\nRun 'camlens --help' for usage\./);
  assert.equal(camlens().code, 2);
  assert.deepEqual(fs.readdirSync(out), []);  // nothing was written
});

test('a bad --model exits 3 and says why', () => {
  const missing = camlens('layers', '--model', path.join(images, 'no_model_here'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /--model: no file .*no_model_here; give a folder holding a TensorFlow\.js model\.json/);
  const empty = camlens('layers', '--model', images);
  assert.equal(empty.code, 3);
  assert.match(empty.stderr, /--model: no file .*images\/model\.json/);
  const notModel = tempDir('model');
  fs.writeFileSync(path.join(notModel, 'model.json'), '{"format": "graph-model"');
  const broken = camlens('predict', FACE, '--model', notModel);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /model\.json is not valid JSON/);
});

test('visualize: an image that raises a class, or a channel, written as a PNG at the input size times --scale', () => {
  const out = tempDir('visualize');
  const happy = camlens('visualize', '--class', 'happy', '--out', path.join(out, 'happy.png'), '--steps', '24', '--scale', '2');
  assert.equal(happy.code, 0, happy.stderr);
  const [, before, after] = happy.stdout.match(/^class happy: objective (\S+) -> (\S+) after 24 steps -> .*happy\.png$/m);
  assert.ok(Number(after) > Number(before) + 1, happy.stdout);  // the ascent raised the logit
  const picture = decodePng(fs.readFileSync(path.join(out, 'happy.png')));
  assert.deepEqual([picture.width, picture.height], [128, 128]);
  assert.ok(colourCount(picture) > 20, 'a picture, not a flat gray');

  const channel = camlens('visualize', '--channel', `${HEAD_CONV}:3`, '--out', path.join(out, 'channel.png'), '--steps', '8');
  assert.equal(channel.code, 0, channel.stderr);
  assert.match(channel.stdout, /^channel 3 of .*conv2d_5.*: objective/m);
  assert.deepEqual([decodePng(fs.readFileSync(path.join(out, 'channel.png'))).width], [64]);

  for (const [args, message] of [
    [['--out', path.join(out, 'x.png')], /give --class K or --channel LAYER:C/],
    [['--class', 'happy'], /--out FILE\.png is required/],
    [['--class', 'elated', '--out', path.join(out, 'x.png')], /neither a class index nor a label/],
    [['--channel', `${HEAD_CONV}:7`, '--out', path.join(out, 'x.png')], /has 7 channels \(0\.\.6\), got 7/],
    [['--channel', 'conv2d_5', '--out', path.join(out, 'x.png')], /--channel needs LAYER:C/],
  ]) {
    const run = camlens('visualize', ...args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, message);
  }
});

test('--labels and --metadata replace what lies beside the model, for predict, explain, evaluate and audit', () => {
  const dir = tempDir('sidecars');
  const renamed = LABELS.map((label) => `${label}-renamed`);
  const labelsFile = path.join(dir, 'labels.txt');
  fs.writeFileSync(labelsFile, renamed.join('\r\n') + '\r\n');  // CR LF lines and a final newline are fine
  const metadata = JSON.parse(fs.readFileSync(path.join(root, 'models/emotion/metadata.json'), 'utf8'));
  const metadataFile = path.join(dir, 'other.json');
  fs.writeFileSync(metadataFile, JSON.stringify({ ...metadata, labels: LABELS.map((_, i) => `m${i}`),
                                                  crop: { x: 0.25, y: 0.25, width: 0.5, height: 0.5 } }));
  const predict = (...extra) => {
    const { code, stdout, stderr } = camlens('predict', FACE, '--json', '--top', '7', ...extra);
    assert.equal(code, 0, stderr);
    return checkResult(JSON.parse(stdout)).images[0];
  };
  const plain = predict();
  const relabelled = predict('--labels', labelsFile);
  assert.deepEqual(relabelled.prediction.classes.map((entry) => entry.label),
                   plain.prediction.classes.map((entry) => `${entry.label}-renamed`));
  assert.deepEqual(relabelled.prediction.classes.map((entry) => entry.probability),
                   plain.prediction.classes.map((entry) => entry.probability));

  // The other metadata's crop and labels; --labels wins over its labels.
  const other = predict('--metadata', metadataFile);
  assert.deepEqual(other.crop, { x: 35, y: 35, width: 70, height: 70 });
  assert.ok(other.prediction.classes.every((entry) => entry.label === `m${entry.class}`));
  const both = predict('--metadata', metadataFile, '--labels', labelsFile);
  assert.deepEqual(both.crop, other.crop);
  assert.ok(both.prediction.classes.every((entry) => entry.label === renamed[entry.class]));

  const out = path.join(dir, 'maps');
  const explained = camlens('explain', FACE, '--out', out, '--labels', labelsFile, '--class', 'happy-renamed', '--quiet');
  assert.equal(explained.code, 0, explained.stderr);
  assert.ok(fs.readdirSync(out).some((name) => name.includes('happy-renamed') && name.endsWith('.overlay.png')),
            fs.readdirSync(out).join(' '));

  // A label per logit, and files that exist: else exit 3 with what to fix.
  const short = path.join(dir, 'short.txt');
  fs.writeFileSync(short, 'a\nb\n');
  for (const command of [['predict', FACE], ['explain', FACE, '--out', out], ['evaluate', FACE, '--out', out],
                         ['audit', '--data', dir, '--out', out]]) {
    const wrong = camlens(...command, '--labels', short);
    assert.equal(wrong.code, 3, `${command[0]}: ${wrong.stderr}`);
    assert.match(wrong.stderr, /labels file '.*short\.txt' has 2 label\(s\), one per line; the model has 7 logits: give one label per logit/);
    const missing = camlens(...command, '--metadata', path.join(dir, 'none.json'));
    assert.equal(missing.code, 3, `${command[0]}: ${missing.stderr}`);
    assert.match(missing.stderr, /the metadata file '.*none\.json' does not exist or is not a file/);
    const help = camlens(command[0], '--help').stdout;
    assert.match(help, /--metadata FILE/);
    assert.match(help, /--labels FILE/);
  }
  fs.writeFileSync(short, 'a\n\nb\nc\nd\ne\nf\n');
  assert.match(camlens('predict', FACE, '--labels', short).stderr, /has an empty line 2; give one label per line/);
});
