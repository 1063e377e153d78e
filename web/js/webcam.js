// The Webcam source of the explain view: the camera's video, live, with the explain view's model
// run on its frames as fast as the engine answers. Over the video a canvas draws the faces found
// (a face model's crop follows the best one), the Grad-CAM map of the crop and the top classes.
// One frame is in the engine at a time: frames that arrive meanwhile are dropped, never queued.
// Pause hands the last frame explained to the explain view as its photo; Stop releases the camera.
// Frames are read from the <video> in this tab and go to the engine's worker only.
import { el, formatMs, formatPercent } from './dom.js';

const FRAME_SIDE = 640;    // frames are shrunk to this many pixels a side: BlazeFace sees 128 anyway
const MAP_SIDE = 128;      // the map is drawn over a face of a few hundred pixels at most
const RATE_WINDOW_MS = 2000;  // maps per second over the last two seconds
const TOP_CLASSES = 3;

// What getUserMedia's failure means for the user, and what to do about it.
export function cameraErrorMessage(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera was not allowed: allow it for this page (the camera icon in the address bar), then choose Webcam again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found: connect one and choose Webcam again, or open an image instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not be started: another application may be using it. Close that application, then choose Webcam again.';
    default:
      return `The camera could not be started (${error?.message || error}). Choose Webcam again, or open an image instead.`;
  }
}

// Why this page cannot ask for a camera at all, or null when it can.
function cameraUnavailable() {
  if (!window.isSecureContext) {
    return `The webcam needs a secure page, and ${location.origin} is not one: open camlens over https://, or ` +
      'at http://localhost or http://127.0.0.1 on this machine (as tools/serve.mjs serves it), then choose Webcam again.';
  }
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser gives pages no camera (no navigator.mediaDevices): open an image instead.';
  return null;
}

// The frame now shown by `video`, at most FRAME_SIDE a side, as {width, height, data: RGBA bytes}.
function grabFrame(video, canvas) {
  const scale = Math.min(1, FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const width = Math.max(1, Math.round(video.videoWidth * scale));
  const height = Math.max(1, Math.round(video.videoHeight * scale));
  if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(video, 0, 0, width, height);
  return { width, height, data: context.getImageData(0, 0, width, height).data };
}

function pictureCanvas({ width, height, rgba }) {
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  return canvas;
}

function clockName(date = new Date()) {
  const two = (n) => String(n).padStart(2, '0');
  return `webcam-${two(date.getHours())}.${two(date.getMinutes())}.${two(date.getSeconds())}.png`;
}

export class Webcam {
  // ui: {panel, video, overlay, status, rate, top, startButton, stopButton, pauseButton, card (the
  // Image card: its photo controls are hidden while live), imageName (the card's title)};
  // engine() -> the engine or null; look() -> {colormap, alpha, smooth, layer} of the explain view;
  // canStart() -> false when the page cannot take a source yet; onPause(image) shows the frame as
  // the explain view's photo; showError(message).
  constructor({ ui, engine, look, canStart, onPause, showError }) {
    Object.assign(this, { ui, engine, look, canStart, onPause, showError });
    this.stream = null;
    this.live = false;       // frames are being explained and drawn
    this.run = 0;            // bumped each time the view goes live: a paused run's loops end
    this.latest = null;      // {frame, view, detectMs, totalMs}: the last frame explained
    this.doneTimes = [];     // when each recent map arrived, for the rate
    this.failure = null;     // why the last frame gave no map
    this.heat = null;        // the latest map as a canvas
    this.grabCanvas = document.createElement('canvas');
    ui.startButton.addEventListener('click', () => this.start());
    ui.pauseButton.addEventListener('click', () => this.pause());
    ui.stopButton.addEventListener('click', () => this.stop());
  }

  // Maps per second over the last RATE_WINDOW_MS.
  get mapsPerSecond() {
    const now = performance.now();
    this.doneTimes = this.doneTimes.filter((time) => now - time <= RATE_WINDOW_MS);
    if (this.doneTimes.length < 2) return this.doneTimes.length / (RATE_WINDOW_MS / 1000);
    return (this.doneTimes.length - 1) / ((this.doneTimes.at(-1) - this.doneTimes[0]) / 1000);
  }

  // Opens the camera (once) and goes live; a refusal leaves the page as it was, with a notice.
  async start() {
    if (this.live || !this.canStart()) return;
    if (!this.stream) {
      const unavailable = cameraUnavailable();
      if (unavailable) {
        this.showError(unavailable);
        return;
      }
      this.ui.startButton.disabled = true;
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      } catch (error) {
        this.showError(cameraErrorMessage(error));
        return;
      } finally {
        this.ui.startButton.disabled = false;
      }
      for (const track of this.stream.getVideoTracks()) {
        track.addEventListener('ended', () => {
          if (this.stream) this.showError('The camera stopped (it was unplugged or taken by another application). Choose Webcam to try again.');
          this.stop();
        });
      }
      this.ui.video.srcObject = this.stream;
    }
    this.latest = null;
    this.heat = null;
    this.failure = null;
    this.doneTimes = [];
    this.#setLive(true);
    try {
      await this.ui.video.play();
    } catch (error) {
      this.stop();
      this.showError(`The camera's video could not play (${error.message}). Choose Webcam again.`);
      return;
    }
    const run = ++this.run;
    this.#draw(run);
    this.#explainLoop(run);
  }

  // Ends the live view and shows the last frame explained in the explain view; the camera stays open.
  pause() {
    if (!this.live) return;
    const frame = this.latest?.frame;
    this.leaveLive();
    if (frame) this.onPause({ ...frame, name: clockName() });
  }

  // Back to the photo, the camera kept open for Resume.
  leaveLive() {
    if (!this.live) return;
    this.#setLive(false);
    this.ui.video.pause();
  }

  // Releases the camera: every track stopped, the explain view back as it was, and the worker's
  // copy of the model the frames ran on freed (released: its answer, for the tests).
  stop() {
    const stream = this.stream;
    this.stream = null;
    this.#setLive(false);
    stream?.getTracks().forEach((track) => track.stop());
    this.ui.video.srcObject = null;
    this.released = this.engine()?.endLive().promise.then(({ released }) => released, () => false) ?? Promise.resolve(false);
  }

  #setLive(live) {
    const was = this.live;
    this.live = live;
    this.ui.panel.hidden = !live;
    this.ui.card.classList.toggle('webcam-on', live);
    if (live && !was) this.photoName = this.ui.imageName.textContent;
    if (live) this.ui.imageName.textContent = 'Webcam, live';
    else if (was) this.ui.imageName.textContent = this.photoName;
    this.ui.startButton.textContent = this.stream && !live ? 'Resume webcam' : 'Webcam';
    this.ui.startButton.disabled = live;
    this.ui.stopButton.hidden = !this.stream;
    if (live) this.#showStatus();
  }

  // One frame in the engine at a time: the next is read from the video only when the last answered.
  async #explainLoop(run) {
    const going = () => this.live && this.run === run;
    while (going()) {
      await this.#nextVideoFrame();
      const engine = this.engine();
      if (!going() || !engine || !this.ui.video.videoWidth) continue;
      if (!this.ui.panel.offsetParent) {  // another view is shown: the engine is left to it
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      const frame = grabFrame(this.ui.video, this.grabCanvas);
      const sent = { ...frame, data: frame.data.slice() };
      const started = performance.now();
      const { colormap, alpha, smooth, layer } = this.look();
      try {
        const { view, detect_ms: detectMs } = await engine.liveFrame(sent, {
          class: null, layer, methods: ['grad-cam'], top_k: 0, layer_sweep: false,
          colormap, alpha, smooth, max_side: MAP_SIDE,
        }).promise;
        if (!going()) break;
        this.#took(frame, view, detectMs, performance.now() - started);
      } catch (error) {
        if (!going()) break;
        this.failure = error.message;
        this.#showStatus();
        await new Promise((resolve) => setTimeout(resolve, 500));  // a model that cannot explain frames is not asked 30 times a second
      }
    }
  }

  #took(frame, view, detectMs, totalMs) {
    this.latest = { frame, view, detectMs, totalMs };
    const map = view.explanations[0];
    this.heat = map ? pictureCanvas(map.pictures.heatmap) : null;
    this.failure = map ? null : view.failures?.[0]?.message ?? 'Grad-CAM gave no map for this frame';
    this.doneTimes.push(performance.now());
    this.#showTop(view.prediction);
    this.#showStatus();
  }

  #nextVideoFrame() {
    const video = this.ui.video;
    return new Promise((resolve) => {
      if (video.requestVideoFrameCallback && !video.paused) video.requestVideoFrameCallback(() => resolve());
      else requestAnimationFrame(() => resolve());
    });
  }

  #showTop(prediction) {
    const top = prediction.classes.slice(0, TOP_CLASSES);
    this.ui.top.replaceChildren(...top.map((entry) => {
      const fill = el('span', { class: 'prediction-fill' });
      fill.style.width = `${Math.max(0.5, entry.probability * 100).toFixed(2)}%`;
      return el('li', { class: 'webcam-class' },
        el('span', { class: 'prediction-label' }, entry.label),
        el('span', { class: 'prediction-bar', 'aria-hidden': 'true' }, fill),
        el('span', { class: 'prediction-value' }, formatPercent(entry.probability)));
    }));
  }

  #showStatus() {
    const latest = this.latest;
    const parts = [`${this.mapsPerSecond.toFixed(1)} maps/s`];
    if (latest) {
      parts.push(`${formatMs(latest.totalMs)} a frame`);
      if (latest.view.faces) parts.push(`faces ${formatMs(latest.detectMs)}`);
    }
    this.ui.rate.textContent = parts.join(' · ');
    this.statusShown = performance.now();
    this.ui.status.textContent = this.failure ? this.failure : this.#whatIsExplained();
    this.ui.pauseButton.disabled = !this.latest;  // nothing explained yet: nothing to freeze
  }

  #whatIsExplained() {
    const view = this.latest?.view;
    if (!view) return 'Starting the camera…';
    if (!view.faces) {
      const { frame } = this.latest;
      const whole = view.crop.width === frame.width && view.crop.height === frame.height;
      return whole ? 'The model sees the whole frame.' : 'The model sees the centre square.';
    }
    if (!view.faces.length) return 'No face in sight: the model sees the centre square.';
    return `${view.faces.length === 1 ? 'One face' : `${view.faces.length} faces`}: the model follows the best one.`;
  }

  // Draws the latest result over the video on every screen refresh while live.
  #draw(run) {
    if (!this.live || this.run !== run) return;
    const { overlay } = this.ui;
    const latest = this.latest;
    if (latest) {
      const { frame, view } = latest;
      if (overlay.width !== frame.width || overlay.height !== frame.height) Object.assign(overlay, { width: frame.width, height: frame.height });
      const context = overlay.getContext('2d');
      context.clearRect(0, 0, overlay.width, overlay.height);
      this.#drawMap(context, view.crop);
      this.#drawFaces(context, view);
      this.#drawTop(context, view.prediction, view.crop);
    }
    if (performance.now() - (this.statusShown ?? 0) > 250) this.#showStatus();
    requestAnimationFrame(() => this.#draw(run));
  }

  #drawMap(context, crop) {
    if (!this.heat) return;
    context.save();
    context.globalAlpha = Math.max(0.25, this.look().alpha);
    context.imageSmoothingEnabled = true;
    context.drawImage(this.heat, crop.x, crop.y, crop.width, crop.height);
    context.restore();
  }

  #drawFaces(context, view) {
    const line = Math.max(2, Math.round(context.canvas.width / 240));
    (view.faces ?? []).forEach((face, i) => {
      const chosen = i === view.face;
      context.save();
      context.lineWidth = line;
      context.strokeStyle = chosen ? '#ffd23f' : '#ffffff';
      context.setLineDash(chosen ? [] : [line * 3, line * 2]);
      context.shadowColor = 'rgba(0, 0, 0, 0.6)';
      context.shadowBlur = line;
      context.strokeRect(face.x, face.y, face.width, face.height);
      context.restore();
    });
    if (!view.faces) {
      const { x, y, width, height } = view.crop;
      context.save();
      context.lineWidth = line;
      context.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      context.strokeRect(x, y, width, height);
      context.restore();
    }
  }

  // The top class as a tag on the crop's box, sized in CSS pixels whatever the video's resolution.
  #drawTop(context, prediction, crop) {
    const scale = context.canvas.width / Math.max(1, this.ui.overlay.clientWidth);
    const [top] = prediction.classes;
    const text = `${top.label} ${formatPercent(top.probability)}`;
    const font = 13 * scale, pad = 5 * scale;
    context.save();
    context.font = `600 ${font}px system-ui, sans-serif`;
    const width = context.measureText(text).width + 2 * pad, height = font + 2 * pad;
    const x = Math.min(Math.max(0, crop.x), context.canvas.width - width);
    const y = crop.y - height >= 0 ? crop.y - height : Math.min(context.canvas.height - height, crop.y + crop.height);
    context.fillStyle = '#ffd23f';
    context.fillRect(x, y, width, height);
    context.fillStyle = '#1d2330';
    context.textBaseline = 'middle';
    context.fillText(text, x + pad, y + height / 2 + scale);
    context.restore();
  }

}
