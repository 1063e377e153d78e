// The faces in an image, found in the worker by BlazeFace: a face model's photo (a model whose
// metadata says "crop": "face" or {"face": f}) by the back-camera model (models/blazeface), a
// webcam's frames by the front-camera one (models/blazeface-front: short range, 128x128, about 7
// times faster), as MediaPipe splits them. The detector loads on the first image and runs once per
// image. The model starts on the best face's square: faces/face_crop.h's face_crop_box at the
// model's scale, the crop `camlens --crop face` picks, so page and CLI agree. No face, or no
// detector: the centre square, with a warning in the words of the CLI's.

import { sameBox } from './crop-box.js';

// Detector folders, relative to this module (tools/serve.mjs serves models/ next to the page).
export const PHOTO_DETECTOR = new URL('../models/blazeface/', import.meta.url);
export const LIVE_DETECTOR = new URL('../models/blazeface-front/', import.meta.url);

export const NO_FACE_WARNING = 'No face found: showing the centre square; this model was trained on faces';

export function isFaceModel(description) {
  const crop = description?.metadata?.crop;
  return crop === 'face' || typeof crop?.face === 'number';
}

// How much wider than the face's box a face model's square is: its metadata's {"face": f}, else
// the engine's default (the CLI's, so both frame a face alike).
export function faceCropScale(camlens, description) {
  const crop = description?.metadata?.crop;
  return typeof crop?.face === 'number' ? crop.face : camlens.faceCropScale;
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname} is not on this server (HTTP ${response.status})`);
  return response;
}

// The model.json text of the detector in `folder` and the weight files it names.
async function fetchDetector(folder) {
  const url = new URL('model.json', folder);
  const modelJson = await (await fetchOk(url)).text();
  let manifest;
  try {
    manifest = JSON.parse(modelJson).weightsManifest;
  } catch (error) {
    throw new Error(`${url.pathname} is not valid JSON (${error.message})`);
  }
  const names = (manifest ?? []).flatMap((group) => group.paths ?? []);
  const shards = await Promise.all(names.map(async (name) => ({
    name, bytes: new Uint8Array(await (await fetchOk(new URL(name, folder))).arrayBuffer()),
  })));
  return { modelJson, shards };
}

export class FaceFinder {
  #camlens;
  #folder;
  #detector = null;  // camlens.FaceDetector once loaded; a failed load is tried again on the next image
  #last = null;      // {image, scale, origin}: another image or framing asks again

  // folder: the detector's folder, a URL (PHOTO_DETECTOR or LIVE_DETECTOR).
  constructor(camlens, folder) {
    this.#camlens = camlens;
    this.#folder = folder;
  }

  // Where a face model's crop of `image` ({width, height, data}) comes from: {crop, crop_source
  // ("face" or "center"), faces (best first, each with its square crop; absent when the detector
  // could not load), face (the index of the face the crop is), warnings}. `centre`: the crop when
  // there is no face or no detector; `scale`: faceCropScale of the model.
  async originOf(image, centre, scale) {
    if (this.#last?.image === image && this.#last.scale === scale) return this.#last.origin;
    const failed = (what, error) => ({ crop: centre, crop_source: 'center', warnings: [
      `The face detector ${what}: ${String(error?.message ?? error).replace(/\.$/, '')}. Showing the centre square; this model was trained on faces`] });
    let detector, faces;
    try {
      detector = await this.#needDetector();
    } catch (error) {
      return failed('could not load', error);
    }
    try {
      faces = detector.detect(image.data, image.width, image.height, scale);
    } catch (error) {
      return failed('failed on this photo', error);
    }
    const origin = faces.length
      ? { crop: faces[0].crop, crop_source: 'face', faces, face: 0, warnings: [] }
      : { crop: centre, crop_source: 'center', faces, warnings: [NO_FACE_WARNING] };
    this.#last = { image, scale, origin };
    return origin;
  }

  async #needDetector() {
    if (!this.#detector) {
      const { modelJson, shards } = await fetchDetector(this.#folder);
      this.#detector = new this.#camlens.FaceDetector(modelJson, shards);
    }
    return this.#detector;
  }
}

// A view result's crop_source, faces, face and warnings (the result schema's), for the crop it
// explained: a detected face's square, the centre square the origin fell back to, or the user's box.
export function viewOrigin(origin, crop) {
  const found = origin.faces ? { faces: origin.faces.map(({ crop: _square, ...face }) => face) } : {};
  const face = (origin.faces ?? []).findIndex((entry) => sameBox(entry.crop, crop));
  if (face >= 0) return { crop_source: 'face', ...found, face, warnings: [] };
  if (sameBox(origin.crop, crop)) return { crop_source: origin.crop_source, ...found, warnings: origin.warnings };
  return { crop_source: 'given', ...found, warnings: [] };
}
