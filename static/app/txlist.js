// txlist.js — how one transaction is shown, in the account's list and in the
// employee's live feed: description, the other side, the signed amount and
// the balance after it, with the transaction's id kept in data-id.

import { h } from './dom.js';

/** The signed amount of a transaction: "+€20,00" (CREDIT) or "−€20,00" (DEBIT). */
export function signedAmount(tx) {
  return `${tx.direction === 'DEBIT' ? '−' : '+'}${tx.changed_by ?? ''}`;
}

/** The other side in words: "from cash", "to NL66OPEN0000000000". */
export function counterparty(tx) {
  if (!tx.from_to) return '';
  return `${tx.direction === 'DEBIT' ? 'to' : 'from'} ${tx.from_to}`;
}

/**
 * A list item for `tx`. With showIban (the employee feed) the account's IBAN
 * is shown as well.
 */
export function txItem(tx, { showIban = false } = {}) {
  const credit = tx.direction !== 'DEBIT';
  return h(
    'li',
    { class: `tx ${credit ? 'credit' : 'debit'}`, 'data-id': tx.id },
    h(
      'div',
      { class: 'tx-main' },
      h('span', { class: 'tx-descr' }, tx.descr || '(no description)'),
      h('span', { class: 'tx-party' }, showIban ? `${tx.iban} · ${counterparty(tx)}` : counterparty(tx)),
    ),
    h(
      'div',
      { class: 'tx-side' },
      h('span', { class: 'tx-amount' }, h('span', { class: 'visually-hidden' }, credit ? 'credit ' : 'debit '), signedAmount(tx)),
      h('span', { class: 'tx-balance' }, `balance ${tx.new_balance}`, h('span', { class: 'tx-id' }, ` · #${tx.id}`)),
    ),
  );
}
