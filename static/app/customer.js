// customer.js — the customer's pages on "#/": the log-in form, then the
// account: IBAN and token, the balance, cash deposits, the transfer form and
// the transactions, newest first, kept live by a resumable stream.

import { ApiError, getAccount, moneyTransfer, streamTransactions, transactionsByIban } from './api.js';
import { h, replace, uid } from './dom.js';
import { isValidIban, normalizeIban } from './iban.js';
import { euros, formatCents, parseEuros } from './money.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { txItem } from './txlist.js';
import { uuid } from './uuid.js';

const DEPOSITS = [10, 20, 50, 100, 200]; // euros
const HISTORY = 100; // transactions loaded at first; newer ones arrive live

/** A text field with its label and an error line under it: {wrap, input, setError(msg)}. */
function field(labelText, attrs = {}, hintText = '') {
  const id = uid('f');
  const errId = `${id}-err`;
  const hintId = hintText ? `${id}-hint` : null;
  const input = h('input', { id, name: attrs.name ?? id, 'aria-describedby': [hintId, errId].filter(Boolean).join(' '), ...attrs });
  const err = h('p', { id: errId, class: 'field-error' });
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, labelText),
    hintText ? h('p', { id: hintId, class: 'hint' }, hintText) : null,
    input,
    err,
  );
  return {
    wrap,
    input,
    setError(msg) {
      err.textContent = msg ?? '';
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

/** What went wrong with a call, in words, without a final full stop. */
function failure(e) {
  if (e instanceof ApiError && e.kind === 'network') return 'the bank cannot be reached (check the connection)';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Remembers the uuid of a command whose outcome is not known yet (no answer:
 * network error, time-out), so pressing again sends the same uuid and the
 * bank counts the command once. A definite answer (success or a reason)
 * forgets it: the next press is a new command.
 */
function commandIds() {
  const pending = new Map(); // what the command is → uuid
  return {
    idFor: (key) => pending.get(key) ?? pending.set(key, uuid()).get(key),
    settled: (key) => pending.delete(key),
  };
}

/** Renders the log-in form into `main`; onLogin(session) when it worked. */
function renderLogin(main, onLogin) {
  const user = field('Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = field('Password', { type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-message', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  let busy = false;

  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      async onsubmit(ev) {
        ev.preventDefault();
        if (busy) return;
        const username = user.input.value.trim();
        const password = pass.input.value;
        user.setError(username ? '' : 'Enter your user name.');
        pass.setError(password ? '' : 'Enter your password.');
        if (!username) return user.input.focus();
        if (!password) return pass.input.focus();
        busy = true;
        button.setAttribute('aria-disabled', 'true');
        message.className = 'form-message';
        message.textContent = 'Logging in…';
        try {
          const r = await getAccount(username, password);
          if (r?.iban && r.token) {
            message.textContent = '';
            onLogin({ username, iban: r.iban, token: r.token });
            return;
          }
          message.className = 'form-message error';
          message.textContent = `Log in failed: ${r?.reason ?? 'no answer'}`;
          if (r?.reason === 'incorrect password') {
            pass.setError('incorrect password');
            pass.input.select();
            pass.input.focus();
          }
        } catch (e) {
          message.className = 'form-message error';
          message.textContent = `Log in failed: ${failure(e)}`;
        } finally {
          busy = false;
          button.removeAttribute('aria-disabled');
        }
      },
    },
    user.wrap,
    pass.wrap,
    h('div', { class: 'actions' }, button),
    message,
  );

  replace(
    main,
    h(
      'section',
      { class: 'card narrow', 'aria-labelledby': 'login-title' },
      h('h1', { id: 'login-title', tabindex: '-1' }, 'Log in'),
      h('p', { class: 'lead' }, 'Log in to your account. A user name the bank does not know yet opens a new account with that password.'),
      form,
    ),
  );
  return () => {};
}

/** Renders the account of `session` into `main`; onLogout() when the user logs out. Returns dispose(). */
function renderAccount(main, session, onLogout) {
  const ids = commandIds();
  let stream = null;
  let disposed = false;

  // --- balance and transactions -------------------------------------------
  const balance = h('span', { class: 'balance-amount', id: 'balance' }, '€0,00');
  const list = h('ol', { class: 'txs', 'aria-labelledby': 'tx-title', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'empty' }, 'No transactions yet. Deposit some cash to start.');
  const listMessage = h('p', { class: 'form-message', role: 'alert' });

  function show(tx, { live }) {
    const item = txItem(tx);
    if (live) {
      list.prepend(item);
      item.classList.add('new');
      balance.textContent = tx.new_balance;
    } else {
      list.append(item);
    }
    empty.hidden = true;
  }

  async function load() {
    listMessage.textContent = '';
    try {
      const rows = await transactionsByIban(session.iban, HISTORY);
      if (disposed) return;
      list.replaceChildren();
      for (const tx of rows) show(tx, { live: false });
      if (rows.length) balance.textContent = rows[0].new_balance;
      empty.hidden = rows.length > 0;
      const after = rows.reduce((m, t) => Math.max(m, t.id), 0);
      stream = streamTransactions(
        { iban: session.iban, after },
        {
          onTx: (tx) => show(tx, { live: true }),
          onError: (msg) => {
            listMessage.textContent = `Live updates stopped: ${msg}`;
          },
        },
      );
    } catch (e) {
      if (disposed) return;
      listMessage.replaceChildren(`Could not load the transactions: ${failure(e)}. `, h('button', { type: 'button', onclick: load }, 'Try again'));
    }
  }

  // --- deposits ------------------------------------------------------------
  const depositMessage = h('p', { class: 'form-message', role: 'status' });
  let depositing = false;

  async function deposit(amount, button) {
    if (depositing) return;
    depositing = true;
    button.setAttribute('aria-disabled', 'true');
    const key = `deposit ${amount}`;
    depositMessage.className = 'form-message';
    depositMessage.textContent = `Depositing ${euros(amount)}…`;
    try {
      const r = await moneyTransfer({
        uuid: ids.idFor(key),
        token: session.token, // cash needs no token of its own; the bank checks only an account's
        amount: amount * 100,
        from: 'cash',
        to: session.iban,
        descr: 'Cash deposit',
      });
      ids.settled(key);
      if (r?.success) {
        depositMessage.className = 'form-message ok';
        depositMessage.textContent = `${euros(amount)} deposited.`;
      } else {
        depositMessage.className = 'form-message error';
        depositMessage.textContent = `Deposit refused: ${r?.reason ?? 'no reason given'}`;
      }
    } catch (e) {
      depositMessage.className = 'form-message error';
      depositMessage.textContent = `Deposit not confirmed: ${failure(e)}. Press the button again to retry; it is counted once.`;
    } finally {
      depositing = false;
      button.removeAttribute('aria-disabled');
    }
  }

  const depositButtons = DEPOSITS.map((amount) => {
    const b = h('button', { type: 'button', class: 'deposit' }, `Deposit ${euros(amount)}`);
    b.addEventListener('click', () => deposit(amount, b));
    return b;
  });

  // --- transfer --------------------------------------------------------------
  const amount = field('Amount', { inputmode: 'decimal', autocomplete: 'off' }, 'In euros: 12,50 or 12.50');
  const to = field('To', { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters' }, 'IBAN, e.g. NL66 OPEN 0000 0000 00');
  const descr = field('Description', { autocomplete: 'off', maxlength: '140' });
  const transferButton = h('button', { type: 'submit', class: 'primary' }, 'Transfer');
  const transferMessage = h('p', { class: 'form-message', role: 'status', id: 'transfer-result' });
  let transferring = false;

  async function submitTransfer(ev) {
    ev.preventDefault();
    if (transferring) return; // one submission at a time
    const a = parseEuros(amount.input.value);
    const iban = normalizeIban(to.input.value);
    amount.setError(a.error ?? '');
    to.setError(!iban ? 'Enter the IBAN to transfer to.' : isValidIban(iban) ? '' : 'This is not a valid IBAN: check it for typos.');
    if (a.error) return amount.input.focus();
    if (!iban || !isValidIban(iban)) return to.input.focus();
    const text = descr.input.value.trim();
    const key = JSON.stringify([a.cents, iban, text]);
    transferring = true;
    transferButton.setAttribute('aria-disabled', 'true');
    transferMessage.className = 'form-message';
    transferMessage.textContent = 'Transferring…';
    try {
      const r = await moneyTransfer({
        uuid: ids.idFor(key),
        token: session.token,
        amount: a.cents,
        from: session.iban,
        to: iban,
        descr: text,
        username: session.username,
      });
      ids.settled(key);
      if (r?.success) {
        transferMessage.className = 'form-message ok';
        transferMessage.textContent = `Transferred ${formatCents(a.cents)} to ${iban}.`;
        for (const f of [amount, to, descr]) f.input.value = '';
      } else {
        transferMessage.className = 'form-message error';
        transferMessage.textContent = `Transfer refused: ${r?.reason ?? 'no reason given'}`;
      }
    } catch (e) {
      transferMessage.className = 'form-message error';
      transferMessage.textContent = `Transfer not confirmed: ${failure(e)}. Press Transfer again to retry; it is counted once.`;
    } finally {
      transferring = false;
      transferButton.removeAttribute('aria-disabled');
    }
  }

  // --- the page --------------------------------------------------------------
  const summary = h(
    'section',
    { class: 'card summary', 'aria-labelledby': 'account-title' },
    h('h1', { id: 'account-title', tabindex: '-1' }, session.username ? `Account of ${session.username}` : 'Your account'),
    h('p', { class: 'balance' }, h('span', { class: 'balance-label' }, 'Balance '), balance),
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, 'IBAN'), h('dd', {}, h('code', { id: 'iban' }, session.iban))),
      h('div', {}, h('dt', {}, 'Token'), h('dd', {}, h('code', { id: 'token' }, session.token))),
    ),
    h('button', { type: 'button', class: 'link', onclick: () => onLogout() }, 'Log out'),
  );
  const deposits = h(
    'section',
    { class: 'card', 'aria-labelledby': 'deposit-title' },
    h('h2', { id: 'deposit-title' }, 'Deposit cash'),
    h('div', { class: 'deposits' }, depositButtons),
    depositMessage,
  );
  const transferCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'transfer-title' },
    h('h2', { id: 'transfer-title' }, 'Transfer money'),
    h(
      'form',
      { class: 'stack', novalidate: true, onsubmit: submitTransfer },
      amount.wrap,
      to.wrap,
      descr.wrap,
      h('div', { class: 'actions' }, transferButton),
      transferMessage,
    ),
  );
  const transactions = h(
    'section',
    { class: 'card transactions', 'aria-labelledby': 'tx-title' },
    h('h2', { id: 'tx-title' }, 'Transactions'),
    listMessage,
    empty,
    list,
  );
  // source order is the reading and tab order: account, deposit, transfer, then the list
  replace(main, h('div', { class: 'account-grid' }, h('div', { class: 'account-side' }, summary, deposits, transferCard), transactions));
  load();
  return () => {
    disposed = true;
    stream?.stop();
  };
}

/**
 * The customer's view: the account when a session is stored, else the log-in
 * form. Returns dispose() (stops the live stream).
 */
export function customerView(main, { focus }) {
  let dispose = () => {};

  function showLogin(focusHeading) {
    dispose = renderLogin(main, (s) => {
      saveSession(s);
      showAccount(s, true);
    });
    if (focusHeading) focus();
  }

  function showAccount(s, focusHeading) {
    dispose = renderAccount(main, s, () => {
      dispose();
      clearSession();
      showLogin(true);
    });
    if (focusHeading) focus();
  }

  const s = loadSession();
  if (s) showAccount(s, false);
  else showLogin(false);
  return () => dispose();
}
