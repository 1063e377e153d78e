// Decoding an image file into RGBA in a worker (the image decoder's, and the engine's when it reads
// a folder of training images): EXIF orientation applied, shrunk to at most MAX_SIDE a side while
// decoding, so the full-size pixels of a huge photo never exist at once.
import { displaySize } from './image-format.js';

// No colour-profile or gamma conversion: the pixels are the file's, as the native CLI reads them.
const DECODE = { imageOrientation: 'from-image', colorSpaceConversion: 'none', premultiplyAlpha: 'none' };

export async function decode({ blob, name, width, height }) {
  let bitmap;
  let source;
  if (width && height) {
    // The decoder shrinks as it decodes: the full-size pixels never exist at once.
    const shown = displaySize(name, width, height);
    source = { width, height };
    bitmap = await createImageBitmap(blob, shown.shrunk
      ? { ...DECODE, resizeWidth: shown.width, resizeHeight: shown.height, resizeQuality: 'high' } : DECODE);
  } else {
    bitmap = await createImageBitmap(blob, DECODE);
    source = { width: bitmap.width, height: bitmap.height };
  }
  const shown = displaySize(name, source.width, source.height);
  const canvas = new OffscreenCanvas(shown.width, shown.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, shown.width, shown.height);
  bitmap.close();
  const { data } = context.getImageData(0, 0, shown.width, shown.height);
  return { width: shown.width, height: shown.height, data, sourceWidth: source.width, sourceHeight: source.height };
}
