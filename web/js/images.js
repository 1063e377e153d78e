// Reading images the user gives us: decode with the browser (EXIF orientation applied) into RGBA.
// Nothing is uploaded: the bytes go from the File straight to a canvas in this tab.

// Larger photos are scaled down: the model sees a few dozen pixels, and every map is drawn at the
// box's size (a 4000-pixel box would mean 64 MB of RGBA per panel).
const MAX_SIDE = 1024;

// JPEG data ends with an EOI marker (FF D9). Chromium decodes a truncated JPEG into a partly gray
// picture without complaint, so we check the marker ourselves (trailing zero padding allowed).
function jpegLooksTruncated(bytes) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  let end = bytes.length;
  while (end > 2 && bytes[end - 1] === 0x00) --end;
  return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
}

// Decodes `blob` (a File or a fetched Blob) to {width, height, data: Uint8ClampedArray RGBA, bitmap}.
export async function decodeImage(blob, name = blob.name || 'image') {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (jpegLooksTruncated(bytes)) {
    throw new Error(`'${name}' is a damaged JPEG: the file ends before the image does (was it fully downloaded?)`);
  }
  let bitmap;
  try {
    // No colour-profile or gamma conversion: the pixels are the file's, as the native CLI reads them.
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`'${name}' could not be read as an image: the browser cannot decode it (try a PNG or JPEG file)`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const { data } = context.getImageData(0, 0, width, height);
  return { width, height, data, name };
}

export function isImageFile(file) {
  return file.type.startsWith('image/') || /\.(png|jpe?g|gif|webp|bmp|avif)$/i.test(file.name);
}

export function isModelFile(file) {
  return /\.(json|bin)$/i.test(file.name);
}
