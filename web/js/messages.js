// Errors and notices in a region fixed to a corner of the screen: a message about a file dropped
// while the page is scrolled down is seen where the user is. Each stays until dismissed or replaced.
import { el, byId } from './dom.js';

const MOST_SHOWN = 3;  // older messages give way: a pile of stale ones hides the page

function region() {
  return byId('messages');
}

function show(kind, text) {
  const shown = region();
  for (const old of shown.querySelectorAll('.message')) {
    if (old.dataset.text === text) old.remove();
  }
  const message = el('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { text } },
    el('p', {}, text),
    el('button', {
      type: 'button', class: 'icon-button', 'aria-label': 'Dismiss this message', title: 'Dismiss',
      onclick: () => message.remove(),
    }, '×'));
  shown.append(message);
  while (shown.children.length > MOST_SHOWN) shown.firstElementChild.remove();
  return message;
}

// One error at a time: the newest is the one about what the user just did.
export function showError(message) {
  const text = message instanceof Error ? message.message : String(message);
  console.warn(`camlens: ${text}`);  // a warning, not an error: the page handled it
  clearErrors();
  return show('error', text);
}

export function showNotice(text) {
  return show('notice', text);
}

export function clearErrors() {
  region().querySelectorAll('.message.error').forEach((message) => message.remove());
}

// Messages are joined as sentences: end each with a full stop.
export function sentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
