// Decodes one image file off the main thread: a photo of a hundred megapixels takes the browser
// seconds to decode and shrink, which on the page would freeze every control.
// In: {blob, name, width?, height?} (the displayed size, when the header told it).
// Out: {image: {width, height, data, sourceWidth, sourceHeight}} or {error: {message}}.
import { decode } from './decode.js';

self.onmessage = async ({ data }) => {
  try {
    const image = await decode(data);
    self.postMessage({ image }, [image.data.buffer]);
  } catch (error) {
    self.postMessage({ error: { name: error.name, message: error.message, refused: error.name === 'Error' } });
  }
};
