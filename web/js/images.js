// Reading images the user gives us: decoded by the browser in a worker (EXIF orientation applied)
// into RGBA, shrunk to at most MAX_SIDE pixels a side. Nothing is uploaded: the bytes go from the
// File to a worker in this tab.
import { MAX_PIXELS, MAX_SIDE, displaySize, formatOf, imageSize, jpegLooksTruncated, pngProblem } from './image-format.js';

export { MAX_SIDE };

export const SIZE_LIMITS = `Images are shown at most ${MAX_SIDE} pixels a side (larger ones are shrunk, up to ` +
  `${MAX_PIXELS / 1e6} megapixels).`;

const DECODER_URL = new URL('./decode-worker.js', import.meta.url);

function decodeInWorker(request) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(DECODER_URL, { type: 'module' });
    const finish = () => worker.terminate();
    worker.onmessage = ({ data }) => {
      finish();
      if (data.image) resolve(data.image);
      else reject(Object.assign(new Error(data.error.message), { refused: data.error.refused }));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      finish();
      reject(new Error(`the image decoder failed: ${event.message || 'its worker could not start'}`));
    };
    worker.postMessage(request);
  });
}

// The error for a file the browser could not decode: what kind of file it is, and what is wrong
// with it when its bytes show it.
function undecodable(name, bytes, browserMessage) {
  const format = formatOf(bytes);
  const browserSays = browserMessage ? ` (the browser says: ${browserMessage.replace(/\.$/, '')})` : '';
  if (format === 'PNG') {
    const problem = pngProblem(bytes);
    return new Error(`'${name}' is a PNG file that could not be decoded: ${problem ?? `its image data is damaged${browserSays}`}`);
  }
  if (format) return new Error(`'${name}' is a ${format} file that could not be decoded${browserSays}`);
  return new Error(`'${name}' is not an image this browser can decode: it starts like no PNG, JPEG, GIF, WebP or BMP file${browserSays}`);
}

// Decodes `blob` (a File or a fetched Blob) to {width, height, data: Uint8ClampedArray RGBA,
// sourceWidth, sourceHeight}. `onSize(width, height)` is called once the file's size is known from
// its header, before the (possibly long) decoding starts. Errors say what was wrong with the file.
export async function decodeImage(blob, name = blob.name || 'image', { onSize } = {}) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (jpegLooksTruncated(bytes)) {
    throw new Error(`'${name}' is a damaged JPEG: the file ends before the image does (was it fully downloaded?)`);
  }
  const size = imageSize(bytes);
  if (size) {
    displaySize(name, size.width, size.height);  // refuses before any decoding
    onSize?.(size.width, size.height);
  }
  try {
    return { ...(await decodeInWorker({ blob, name, ...size })), name };
  } catch (error) {
    if (error.refused) throw error;
    throw undecodable(name, bytes, error.message);
  }
}

export function isImageFile(file) {
  return file.type.startsWith('image/') || /\.(png|jpe?g|gif|webp|bmp|avif)$/i.test(file.name);
}

export function isModelFile(file) {
  return /\.(json|bin|onnx)$/i.test(file.name);
}
