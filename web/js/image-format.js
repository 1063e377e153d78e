// What an image file's bytes say before any decoding: its format, its size (with the EXIF rotation
// applied, as the browser decodes it) and, for a PNG or JPEG the browser refused, what is damaged.
// Shared by the page and its decoding worker.

export function formatOf(bytes) {
  const starts = (...signature) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (starts(0xff, 0xd8, 0xff)) return 'JPEG';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'GIF';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'WebP';
  if (starts(0x42, 0x4d)) return 'BMP';
  return null;
}

const u32 = (bytes, at) => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
const u16 = (bytes, at, little = false) => (little ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1]);

// {width, height} as displayed, or null when the header does not say (the decoder then finds out).
export function imageSize(bytes) {
  const format = formatOf(bytes);
  if (format === 'PNG' && bytes.length >= 24) return { width: u32(bytes, 16), height: u32(bytes, 20) };
  if (format === 'GIF' && bytes.length >= 10) return { width: u16(bytes, 6, true), height: u16(bytes, 8, true) };
  if (format === 'JPEG') return jpegSize(bytes);
  return null;
}

// Orientations 5 to 8 turn the picture a quarter: the displayed width is the stored height.
function jpegSize(bytes) {
  let size = null;
  let turned = false;
  for (let at = 2; at + 9 < bytes.length && bytes[at] === 0xff;) {
    const marker = bytes[at + 1];
    const length = u16(bytes, at + 2);
    if (marker === 0xe1 && String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'Exif') {
      turned = exifOrientation(bytes, at + 10) >= 5;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      size = { width: u16(bytes, at + 7), height: u16(bytes, at + 5) };
      break;
    }
    at += 2 + length;
  }
  if (!size) return null;
  return turned ? { width: size.height, height: size.width } : size;
}

function exifOrientation(bytes, tiff) {
  const little = bytes[tiff] === 0x49;
  const read16 = (at) => u16(bytes, at, little);
  const read32 = (at) => (little ? (read16(at) | (read16(at + 2) << 16)) >>> 0 : u32(bytes, at));
  const ifd = tiff + read32(tiff + 4);
  const entries = read16(ifd);
  for (let i = 0; i < entries && ifd + 14 + i * 12 <= bytes.length; ++i) {
    const entry = ifd + 2 + i * 12;
    if (read16(entry) === 0x0112) return read16(entry + 8);
  }
  return 1;
}

// JPEG data ends with an EOI marker (FF D9). Chromium decodes a truncated JPEG into a partly gray
// picture without complaint, so we check the marker ourselves (trailing zero padding allowed).
export function jpegLooksTruncated(bytes) {
  if (formatOf(bytes) !== 'JPEG') return false;
  let end = bytes.length;
  while (end > 2 && bytes[end - 1] === 0x00) --end;
  return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
}

let crcTable = null;
function crc32(bytes, start, end) {
  if (!crcTable) {
    crcTable = new Uint32Array(256).map((_, n) => {
      let c = n;
      for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c >>> 0;
    });
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; ++i) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// Why a PNG cannot be decoded, from its chunks, or null when its chunks look whole.
export function pngProblem(bytes) {
  let at = 8;
  let first = true;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (first && type !== 'IHDR') return `its first chunk is '${type.replace(/[^\x20-\x7e]/g, '?')}', not the IHDR header`;
    first = false;
    if (at + 12 + length > bytes.length) return `it ends inside its ${type} chunk (was it fully downloaded?)`;
    if (crc32(bytes, at + 4, at + 8 + length) !== u32(bytes, at + 8 + length)) {
      return `its ${type} chunk fails its checksum (the file is damaged)`;
    }
    if (type === 'IEND') return null;
    at += 12 + length;
  }
  return 'it ends before its IEND chunk (was it fully downloaded?)';
}

// ---- size limits ----

export const MAX_SIDE = 1024;       // shown and explained at most this many pixels a side (maps are drawn at the box's size)
export const MAX_PIXELS = 250e6;    // larger files would take the browser gigabytes to decode
export const MIN_SIDE = 8;          // a box thinner than this has no shape left to explain

// The size an image of `width`×`height` is shown at, or an Error that says why it is refused.
export function displaySize(name, width, height) {
  if (width * height > MAX_PIXELS) {
    throw new Error(`'${name}' is ${width}×${height} (${Math.round((width * height) / 1e6)} megapixels): camlens opens ` +
      `images of up to ${MAX_PIXELS / 1e6} megapixels; shrink it first`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const shown = { width: Math.round(width * scale), height: Math.round(height * scale), shrunk: scale < 1 };
  const shorter = Math.min(width * scale, height * scale);
  if (shorter < MIN_SIDE) {
    const side = shorter < 1 ? 'under 1 pixel' : `${Math.floor(shorter)} pixels`;
    throw new Error(`'${name}' is ${width}×${height}: its shorter side ${shown.shrunk ? `would be ${side} once shown at ` +
      `most ${MAX_SIDE} pixels a side` : `is ${side}`}, under the ${MIN_SIDE} a box needs; give an image at least ` +
      `${MIN_SIDE} pixels on each side (crop a very elongated one first)`);
  }
  return shown;
}
