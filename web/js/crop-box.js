// The image viewer: the image on a canvas and, over it, the box that selects what the model sees.
// The box is moved by dragging it, resized by its corners (keeping its aspect ratio, square by
// default), and by keyboard: arrows move it, Shift moves faster, + and - resize it.
// Box coordinates are always in image pixels; the view only scales them.

const MIN_SIDE = 8;

export function clampBox(box, image) {
  const width = Math.round(Math.min(Math.max(box.width, Math.min(MIN_SIDE, image.width)), image.width));
  const height = Math.round(Math.min(Math.max(box.height, Math.min(MIN_SIDE, image.height)), image.height));
  const x = Math.round(Math.min(Math.max(box.x, 0), image.width - width));
  const y = Math.round(Math.min(Math.max(box.y, 0), image.height - height));
  return { x, y, width, height };
}

// Whether two boxes ({x, y, width, height}) are the same pixels; false when either is missing.
export function sameBox(a, b) {
  return Boolean(a && b) && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

export function centerSquare(image) {
  const side = Math.min(image.width, image.height);
  return { x: Math.floor((image.width - side) / 2), y: Math.floor((image.height - side) / 2), width: side, height: side };
}

export function wholeImage(image) {
  return { x: 0, y: 0, width: image.width, height: image.height };
}

export class CropBox {
  // onChange(box) fires once a drag or key press ends (not on every pointer move).
  constructor({ viewer, canvas, box, onChange }) {
    this.viewer = viewer;
    this.canvas = canvas;
    this.element = box;
    this.onChange = onChange;
    this.image = null;
    this.box = null;
    this.drag = null;
    this.element.addEventListener('pointerdown', (event) => this.#startDrag(event));
    this.element.addEventListener('pointermove', (event) => this.#moveDrag(event));
    this.element.addEventListener('pointerup', (event) => this.#endDrag(event));
    this.element.addEventListener('pointercancel', (event) => this.#endDrag(event));
    this.element.addEventListener('keydown', (event) => this.#onKey(event));
    new ResizeObserver(() => this.#layout()).observe(this.viewer);
  }

  // image: {width, height, data}; draws it and places `box`.
  setImage(image, box) {
    this.image = image;
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    this.canvas.getContext('2d').putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
    this.canvas.classList.toggle('pixelated', Math.max(image.width, image.height) < 128);
    this.setBox(box);
  }

  setBox(box) {
    this.box = clampBox(box, this.image);
    this.#layout();
    this.element.setAttribute('aria-valuetext', this.describe());
  }

  describe() {
    const { x, y, width, height } = this.box;
    return `box ${width}×${height} at ${x}, ${y} of ${this.image.width}×${this.image.height}`;
  }

  // The canvas's scale: CSS pixels per image pixel, and its offset inside the viewer.
  #view() {
    const canvasRect = this.canvas.getBoundingClientRect();
    const viewerRect = this.viewer.getBoundingClientRect();
    return {
      scale: canvasRect.width / this.image.width,
      left: canvasRect.left - viewerRect.left,
      top: canvasRect.top - viewerRect.top,
    };
  }

  // Scales the canvas to fill the viewer (small images too: a 28x28 input is shown large).
  #fitCanvas() {
    const style = getComputedStyle(this.viewer);
    const width = this.viewer.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = this.viewer.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const scale = Math.min(width / this.image.width, height / this.image.height);
    this.canvas.style.width = `${this.image.width * scale}px`;
    this.canvas.style.height = `${this.image.height * scale}px`;
  }

  #layout() {
    if (!this.image || !this.box) return;
    this.#fitCanvas();
    const { scale, left, top } = this.#view();
    Object.assign(this.element.style, {
      left: `${left + this.box.x * scale}px`,
      top: `${top + this.box.y * scale}px`,
      width: `${this.box.width * scale}px`,
      height: `${this.box.height * scale}px`,
    });
    this.element.hidden = false;
  }

  #startDrag(event) {
    if (!this.image || event.button !== 0) return;
    event.preventDefault();
    this.element.focus();
    this.element.setPointerCapture(event.pointerId);
    this.drag = { corner: event.target.dataset.corner ?? null, startX: event.clientX, startY: event.clientY, start: { ...this.box } };
    this.element.classList.add('dragging');
  }

  #moveDrag(event) {
    if (!this.drag) return;
    const { scale } = this.#view();
    const dx = (event.clientX - this.drag.startX) / scale;
    const dy = (event.clientY - this.drag.startY) / scale;
    const start = this.drag.start;
    if (!this.drag.corner) {
      this.setBox({ ...start, x: start.x + dx, y: start.y + dy });
      return;
    }
    this.setBox(this.#resizeFromCorner(start, this.drag.corner, dx, dy));
  }

  // The box with `corner` dragged by (dx, dy), the opposite corner fixed, the aspect ratio kept.
  #resizeFromCorner(start, corner, dx, dy) {
    const east = corner.includes('e');
    const south = corner.includes('s');
    const aspect = start.width / start.height;
    const grow = Math.max((east ? dx : -dx) / aspect, south ? dy : -dy);
    const anchorX = east ? start.x : start.x + start.width;
    const anchorY = south ? start.y : start.y + start.height;
    const roomX = east ? this.image.width - anchorX : anchorX;
    const roomY = south ? this.image.height - anchorY : anchorY;
    const height = Math.max(MIN_SIDE, Math.min(start.height + grow, roomY, roomX / aspect));
    const width = height * aspect;
    return { x: east ? anchorX : anchorX - width, y: south ? anchorY : anchorY - height, width, height };
  }

  #endDrag(event) {
    if (!this.drag) return;
    this.element.releasePointerCapture(event.pointerId);
    this.element.classList.remove('dragging');
    const moved = JSON.stringify(this.drag.start) !== JSON.stringify(this.box);
    this.drag = null;
    if (moved) this.onChange(this.box);
  }

  #onKey(event) {
    if (!this.image) return;
    const step = event.shiftKey ? Math.max(10, Math.round(this.box.width / 5)) : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    let next = null;
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      next = { ...this.box, x: this.box.x + dx, y: this.box.y + dy };
    } else if (event.key === '+' || event.key === '=' || event.key === '-') {
      const factor = event.key === '-' ? 1 / 1.1 : 1.1;
      const width = this.box.width * factor;
      const height = this.box.height * factor;
      if (width > this.image.width || height > this.image.height) return;
      next = { x: this.box.x + (this.box.width - width) / 2, y: this.box.y + (this.box.height - height) / 2, width, height };
    }
    if (!next) return;
    event.preventDefault();
    const before = JSON.stringify(this.box);
    this.setBox(next);
    if (JSON.stringify(this.box) !== before) this.#scheduleKeyChange();
  }

  // Holding an arrow key repeats it: explain once the keys rest.
  #scheduleKeyChange() {
    clearTimeout(this.keyTimer);
    this.keyTimer = setTimeout(() => this.onChange(this.box), 250);
  }
}
