// Shared by the dashboard pages: GiB figures, speed ranges, a labelled field, and a table built from rows.
import { h } from './dom.js';

/** Bytes as GiB with one decimal (as `scout fit` sizes memory), or '–'. */
export function gib(n) {
  return n === null || n === undefined ? '–' : `${(n / 1073741824).toFixed(1)} GiB`;
}

/** Bytes as GB (10^9), as download sizes are listed. */
export function gb(n) {
  return n === null || n === undefined ? '–' : `${(n / 1e9).toFixed(1)} GB`;
}

/** A speed range {low, high} as "12–20 tok/s". */
export function speed(s) {
  if (!s) return '–';
  return s.low === s.high ? `${s.low.toFixed(1)} tok/s` : `${s.low.toFixed(1)}–${s.high.toFixed(1)} tok/s`;
}

/** A labelled form control; the label points at the control's id. */
export function field(label, control) {
  return h('label', { class: 'field', for: control.id }, h('span', null, label), control);
}

/** A simple table: headers and rows of cells (strings or nodes). */
export function table(caption, headers, rows, attrs = {}) {
  return h('table', { class: 'grid', ...attrs },
    h('caption', null, caption),
    h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows));
}

/** Short parameter counts: 7.6B, 260K. */
export function params(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)}M`;
  return `${(n / 1e3).toFixed(0)}K`;
}
