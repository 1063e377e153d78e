// Faces found by camlens itself (models/blazeface) through the command-line tool: boxes equal
// TensorFlow.js running the same model with the same preprocessing and decoding
// (tests/node/blazeface_oracle.mjs); the face crop a face model gets by default,
// --face K and --face all; the notice, the centre square and the warning when there is no face.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from './png.mjs';
import { checkResult } from '../schema.mjs';
import { camlens, root, tempDir } from './cli.mjs';
import { canvasWithFaces, tfjsDetector } from '../node/blazeface_oracle.mjs';

const ASTRONAUT = path.join(root, 'web/samples/astronaut.jpg');
const CAT = path.join(root, 'web/samples/chelsea.jpg');
const tfjsFaces = await tfjsDetector('models/blazeface', 256);

// A 24-bit BMP (bottom-up BGR rows padded to 4 bytes): a format the tool reads that is easy to write.
function writeBmp(file, { width, height, pixels }) {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const bytes = Buffer.alloc(54 + stride * height);
  bytes.write('BM', 0);
  bytes.writeUInt32LE(bytes.length, 2);
  bytes.writeUInt32LE(54, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(24, 28);
  bytes.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; ++y) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; ++x) {
      for (let c = 0; c < 3; ++c) bytes[row + x * 3 + c] = pixels[(y * width + x) * 3 + 2 - c];
    }
  }
  fs.writeFileSync(file, bytes);
  return file;
}

function predictJson(...args) {
  const { code, stdout, stderr } = camlens('predict', ...args, '--json');
  assert.equal(code, 0, stderr);
  return { document: checkResult(JSON.parse(stdout)), stderr };
}

const dir = tempDir('faces');
const oneFace = canvasWithFaces(300, 200, [[100, 30]]);
const twoFaces = canvasWithFaces(420, 220, [[40, 40], [240, 40]]);
const ONE = writeBmp(path.join(dir, 'one.bmp'), oneFace);
const TWO = writeBmp(path.join(dir, 'two.bmp'), twoFaces);

test('faces: camlens finds the faces TensorFlow.js finds with the same model and decoding, boxes within one pixel', () => {
  for (const [file, image, count] of [[ONE, oneFace, 1], [TWO, twoFaces, 2]]) {
    const expected = tfjsFaces(image);
    const [entry] = predictJson(file).document.images;
    assert.equal(expected.length, count, `${file}: the oracle finds ${expected.length} face(s)`);
    assert.equal(entry.faces.length, count, file);
    let worstBox = 0, worstScore = 0, worstKeypoint = 0;
    entry.faces.forEach((ours, i) => {
      const theirs = expected[i];
      for (const key of ['x', 'y', 'width', 'height']) worstBox = Math.max(worstBox, Math.abs(ours[key] - theirs[key]));
      worstScore = Math.max(worstScore, Math.abs(ours.score - theirs.score));
      ours.keypoints.forEach((p, k) => { worstKeypoint = Math.max(worstKeypoint, Math.hypot(p[0] - theirs.keypoints[k][0], p[1] - theirs.keypoints[k][1])); });
    });
    console.log(`${path.basename(file)}: ${count} face(s); max |box ours - tfjs| = ${worstBox.toExponential(2)} px, ` +
                `score ${worstScore.toExponential(2)}, keypoints ${worstKeypoint.toExponential(2)} px`);
    assert.ok(worstBox <= 1, `boxes differ by ${worstBox} px`);
    assert.ok(worstScore <= 1e-4, `scores differ by ${worstScore}`);
    assert.ok(worstKeypoint <= 1, `keypoints differ by ${worstKeypoint} px`);
  }
  // Each face pasted is found where it was pasted (the letterbox undone on a wide canvas).
  const faces = predictJson(TWO).document.images[0].faces.sort((a, b) => a.x - b.x);
  for (const [i, left] of [40, 240].entries()) {
    const centreX = faces[i].x + faces[i].width / 2, centreY = faces[i].y + faces[i].height / 2;
    assert.ok(centreX > left && centreX < left + 140 && centreY > 40 && centreY < 180, JSON.stringify(faces[i]));
  }
});

test('faces: the uncropped astronaut photo gives one face around her head, and the emotion model sees it: happy', () => {
  const [entry] = predictJson(ASTRONAUT).document.images;
  assert.equal(entry.crop_source, 'face');
  assert.equal(entry.face, 0);
  assert.equal(entry.faces.length, 1);
  const { x, y, width, height } = entry.crop;
  // Her face is about x 158..298, y 48..188: the crop is a square around it.
  assert.equal(width, height);
  assert.ok(x > 120 && x < 190 && y > 20 && y < 90 && width > 100 && width < 200, JSON.stringify(entry.crop));
  assert.equal(entry.prediction.classes[0].label, 'happy');
  assert.ok(entry.prediction.classes[0].probability > 0.99);
  assert.equal(entry.warnings, undefined);
  // The centre square, asked for, is not her face: the model is much less sure.
  const [centre] = predictJson(ASTRONAUT, '--crop', 'center').document.images;
  assert.equal(centre.crop_source, 'center');
  assert.equal(centre.faces, undefined, 'no detector runs when no face is asked for');
  assert.ok(centre.prediction.classes[0].label !== 'happy' || centre.prediction.classes[0].probability < 0.9);
});

test('faces: the cat has no face: a notice on stderr, the centre square, and a warning in the result and the text', () => {
  const { document, stderr } = predictJson(CAT);
  const [entry] = document.images;
  assert.deepEqual(entry.faces, []);
  assert.equal(entry.crop_source, 'center');
  assert.deepEqual(entry.crop, { x: 75, y: 0, width: 300, height: 300 });
  assert.match(entry.warnings[0], /^no face found: this model expects a face/);
  assert.match(stderr, /chelsea\.jpg: no face found/);
  const text = camlens('predict', CAT);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\n {2}warning: no face found: this model expects a face \(its crop is "face"\), so it saw the centre square instead\n/);
});

test('faces: --face K picks one face (best score first), --face all gives one entry per face', () => {
  const all = predictJson(TWO, '--face', 'all').document.images;
  assert.equal(all.length, 2);
  assert.deepEqual(all.map((e) => e.face), [0, 1]);
  assert.ok(all[0].faces[0].score >= all[0].faces[1].score);
  assert.notDeepEqual(all[0].crop, all[1].crop);
  const second = predictJson(TWO, '--face', '1').document.images[0];
  assert.deepEqual(second.crop, all[1].crop);
  assert.equal(second.face, 1);
  const missing = camlens('predict', ONE, '--face', '3');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /one\.bmp: --face 3: only 1 face\(s\) found, numbered from 0, best score first/);
  const clash = camlens('predict', ONE, '--crop', 'center', '--face', '0');
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /--face picks a detected face; it cannot go with --crop center/);
  assert.equal(camlens('predict', ONE, '--face', 'two').code, 2);
});

test('faces: explain --face all writes every face\'s maps and JSON, NAME.faceK.*', () => {
  const out = tempDir('faces-explain');
  const { code, stdout, stderr } = camlens('explain', TWO, '--out', out, '--face', 'all', '--json');
  assert.equal(code, 0, stderr);
  assert.match(stdout, /two\.bmp face 0: \w+/);
  assert.match(stdout, /two\.bmp face 1: \w+/);
  for (const k of [0, 1]) {
    const document = checkResult(JSON.parse(fs.readFileSync(path.join(out, `two.face${k}.json`), 'utf8')));
    assert.equal(document.face, k);
    assert.equal(document.crop_source, 'face');
    assert.equal(document.faces.length, 2);
    const overlay = decodePng(fs.readFileSync(path.join(out, `two.face${k}.grad-cam.${document.prediction.classes[0].label}.overlay.png`)));
    assert.deepEqual([overlay.width, overlay.height], [420, 220]);
  }
});
