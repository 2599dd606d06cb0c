// Small SVG charts built with DOM calls (no library, no inline styles): a line or scatter chart with its axes, a
// legend, and a redraw from data. Colours come from the classes series-0 … series-5 in pages.css.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A short tick label: 1.2k, 35, 0.42. */
export function tick(v) {
  const a = Math.abs(v);
  if (a >= 10000) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 1000) return `${(v / 1000).toFixed(1)}k`;
  if (a >= 10 || a === 0) return v.toFixed(0);
  return v.toFixed(a >= 1 ? 1 : 2);
}

/**
 * chart({title, xLabel, yLabel, kind: 'line' | 'scatter'}) -> {el, set(series)}, where series is
 * [{name, points: [[x, y], ...]}]. set() redraws at once: call it at most once per animation frame.
 * The <svg> carries data-points (how many points it shows), for tests and screen readers alike.
 */
export function chart({ title, xLabel, yLabel, kind = 'line', width = 380, height = 210 }) {
  const m = { left: 46, right: 10, top: 10, bottom: 34 };
  const plot = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, 'data-points': 0 });
  const legend = document.createElement('ul');
  legend.className = 'chart-legend';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const el = document.createElement('figure');
  el.className = 'chart-figure';
  el.append(caption, plot, legend);

  function set(series) {
    const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    plot.replaceChildren();
    legend.replaceChildren();
    plot.setAttribute('data-points', String(all.length));
    let x0 = Math.min(0, ...all.map((p) => p[0]));
    let x1 = Math.max(...all.map((p) => p[0]), x0 + 1);
    const y0 = 0;
    let y1 = Math.max(...all.map((p) => p[1]), 0) * 1.1;
    if (!(y1 > 0)) y1 = 1;
    if (!(x1 > x0)) { x0 = 0; x1 = 1; }
    const w = width - m.left - m.right;
    const hgt = height - m.top - m.bottom;
    const px = (x) => m.left + ((x - x0) / (x1 - x0)) * w;
    const py = (y) => m.top + hgt - ((y - y0) / (y1 - y0)) * hgt;
    // Axes, three ticks each, the labels.
    plot.append(svg('line', { class: 'axis', x1: m.left, y1: m.top + hgt, x2: m.left + w, y2: m.top + hgt }));
    plot.append(svg('line', { class: 'axis', x1: m.left, y1: m.top, x2: m.left, y2: m.top + hgt }));
    for (const f of [0, 0.5, 1]) {
      const yv = y0 + f * (y1 - y0);
      plot.append(svg('line', { class: 'grid-line', x1: m.left, y1: py(yv), x2: m.left + w, y2: py(yv) }));
      plot.append(svg('text', { class: 'tick', x: m.left - 4, y: py(yv) + 4, 'text-anchor': 'end' }, tick(yv)));
      const xv = x0 + f * (x1 - x0);
      plot.append(svg('text', { class: 'tick', x: px(xv), y: m.top + hgt + 14, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, tick(xv)));
    }
    plot.append(svg('text', { class: 'axis-label', x: m.left + w / 2, y: height - 3, 'text-anchor': 'middle' }, xLabel));
    plot.append(svg('text', { class: 'axis-label', x: 11, y: m.top + hgt / 2, 'text-anchor': 'middle', transform: `rotate(-90 11 ${m.top + hgt / 2})` }, yLabel));
    series.forEach((s, i) => {
      const cls = `series-${i % 6}`;
      const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (kind === 'line' && pts.length > 1) {
        const d = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`).join(' ');
        plot.append(svg('path', { class: `line ${cls}`, d }));
      } else {
        const g = svg('g', { class: `dots ${cls}` });
        for (const [x, y] of pts) g.append(svg('circle', { cx: px(x).toFixed(1), cy: py(y).toFixed(1), r: 2.6 }));
        plot.append(g);
      }
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch ${cls}`;
      swatch.setAttribute('aria-hidden', 'true');
      item.append(swatch, document.createTextNode(s.name));
      legend.append(item);
    });
  }

  set([]);
  return { el, set };
}
