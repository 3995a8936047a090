// main.js — the web app's entry point (loaded by static/index.html): the
// connection indicator and the two pages, chosen by the URL's fragment:
// "#/" (or none) the customer's account, "#/employee" the employee view.
// Other fragments (such as the skip link's "#main") leave the page as it is.

import { socket } from './api.js';
import { customerView } from './customer.js';
import { employeeView } from './employee.js';
import { mountIndicator } from './status.js';

const ROUTES = {
  '#/': { view: customerView, title: 'My account' },
  '#/employee': { view: employeeView, title: 'Employee view' },
};

const main = document.getElementById('main');
let dispose = () => {};
let current = null;

/** Moves focus to the page's heading, so keyboard and screen-reader users start there. */
function focusHeading() {
  main.querySelector('h1')?.focus();
}

/** Shows the page for location.hash; `focus` after a navigation. */
function route(focus) {
  let hash = location.hash;
  if (!hash.startsWith('#/')) {
    if (current) return; // an in-page link
    hash = '#/';
  }
  const r = ROUTES[hash] ?? ROUTES['#/'];
  if (r === current) return;
  current = r;
  dispose();
  main.replaceChildren();
  dispose = r.view(main, { focus: focusHeading }) ?? (() => {});
  document.title = `${r.title} · Open Bank`;
  for (const a of document.querySelectorAll('nav a[href^="#/"]')) {
    if (ROUTES[a.getAttribute('href')] === r) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (focus) focusHeading();
}

mountIndicator(document.getElementById('connection'), socket);
window.addEventListener('hashchange', () => route(true));
route(false);
