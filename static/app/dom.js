// dom.js — a tiny element builder for the web app. Text is always set as
// text (never parsed as HTML), so account names, descriptions and IBANs that
// come from the bank can hold any character without becoming markup.

/**
 * Makes an element: h('button', {type: 'button', onclick: fn}, 'Label', child).
 * Attributes starting with "on" become event listeners, `class` and `for` map
 * to className and htmlFor, booleans toggle the attribute, null/undefined
 * are skipped. Children are nodes or strings (text); arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'for') el.htmlFor = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, nested arrays; null skipped) to `el`. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces every child of `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A unique id for label/aria wiring ("ob-3"). */
let next = 0;
export function uid(prefix = 'ob') {
  next += 1;
  return `${prefix}-${next}`;
}
