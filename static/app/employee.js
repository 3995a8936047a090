// employee.js — the employee's page on "#/employee": every account with its
// latest balance (all_last_transactions, then kept current by a live stream
// of every transaction), sortable by column and filterable by IBAN; and a
// live feed of transactions filtered by the gateway on a minimum amount and a
// direction.

import { allLastTransactions, ApiError, streamTransactions } from './api.js';
import { h, replace, uid } from './dom.js';
import { centsOf, parseEuros } from './money.js';
import { txItem } from './txlist.js';

const FEED_BACK = 50; // the feed starts with matches among this many latest transactions
const FEED_MAX = 200; // items kept in the feed

const COLUMNS = [
  { key: 'iban', label: 'IBAN', compare: (a, b) => a.iban.localeCompare(b.iban) },
  { key: 'balance', label: 'Balance', compare: (a, b) => centsOf(a.new_balance) - centsOf(b.new_balance), numeric: true },
  { key: 'last', label: 'Last transaction', compare: (a, b) => a.id - b.id },
];

/** Renders the employee view into `main`. Returns dispose(). */
export function employeeView(main) {
  const accounts = new Map(); // iban → its latest transaction
  let sort = { key: 'iban', dir: 1 };
  let filter = '';
  let accountsStream = null;
  let feedStream = null;
  let frame = 0;
  let disposed = false;

  // --- accounts ------------------------------------------------------------
  const filterId = uid('f');
  const filterInput = h('input', {
    id: filterId,
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-controls': 'accounts-table',
    oninput: () => {
      filter = filterInput.value.replace(/\s/g, '').toUpperCase();
      schedule();
    },
  });
  const count = h('p', { class: 'count', role: 'status' });
  // explicit roles: phones restyle the rows as blocks (app.css), which would hide the table from assistive technology
  const tbody = h('tbody', { role: 'rowgroup' });
  const headRow = h('tr', { role: 'row' });
  const table = h(
    'table',
    { id: 'accounts-table', class: 'accounts', role: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Every account with its latest balance; the column headers sort.'),
    h('thead', { role: 'rowgroup' }, headRow),
    tbody,
  );
  const accountsMessage = h('p', { class: 'form-message', role: 'alert' });

  function renderHead() {
    replace(
      headRow,
      COLUMNS.map((c) => {
        const active = sort.key === c.key;
        return h(
          'th',
          { scope: 'col', role: 'columnheader', class: c.numeric ? 'num' : null, 'aria-sort': active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              onclick: () => {
                sort = { key: c.key, dir: active ? -sort.dir : c.key === 'iban' ? 1 : -1 };
                renderHead();
                renderRows();
                headRow.querySelector(`[data-key="${c.key}"]`)?.focus();
              },
              'data-key': c.key,
            },
            c.label,
            h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''),
          ),
        );
      }),
    );
  }

  function renderRows() {
    frame = 0;
    const col = COLUMNS.find((c) => c.key === sort.key);
    const rows = [...accounts.values()]
      .filter((t) => !filter || t.iban.includes(filter))
      .sort((a, b) => sort.dir * col.compare(a, b) || a.iban.localeCompare(b.iban));
    replace(
      tbody,
      rows.map((t) =>
        h(
          'tr',
          { 'data-iban': t.iban, role: 'row' },
          h('th', { scope: 'row', role: 'rowheader' }, h('code', {}, t.iban)),
          h('td', { class: 'num', role: 'cell' }, t.new_balance),
          h('td', { class: 'last', role: 'cell' }, h('span', { class: 'tx-id' }, `#${t.id}`), ' ', t.descr || '(no description)'),
        ),
      ),
    );
    count.textContent = filter ? `${rows.length} of ${accounts.size} accounts` : `${accounts.size} accounts`;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(renderRows);
  }

  function note(tx) {
    const had = accounts.get(tx.iban);
    if (!had || had.id < tx.id) {
      accounts.set(tx.iban, tx);
      schedule();
    }
  }

  // --- live feed ---------------------------------------------------------------
  const feed = h('ol', { class: 'txs feed', 'aria-labelledby': 'feed-title' });
  const feedEmpty = h('p', { class: 'empty' }, 'No matching transactions yet.');
  const minId = uid('f');
  const dirId = uid('f');
  const minInput = h('input', { id: minId, inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': `${minId}-err` });
  const minError = h('p', { id: `${minId}-err`, class: 'field-error' });
  const dirSelect = h(
    'select',
    { id: dirId },
    h('option', { value: '' }, 'Both'),
    h('option', { value: 'CREDIT' }, 'Credit (money in)'),
    h('option', { value: 'DEBIT' }, 'Debit (money out)'),
  );
  const feedMessage = h('p', { class: 'form-message', role: 'alert' });
  let feedKey = '';
  let latestId = 0;

  /** (Re)starts the feed with the filters in the form, unless they are unchanged or invalid. */
  function applyFilters() {
    let min = null;
    const text = minInput.value.trim();
    if (text) {
      const p = parseEuros(text);
      if (p.error) {
        minError.textContent = p.error;
        minInput.setAttribute('aria-invalid', 'true');
        return;
      }
      min = p.cents;
    }
    minError.textContent = '';
    minInput.removeAttribute('aria-invalid');
    const direction = dirSelect.value || null;
    const key = JSON.stringify([min, direction]);
    if (key === feedKey) return;
    feedKey = key;
    feedStream?.stop();
    feed.replaceChildren();
    feedEmpty.hidden = false;
    feedMessage.textContent = '';
    feedStream = streamTransactions(
      { minAmount: min, direction, after: Math.max(0, latestId - FEED_BACK) },
      {
        onTx(tx) {
          feed.prepend(txItem(tx, { showIban: true }));
          feedEmpty.hidden = true;
          while (feed.childElementCount > FEED_MAX) feed.lastElementChild.remove();
        },
        onError(msg) {
          feedMessage.textContent = `The feed stopped: ${msg}`;
        },
      },
    );
  }

  let debounce = 0;
  minInput.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilters, 500);
  });
  dirSelect.addEventListener('change', applyFilters);

  // --- the page ------------------------------------------------------------------
  replace(
    main,
    h('h1', { id: 'employee-title', tabindex: '-1', class: 'page-title' }, 'Employee view'),
    h(
      'div',
      { class: 'employee-grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'accounts-title' },
        h('h2', { id: 'accounts-title' }, 'Accounts'),
        h(
          'div',
          { class: 'toolbar' },
          h('div', { class: 'field' }, h('label', { for: filterId }, 'Filter by IBAN'), filterInput),
          count,
        ),
        accountsMessage,
        h('div', { class: 'table-wrap' }, table),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'feed-title' },
        h('h2', { id: 'feed-title' }, 'Live feed'),
        h(
          'form',
          {
            class: 'toolbar',
            novalidate: true,
            onsubmit: (ev) => {
              ev.preventDefault();
              clearTimeout(debounce);
              applyFilters();
            },
          },
          h('div', { class: 'field' }, h('label', { for: minId }, 'Minimum amount (€)'), minInput, minError),
          h('div', { class: 'field' }, h('label', { for: dirId }, 'Direction'), dirSelect),
          h('button', { type: 'submit' }, 'Apply filters'),
        ),
        feedMessage,
        feedEmpty,
        feed,
      ),
    ),
  );
  renderHead();
  renderRows();

  async function load() {
    accountsMessage.textContent = 'Loading the accounts…';
    try {
      const rows = await allLastTransactions();
      if (disposed) return;
      accountsMessage.textContent = '';
      for (const tx of rows) note(tx);
      latestId = rows.reduce((m, t) => Math.max(m, t.id), 0);
      renderRows();
      accountsStream = streamTransactions(
        { after: latestId },
        {
          onTx: note,
          onError(msg) {
            accountsMessage.textContent = `Live balances stopped: ${msg}`;
          },
        },
      );
      applyFilters();
    } catch (e) {
      if (disposed) return;
      const why = e instanceof ApiError && e.kind === 'network' ? 'the bank cannot be reached' : e.message;
      accountsMessage.replaceChildren(`Could not load the accounts: ${why}. `, h('button', { type: 'button', onclick: load }, 'Try again'));
    }
  }
  load();

  return () => {
    disposed = true;
    clearTimeout(debounce);
    if (frame) cancelAnimationFrame(frame);
    accountsStream?.stop();
    feedStream?.stop();
  };
}
