// The oracle for camlens's face detector: TensorFlow.js (cpu backend) runs a BlazeFace model
// (models/blazeface at 256x256, models/blazeface-front at 128x128) on the same letterboxed input,
// and the anchors, decoding and weighted non-maximum suppression are written once more here in
// plain JS, from MediaPipe's description.
// Also the test images: the astronaut's face fixture pasted on gray canvases.
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from '../tools/png.mjs';
import { loadTf, readModelFiles, root, tfArtifacts } from './support.mjs';

const face = decodePng(fs.readFileSync(path.join(root, 'tests/fixtures/images/astronaut_face.png')));
const MIN_SCORE = 0.75;
const IOU = 0.3;

// An RGB canvas of `width` x `height`, gray, with the face fixture (140x140) pasted at each [x, y].
export function canvasWithFaces(width, height, places) {
  const pixels = new Uint8Array(width * height * 3).fill(128);
  for (const [left, top] of places) {
    for (let y = 0; y < face.height; ++y) {
      for (let x = 0; x < face.width; ++x) {
        for (let c = 0; c < 3; ++c) pixels[((top + y) * width + left + x) * 3 + c] = face.pixels[(y * face.width + x) * face.channels + c];
      }
    }
  }
  return { width, height, pixels };
}

const tf = await loadTf();

// Cell centres of the 16x16 grid (2 anchors a cell), then of the 8x8 grid (6 a cell), in fractions:
// strides S/16 and S/8 give these grids at any input size S.
function anchors() {
  const list = [];
  for (const [cells, perCell] of [[16, 2], [8, 6]]) {
    for (let y = 0; y < cells; ++y) {
      for (let x = 0; x < cells; ++x) {
        for (let n = 0; n < perCell; ++n) list.push([(x + 0.5) / cells, (y + 0.5) / cells]);
      }
    }
  }
  return list;
}

function iou(a, b) {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const area = (d) => (d.x1 - d.x0) * (d.y1 - d.y0);
  return (w * h) / (area(a) + area(b) - w * h);
}

function weightedNms(detections) {
  let rest = [...detections].sort((a, b) => b.score - a.score);
  const merged = [];
  while (rest.length > 0) {
    const best = rest[0];
    const group = rest.filter((d, i) => i === 0 || iou(best, d) > IOU);
    rest = rest.filter((d, i) => i !== 0 && iou(best, d) <= IOU);
    const total = group.reduce((sum, d) => sum + d.score, 0);
    const mean = (get) => group.reduce((sum, d) => sum + get(d) * d.score, 0) / total;
    merged.push({ x0: mean((d) => d.x0), y0: mean((d) => d.y0), x1: mean((d) => d.x1), y1: mean((d) => d.y1), score: best.score,
                  keypoints: best.keypoints.map((_, k) => [mean((d) => d.keypoints[k][0]), mean((d) => d.keypoints[k][1])]) });
  }
  return merged;
}

// The detector in `folder` (a BlazeFace model taking `size` x `size` RGB) as a function: an image
// ({width, height, pixels: RGB}) -> its faces in the image's pixels, best first, as camlens's JSON
// writes them.
export async function tfjsDetector(folder, size) {
  const files = readModelFiles(folder);
  const detector = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(files.modelJson, files.weights)));
  return (image) => tfjsFaces(detector, size, image);
}

function tfjsFaces(detector, size, { width, height, pixels }) {
  const scale = size / Math.max(width, height);
  const w = Math.min(size, Math.max(1, Math.round(width * scale))), h = Math.min(size, Math.max(1, Math.round(height * scale)));
  const left = Math.floor((size - w) / 2), top = Math.floor((size - h) / 2);
  const outputs = tf.tidy(() => {
    const image = tf.tensor4d(Float32Array.from(pixels), [1, height, width, 3]);
    const resized = tf.image.resizeBilinear(image, [h, w], false, true).div(127.5).sub(1);
    const input = tf.pad(resized, [[0, 0], [top, size - h - top], [left, size - w - left], [0, 0]], -1);
    return detector.execute(input, ['Identity', 'Identity_1', 'Identity_2', 'Identity_3']).map((t) => t.dataSync());
  });
  const [scores512, scores384, boxes512, boxes384] = outputs;
  const grid = anchors();
  const detections = [];
  grid.forEach(([ax, ay], a) => {
    const fine = a < 512;
    const logit = fine ? scores512[a] : scores384[a - 512];
    const r = fine ? boxes512.subarray(a * 16, a * 16 + 16) : boxes384.subarray((a - 512) * 16, (a - 512) * 16 + 16);
    const score = 1 / (1 + Math.exp(-Math.min(100, Math.max(-100, logit))));
    if (score < MIN_SCORE) return;
    const cx = r[0] / size + ax, cy = r[1] / size + ay, hw = r[2] / size / 2, hh = r[3] / size / 2;
    const keypoints = [0, 1, 2, 3, 4, 5].map((k) => [r[4 + 2 * k] / size + ax, r[5 + 2 * k] / size + ay]);
    detections.push({ x0: cx - hw, y0: cy - hh, x1: cx + hw, y1: cy + hh, score, keypoints });
  });
  const toImage = ([fx, fy]) => [(fx * size - left) / scale, (fy * size - top) / scale];
  return weightedNms(detections).map((d) => {
    const [x0, y0] = toImage([d.x0, d.y0]), [x1, y1] = toImage([d.x1, d.y1]);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: d.score, keypoints: d.keypoints.map(toImage) };
  });
}
