// money.js — euros as people type them and as the bank writes them. The API
// takes whole cents (Int) and hands out display strings in Dutch notation
// ("€1.234,56", "€-20,00"), which the app shows as they are; this module only
// turns typed amounts into cents and the bank's strings into cents for sorting
// and comparing.

/** The largest amount a GraphQL Int can carry, in cents. */
export const MAX_CENTS = 2147483647;

/**
 * Parses a typed amount of euros into cents. Accepts "12", "12,5", "12.50",
 * "€ 1.234,56", "1,234.56", "1 234,56": the last comma or dot followed by one
 * or two digits is the decimal separator; other separators must group
 * thousands. A lone separator before three digits ("1.234", "12,345") is
 * refused: it reads as thousands in one notation and as a typo in the other,
 * and guessing wrong moves a thousand times the money. Returns {cents} or
 * {error} (a sentence for the form).
 */
export function parseEuros(text) {
  const s = String(text ?? '').trim().replace(/^€\s*/, '').replace(/[\s\u00a0]/g, '');
  if (s === '') return { error: 'Enter an amount in euros, for example 12,50.' };
  const m = /^(\d{1,3}(?:([.,])\d{3})(?:\2\d{3})*|\d+)(?:([.,])(\d{1,2}))?$/.exec(s);
  if (!m || (m[2] && m[3] && m[2] === m[3])) {
    return { error: 'Write the amount as euros with at most two decimals, for example 12,50 or 12.50.' };
  }
  if (m[2] && !m[3] && (m[1].match(/[.,]/g) ?? []).length === 1) {
    return { error: `"${s}" is unclear: write whole euros without a separator (1234) or use two decimals (1,23).` };
  }
  const whole = Number(m[1].replace(/[.,]/g, ''));
  const cents = whole * 100 + (m[4] ? Number(m[4].padEnd(2, '0')) : 0);
  if (cents <= 0) return { error: 'The amount must be more than €0,00.' };
  if (cents > MAX_CENTS) return { error: 'The amount is too large (at most €21.474.836,47).' };
  return { cents };
}

/** Cents of a bank display string ("€1.234,56" → 123456, "€-20,00" → -2000); NaN if it is not one. */
export function centsOf(display) {
  const m = /^€(-?)(\d{1,3}(?:\.\d{3})*),(\d{2})$/.exec(String(display ?? ''));
  if (!m) return NaN;
  const c = Number(m[2].replace(/\./g, '')) * 100 + Number(m[3]);
  return m[1] ? -c : c;
}

/** Whole euros in the bank's notation, for labels ("€1.000"). */
export function euros(whole) {
  return `€${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

/** Cents in the bank's notation ("€1.234,56", "€-20,00"), for amounts the app itself states. */
export function formatCents(cents) {
  const neg = cents < 0;
  const c = Math.abs(Math.trunc(cents));
  const whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `€${neg ? '-' : ''}${whole},${String(c % 100).padStart(2, '0')}`;
}
