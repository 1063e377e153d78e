// The faces the worker found in a face model's photo (web/js/face-finder.js): a numbered box over
// the photo for each, the one explained highlighted; a button for each under the viewer, for the
// keyboard; and, when a face model has no face to look at, a notice beside the prediction.
// Choosing a face explains it; the crop box stays the user's to drag anywhere.
import { el, formatPercent } from './dom.js';
import { sentence } from './messages.js';
import { sameBox } from './crop-box.js';

// When the user moved the box off the centre square the notice fell back to.
const MOVED_NOTICE = 'This model was trained on faces: it means most when the box holds one.';

export class FaceBoxes {
  // layer: an element over the viewer's canvas for the boxes; list: the buttons' row; notice: the
  // element beside the prediction; onSelect(crop) explains a face's square crop.
  constructor({ canvas, viewer, layer, list, notice, onSelect }) {
    Object.assign(this, { canvas, viewer, layer, list, notice, onSelect });
    this.origin = null;  // the engine's image with its face origin, or null for a model that needs no face
    this.faces = [];     // best first: {x, y, width, height, score, keypoints, crop}
    this.boxes = [];
    this.buttons = [];
    new ResizeObserver(() => this.#layout()).observe(canvas);
  }

  // loaded: the engine's image ({width, height, crop} and, for a face model, crop_source, faces,
  // face and warnings); crop: the box the page shows.
  show(loaded, crop) {
    this.origin = loaded.crop_source ? loaded : null;
    this.faces = this.origin?.faces ?? [];
    const count = this.faces.length;
    this.boxes = this.faces.map((face, i) => el('div', {
      class: 'face-box', title: `Face ${i + 1} (detector ${formatPercent(face.score)} sure): choose it to explain it`,
      onclick: () => this.onSelect(face.crop),
    }, el('span', { class: 'face-number' }, String(i + 1))));
    this.layer.replaceChildren(...this.boxes);
    this.buttons = this.faces.map((face, i) => el('button', {
      type: 'button', class: 'button button-small face-button', 'aria-pressed': 'false',
      'aria-label': `Explain face ${i + 1} of ${count}`, title: `Detector score ${formatPercent(face.score)}`,
      onclick: () => this.onSelect(face.crop),
    }, `Face ${i + 1}`));
    this.list.replaceChildren(...(count ? [el('span', { class: 'small muted' }, `${count === 1 ? 'One face' : `${count} faces`} found:`)] : []),
      ...this.buttons);
    this.list.hidden = count === 0;
    this.#layout();
    this.highlight(crop);
  }

  // Marks the face whose square `crop` is, and says when a face model sees no face.
  highlight(crop) {
    const chosen = this.faces.findIndex((face) => sameBox(face.crop, crop));
    this.boxes.forEach((box, i) => box.classList.toggle('chosen', i === chosen));
    this.buttons.forEach((button, i) => {
      button.classList.toggle('selected', i === chosen);
      button.setAttribute('aria-pressed', String(i === chosen));
    });
    const warning = this.origin?.warnings?.[0];
    this.notice.hidden = !warning;
    if (warning) this.notice.textContent = sameBox(crop, this.origin.crop) ? sentence(warning) : MOVED_NOTICE;
  }

  // Places the boxes over the canvas as drawn (CSS pixels per image pixel, offset in the viewer),
  // cut to the photo: a face at its edge may have a box that runs past it.
  #layout() {
    if (!this.origin || !this.boxes.length) return;
    const canvasRect = this.canvas.getBoundingClientRect();
    const viewerRect = this.viewer.getBoundingClientRect();
    const scale = canvasRect.width / this.origin.width;
    this.faces.forEach((face, i) => {
      const left = Math.max(0, face.x), top = Math.max(0, face.y);
      const right = Math.min(this.origin.width, face.x + face.width), bottom = Math.min(this.origin.height, face.y + face.height);
      Object.assign(this.boxes[i].style, {
        left: `${canvasRect.left - viewerRect.left + left * scale}px`,
        top: `${canvasRect.top - viewerRect.top + top * scale}px`,
        width: `${Math.max(0, right - left) * scale}px`,
        height: `${Math.max(0, bottom - top) * scale}px`,
      });
    });
  }
}
