// Safe element builders: text is always set through textContent, attributes through setAttribute; nothing here
// parses HTML. The only way to insert markup is trustedHtml(), reserved for HTML the server sanitized (Markdown).

/**
 * h('div', {class: 'x', onclick: fn}, 'text', child, [more]) -> HTMLElement.
 * Attributes starting with "on" become listeners; `dataset`, `style` objects are not supported (CSP forbids inline
 * styles anyway: use classes); booleans set or drop the attribute; null/undefined/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (k === 'checked' && 'checked' in el) el.checked = !!v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (strings become text nodes, arrays are flattened). */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Removes every child, then appends the given ones. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * Inserts HTML that the server produced and sanitized (/ui/api/render: Markdig without raw HTML, links checked).
 * Never pass model output, names or user text here.
 */
export function trustedHtml(el, serverSanitizedHtml) {
  const tpl = document.createElement('template');
  tpl.innerHTML = serverSanitizedHtml;
  el.replaceChildren(tpl.content);
  return el;
}

/**
 * The URL when it is safe as a link's href from data (http, https or mailto), else null: a `javascript:` or `data:`
 * URL in a catalog or a reply must never become a link.
 */
export function safeUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url, location.href);
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null;
  } catch { return null; }
}

/** Formats a number with fixed decimals, or '–' when missing. */
export function fmt(n, digits = 1) {
  return n === null || n === undefined || Number.isNaN(n) || !Number.isFinite(n) ? '–' : Number(n).toFixed(digits);
}

/** Bytes as KB/MB/GB. */
export function bytes(n) {
  if (!n && n !== 0) return '–';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}
