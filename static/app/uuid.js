// uuid.js — random (version 4) UUIDs for money_transfer's `uuid`, the key
// that makes a retried transfer count once. crypto.getRandomValues works on
// plain http:// origins too, where crypto.randomUUID does not exist.

/** A new random UUID such as "3b1f0c3e-8d4a-4c1e-9a57-2b6f5d0e9c11". */
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
