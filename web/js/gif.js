// A probe's time-lapse as an animated GIF: one frame per epoch, the map over the probe image with
// the top-3 bars beneath, as the Training view shows it. Encoded by gifenc (npm), which the server
// serves from node_modules (tools/serve.mjs); it is loaded only when a GIF is asked for.
import { el, formatPercent } from './dom.js';

const GIFENC_URL = new URL('../vendor/gifenc.esm.js', import.meta.url);
export const FRAME_MS = 600;
const LAST_FRAME_MS = 1800;  // the trained model's frame stays a moment before the loop restarts
const SIDE = 224;
const BAR_ROW = 22;
const PAD = 8;

async function loadGifenc() {
  try {
    return await import(GIFENC_URL.href);
  } catch (error) {
    throw new Error(`the GIF encoder (gifenc) is not on this server (${error.message}): run npm ci (scripts/install-deps.sh) ` +
      'in the project and serve it with tools/serve.mjs');
  }
}

function fitText(context, text, width) {
  if (context.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && context.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

// One GIF frame: a caption, the overlay enlarged, then a bar per top class (the true class marked,
// a wrong top-1 in red). overlay: {width, height, rgba}; smooth: draw the enlargement smoothly.
export function drawFrame(canvas, { overlay, top, trueClass, caption, smooth }) {
  const scale = SIDE / Math.max(overlay.width, overlay.height);
  const imageWidth = Math.round(overlay.width * scale), imageHeight = Math.round(overlay.height * scale);
  canvas.width = SIDE + 2 * PAD;
  canvas.height = PAD + 18 + imageHeight + PAD + 3 * BAR_ROW + PAD;
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#1d2330';
  context.font = '600 13px system-ui, sans-serif';
  context.fillText(fitText(context, caption, SIDE), PAD, PAD + 12);
  const source = el('canvas', { width: overlay.width, height: overlay.height });
  source.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(overlay.rgba), overlay.width, overlay.height), 0, 0);
  context.imageSmoothingEnabled = smooth && overlay.width >= 128;
  const imageTop = PAD + 18;
  context.drawImage(source, PAD + (SIDE - imageWidth) / 2, imageTop, imageWidth, imageHeight);
  const wrong = top[0].class !== trueClass;
  top.slice(0, 3).forEach((entry, rank) => {
    const rowTop = imageTop + imageHeight + PAD + rank * BAR_ROW;
    const isTrue = entry.class === trueClass;
    context.font = `${isTrue ? '700' : '400'} 12px system-ui, sans-serif`;
    context.fillStyle = rank === 0 && wrong ? '#b3261e' : '#1d2330';
    context.fillText(fitText(context, `${isTrue ? '✓ ' : ''}${entry.label}`, 92), PAD, rowTop + 13);
    context.fillStyle = '#e6e9ef';
    context.fillRect(PAD + 96, rowTop + 5, SIDE - 96 - 44, 9);
    context.fillStyle = rank === 0 && wrong ? '#b3261e' : isTrue ? '#2f5bd3' : '#8a93a6';
    context.fillRect(PAD + 96, rowTop + 5, Math.max(1, (SIDE - 96 - 44) * entry.probability), 9);
    context.fillStyle = '#5b6475';
    context.font = '12px system-ui, sans-serif';
    context.fillText(formatPercent(entry.probability), PAD + SIDE - 38, rowTop + 13);
  });
}

// frames: [{overlay, top, trueClass, caption, smooth}] -> the GIF's bytes (a Uint8Array).
export async function encodeTimelapse(frames) {
  const { GIFEncoder, quantize, applyPalette } = await loadGifenc();
  const gif = GIFEncoder();
  const canvas = el('canvas');
  frames.forEach((frame, i) => {
    drawFrame(canvas, frame);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const palette = quantize(data, 256);
    gif.writeFrame(applyPalette(data, palette), canvas.width, canvas.height, {
      palette, delay: i === frames.length - 1 ? LAST_FRAME_MS : FRAME_MS, repeat: 0,
    });
  });
  gif.finish();
  return gif.bytes();
}
