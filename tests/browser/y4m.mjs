// Y4M clips for Chromium's fake camera (--use-file-for-fake-video-capture): a text header, then per
// frame "FRAME\n" and the planar Y, U and V of 4:2:0 (I420), full-range BT.601 as JPEG uses.

function clampByte(value) {
  return Math.max(0, Math.min(255, Math.round(value)));
}

// One RGBA frame (even width and height) as I420: Y per pixel, U and V per 2x2 block's mean colour.
export function rgbaToI420(rgba, width, height) {
  const y = new Uint8Array(width * height);
  const u = new Uint8Array((width / 2) * (height / 2));
  const v = new Uint8Array(u.length);
  for (let i = 0; i < width * height; ++i) {
    y[i] = clampByte(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
  }
  for (let row = 0; row < height / 2; ++row) {
    for (let column = 0; column < width / 2; ++column) {
      let r = 0, g = 0, b = 0;
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const i = 4 * ((2 * row + dy) * width + 2 * column + dx);
        r += rgba[i] / 4;
        g += rgba[i + 1] / 4;
        b += rgba[i + 2] / 4;
      }
      const at = row * (width / 2) + column;
      u[at] = clampByte(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      v[at] = clampByte(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  return Buffer.concat([y, u, v]);
}

// frames: RGBA byte arrays of width x height each -> the .y4m file's bytes, at 30 frames a second.
export function y4mClip(frames, width, height) {
  if (width % 2 || height % 2) throw new Error(`y4mClip: 4:2:0 needs an even width and height, got ${width}x${height}`);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  return Buffer.concat([header, ...frames.flatMap((rgba) => [Buffer.from('FRAME\n'), rgbaToI420(rgba, width, height)])]);
}
