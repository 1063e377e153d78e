// The options of the slow methods, as the engine takes them in an explain request's `params`
// (names and ranges: wasm/engine/explain/method_params.cpp), and the small form a panel shows for them.
import { el } from './dom.js';

// An empty field keeps the engine's default, which for occlusion depends on the model's input size.
export const METHOD_OPTIONS = {
  occlusion: [
    { key: 'patch', label: 'Patch', unit: 'px', min: 1, max: 256, step: 1, placeholder: 'auto', hint: 'side of the gray square, in input pixels (default: an eighth of the input)' },
    { key: 'stride', label: 'Stride', unit: 'px', min: 1, max: 256, step: 1, placeholder: 'auto', hint: 'step between patches (default: half the patch); smaller is finer and slower' },
  ],
  'integrated-gradients': [
    { key: 'steps', label: 'Steps', min: 1, max: 1024, step: 1, placeholder: '64', hint: 'points along the path from black to the image; more is smoother and slower' },
  ],
  'smooth-grad': [
    { key: 'samples', label: 'Samples', min: 1, max: 1024, step: 1, placeholder: '25', hint: 'noisy copies averaged; more is smoother and slower' },
    { key: 'sigma', label: 'Noise', min: 0, max: 1, step: 0.01, placeholder: '0.15', hint: 'noise level as a fraction of the input range' },
  ],
};

export function hasOptions(methodName) {
  return methodName in METHOD_OPTIONS;
}

// The fields set, as numbers; an empty field is left out (the engine's default).
function readParams(fields) {
  const params = {};
  for (const { option, input } of fields) {
    if (input.value.trim() !== '') params[option.key] = Number(input.value);
  }
  return params;
}

// A short text of what differs from the defaults: "patch 8 px, stride 4 px".
export function describeParams(methodName, params) {
  return (METHOD_OPTIONS[methodName] ?? [])
    .filter((option) => params?.[option.key] !== undefined)
    .map((option) => `${option.label.toLowerCase()} ${params[option.key]}${option.unit ? ` ${option.unit}` : ''}`)
    .join(', ');
}

// The form for `method`'s options, filled with `params`; `onRun(params)` when the user runs it.
export function optionsForm(method, params, onRun) {
  const fields = METHOD_OPTIONS[method.name].map((option) => {
    const input = el('input', {
      type: 'number', name: option.key, min: String(option.min), max: String(option.max), step: String(option.step),
      placeholder: option.placeholder, value: params?.[option.key] !== undefined ? String(params[option.key]) : null,
      'aria-label': `${method.title} ${option.label.toLowerCase()}`, title: option.hint,
    });
    return { option, input };
  });
  const form = el('form', { class: 'method-options', 'aria-label': `${method.title} options` },
    ...fields.map(({ option, input }) => el('label', { class: 'method-option' },
      el('span', { class: 'method-option-label' }, option.label, option.unit ? el('span', { class: 'muted' }, ` (${option.unit})`) : null),
      input,
      el('span', { class: 'method-option-hint muted' }, option.hint))),
    el('div', { class: 'row' },
      el('button', { type: 'submit', class: 'button button-small button-primary' }, 'Run'),
      el('button', { type: 'button', class: 'button button-small', onclick: () => {
        for (const { input } of fields) input.value = '';
      } }, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    onRun(readParams(fields));
  });
  return form;
}
