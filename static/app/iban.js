// iban.js — checks an IBAN typed into the transfer form before it is sent
// (ISO 13616: country, check digits, mod-97), so a typo is caught here
// rather than sending money to an account that does not exist.

/** The IBAN without spaces, in capitals ("nl66 open 0000 0000 00" → "NL66OPEN0000000000"). */
export function normalizeIban(text) {
  return String(text ?? '').replace(/[\s\u00a0]/g, '').toUpperCase();
}

/** True when `iban` (normalized) has an IBAN's shape and its check digits are right. */
export function isValidIban(iban) {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}
