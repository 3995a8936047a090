// session.js — who is signed in, kept in this tab's sessionStorage so that a
// reload keeps the session and closing the tab ends it. Holds the user name,
// IBAN and token that get_account returned (never the password, and never in
// a URL).

const KEY = 'openbank.session';

/** The stored session {username, iban, token}, or null. */
export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && typeof s.iban === 'string' && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** Stores {username, iban, token} for this tab. */
export function saveSession(s) {
  sessionStorage.setItem(KEY, JSON.stringify({ username: s.username, iban: s.iban, token: s.token }));
}

/** Forgets the session (log out). */
export function clearSession() {
  sessionStorage.removeItem(KEY);
}
