// status.js — the connection indicator in the page header: whether live
// updates are flowing (green "Live"), being set up, or lost and when the next
// attempt is. Screen readers hear the state when it changes, not the countdown.

import { h, replace } from './dom.js';

const TEXT = {
  idle: 'Live updates off',
  connecting: 'Connecting…',
  open: 'Live',
  waiting: 'Connection lost',
};

/** Renders the indicator into `el` (a role="status" element) and follows `socket`'s state. */
export function mountIndicator(el, socket) {
  let timer = 0;
  let last = '';
  const countdown = h('span', { class: 'conn-retry', 'aria-hidden': 'true' });
  const label = h('span', { class: 'conn-label' });
  replace(el, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), label, countdown);

  function tick(state) {
    const s = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
    countdown.textContent = state.status === 'waiting' ? ` · retrying in ${s} s` : '';
  }

  socket.onState((state) => {
    el.dataset.status = state.status;
    if (state.status !== last) {
      last = state.status;
      label.textContent = TEXT[state.status] ?? state.status;
    }
    clearInterval(timer);
    tick(state);
    if (state.status === 'waiting') timer = setInterval(() => tick(state), 1000);
  });
}
