// Bench: `scout bench` run from the page against one or more endpoints (the server runs the command itself and streams
// each finished request), live charts while it runs, and every saved report (`$SCOUT_HOME/bench`, the page's runs and
// the command line's alike) with its tables and the charts `scout bench --svg` draws.
import { h, replace, fmt } from '../lib/dom.js';
import { field, table } from '../lib/dash.js';
import { chart } from '../lib/chart.js';

/** Runs larger than this many requests ask before they start. */
const CONFIRM_ABOVE = 500;

/** The median of some numbers, or null for none. */
function median(xs) {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export async function render(root, ctx) {
  let models = [];
  try {
    models = (await ctx.api.get('/api/tags', { quiet: true })).models.map((m) => m.name);
  } catch { /* the picker falls back to a text field */ }
  let controller = null;
  ctx.onDispose(() => { if (controller) controller.abort(); });

  // --- The form -------------------------------------------------------------------------------------------------
  const rows = h('div', { class: 'bench-endpoints' });
  let rowCount = 0;
  const addEndpoint = (url, model, api) => {
    const n = ++rowCount;
    const urlInput = h('input', { id: `bench-url-${n}`, type: 'url', value: url, required: true, class: 'bench-url' });
    const modelInput = models.length > 0 && model !== ''
      ? h('select', { id: `bench-model-${n}`, class: 'bench-model' }, models.map((m) => h('option', { value: m, selected: m === model }, m)))
      : h('input', { id: `bench-model-${n}`, class: 'bench-model', value: model, placeholder: 'model name' });
    const apiInput = h('select', { id: `bench-api-${n}`, class: 'bench-api' },
      h('option', { value: '', selected: !api }, 'from URL'), h('option', { value: 'ollama', selected: api === 'ollama' }, 'ollama'),
      h('option', { value: 'openai', selected: api === 'openai' }, 'openai'));
    const row = h('fieldset', { class: 'bench-endpoint' }, h('legend', null, `Endpoint ${n}`),
      field('URL', urlInput), field('Model', modelInput), field('API', apiInput),
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove endpoint ${n}`, onclick: () => { row.remove(); estimate(); } }, 'Remove'));
    rows.append(row);
    estimate();
  };
  // Closed loop (requests kept in flight) or open loop (arrivals per second, `inf` = all at once), as scout bench's
  // --concurrency and --rate; a duration per level replaces the request count (--duration).
  const mode = h('select', { id: 'bench-mode', onchange: () => { levels.value = mode.value === 'rate' ? '0.5,1' : '1,2'; estimate(); } },
    h('option', { value: 'concurrency' }, 'concurrency (in flight)'), h('option', { value: 'rate' }, 'arrival rate (per second)'));
  const levels = h('input', { id: 'bench-levels', value: '1,2', inputmode: 'decimal', oninput: () => estimate() });
  const requests = h('input', { id: 'bench-requests', type: 'number', min: 1, value: 10, oninput: () => estimate() });
  const duration = h('input', { id: 'bench-duration', placeholder: 'e.g. 30s (instead of requests)', size: 12, oninput: () => estimate() });
  const inputTokens = h('input', { id: 'bench-input', type: 'number', min: 1, value: 64 });
  const outputTokens = h('input', { id: 'bench-output', type: 'number', min: 1, value: 32 });
  const warmup = h('input', { id: 'bench-warmup', type: 'number', min: 0, value: 1 });
  const total = h('p', { class: 'muted', id: 'bench-total', 'aria-live': 'polite' });
  const start = h('button', { type: 'button', class: 'primary', id: 'bench-start', onclick: () => run() }, 'Start');
  const stop = h('button', { type: 'button', id: 'bench-stop', disabled: true, onclick: () => { if (controller) controller.abort(); } }, 'Stop');
  const levelCount = () => levels.value.split(',').filter((x) => x.trim().length > 0).length;
  function count() {
    return duration.value.trim() ? 0 : levelCount() * (Number(requests.value) || 0) * rows.children.length;
  }
  function estimate() {
    requests.disabled = duration.value.trim().length > 0;
    total.textContent = duration.value.trim()
      ? `${levelCount()} level(s) × ${duration.value.trim()} × ${rows.children.length} endpoint(s) of load, plus warmup.`
      : `${count()} measured requests in all (levels × requests × endpoints).`;
  }
  // Enter in a field never starts a run: only the Start button does.
  const form = h('form', { class: 'card bench-form', id: 'bench-form', 'aria-label': 'Bench settings', onsubmit: (e) => e.preventDefault() },
    h('h2', null, 'Run scout bench'), rows,
    h('button', { type: 'button', class: 'link', id: 'bench-add', onclick: () => addEndpoint('', '', 'ollama') }, '+ Add endpoint'),
    h('div', { class: 'filters' }, field('Load', mode), field('Levels', levels), field('Requests per level', requests),
      field('Or duration per level', duration),
      field('Input tokens', inputTokens), field('Output tokens', outputTokens), field('Warmup requests', warmup)),
    total, h('div', { class: 'filters' }, start, stop));
  addEndpoint(location.origin, models[0] || '', 'ollama');

  // --- Live view ------------------------------------------------------------------------------------------------
  const live = h('section', { class: 'card bench-live', id: 'bench-live', 'aria-label': 'Live run', hidden: true });
  const throughput = chart({ title: 'Output throughput over time', xLabel: 'seconds since start', yLabel: 'tok/s', kind: 'line' });
  const ttft = chart({ title: 'Time to first token per request', xLabel: 'seconds since start', yLabel: 'ms', kind: 'scatter' });
  const tpot = chart({ title: 'Time per output token per request', xLabel: 'seconds since start', yLabel: 'ms', kind: 'scatter' });
  let state = null;
  let frame = 0;
  const schedule = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); }); };

  function draw() {
    if (!state) return;
    const names = state.targets.map((t) => t.label);
    throughput.set(names.map((name, i) => ({ name, points: state.requests.filter((r) => r.target === i).map((r) => [r.atMs / 1000, r.outputTokensPerSecond]) })));
    ttft.set(names.map((name, i) => ({ name, points: state.requests.filter((r) => r.target === i && r.ok).map((r) => [r.atMs / 1000, r.ttftMs]) })));
    tpot.set(names.map((name, i) => ({ name, points: state.requests.filter((r) => r.target === i && r.ok && r.tpotMs !== null).map((r) => [r.atMs / 1000, r.tpotMs]) })));
    const cells = [];
    state.levels.forEach((level, l) => state.targets.forEach((t, i) => {
      const p = state.progress.get(`${l}/${i}`);
      const max = state.requests_per_level;
      // A level bounded by a duration has no known total: the bar is indeterminate until the level's event closes it.
      const bar = max
        ? h('progress', { max, value: p ? p.done : 0, 'aria-label': `${level} ${t.label}: ${p ? p.done : 0} of ${max}` })
        : h('progress', p && p.closed ? { max: 1, value: 1, 'aria-label': `${level} ${t.label}: done` } : { 'aria-label': `${level} ${t.label}: ${p ? p.done : 0} done, running for ${state.duration} s` });
      const ttftMedian = p && p.ttftMedianMs !== undefined ? p.ttftMedianMs
        : median(state.requests.filter((r) => r.level === l && r.target === i && r.ok).map((r) => r.ttftMs));
      cells.push(h('tr', null, h('th', { scope: 'row' }, level), h('td', null, t.label),
        h('td', null, bar),
        h('td', null, p ? (max ? `${p.done}/${max}` : String(p.done)) : 'waiting'), h('td', null, p ? String(p.failed) : ''),
        h('td', null, p ? fmt(p.outputTokensPerSecond, 1) : ''), h('td', null, ttftMedian === null ? '' : fmt(ttftMedian, 1)),
        h('td', null, p && p.lastReason ? p.lastReason : '')));
    }));
    replace(progressTable, table('Progress per level and endpoint', ['Level', 'Endpoint', 'Progress', 'Done', 'Failed', 'Output tok/s', 'TTFT median (ms)', 'Last failure'], cells, { id: 'bench-progress' }));
    status.textContent = state.message;
  }
  const progressTable = h('div');
  const status = h('p', { id: 'bench-status', role: 'status' });
  replace(live, h('h2', null, 'Live'), status, h('div', { class: 'bench-charts' }, throughput.el, ttft.el, tpot.el), progressTable);

  async function run() {
    if (controller) return;
    const endpoints = [...rows.querySelectorAll('fieldset')].map((f) => ({
      url: f.querySelector('.bench-url').value.trim(), model: f.querySelector('.bench-model').value.trim(), api: f.querySelector('.bench-api').value,
    }));
    const n = count();
    if (n > CONFIRM_ABOVE && !window.confirm(`This run sends ${n} measured requests. Start it?`)) return;
    const body = {
      endpoints, [mode.value === 'rate' ? 'rate' : 'concurrency']: levels.value,
      ...(duration.value.trim() ? { duration: duration.value.trim() } : { requests: Number(requests.value) }),
      inputTokens: Number(inputTokens.value), outputTokens: Number(outputTokens.value), warmup: Number(warmup.value),
    };
    state = { targets: [], levels: [], requests: [], progress: new Map(), requests_per_level: body.requests, duration: null, message: 'Checking each endpoint with a test request…' };
    live.hidden = false;
    draw();
    controller = new AbortController();
    start.disabled = true;
    stop.disabled = false;
    try {
      await ctx.api.stream('/ui/api/bench/runs', body, onEvent, { signal: controller.signal });
    } catch (e) {
      state.message = e.name === 'AbortError' ? 'Stopped; what finished is saved as an interrupted report.' : `Failed: ${e.message}`;
      schedule();
      if (e.name === 'AbortError') setTimeout(() => loadReports(), 1500);
    } finally {
      controller = null;
      start.disabled = false;
      stop.disabled = true;
    }
  }

  function onEvent(ev) {
    if (ev.event === 'plan') {
      state.targets = ev.targets;
      state.levels = ev.levels;
      if (ev.requests) state.requests_per_level = ev.requests;
      if (ev.durationSeconds) { state.duration = ev.durationSeconds; state.requests_per_level = null; }
      state.message = `Running ${ev.levels.join(', ')} on ${ev.targets.length} endpoint(s)…`;
    } else if (ev.event === 'request') {
      state.requests.push(ev);
      const key = `${ev.level}/${ev.target}`;
      const p = { ...(state.progress.get(key) || {}), done: ev.done, failed: ev.failed, outputTokensPerSecond: ev.outputTokensPerSecond };
      if (!ev.ok) p.lastReason = ev.reason + (ev.detail ? `: ${ev.detail}` : '');
      state.progress.set(key, p);
    } else if (ev.event === 'level') {
      const key = `${ev.level}/${ev.target}`;
      state.progress.set(key, { ...(state.progress.get(key) || {}), ttftMedianMs: ev.ttftMedianMs, tpotMedianMs: ev.tpotMedianMs, closed: true });
    } else if (ev.event === 'report') {
      for (const p of state.progress.values()) p.closed = true;
      state.message = `Done${ev.interrupted ? ' (interrupted)' : ''}: saved as ${ev.id || '(not saved)'}.`;
      loadReports().then(() => { if (ev.id) openReport(ev.id); });
    }
    schedule();
  }

  // --- Saved reports --------------------------------------------------------------------------------------------
  const reports = h('section', { class: 'card', id: 'bench-reports', 'aria-label': 'Saved reports' });
  const detail = h('div', { id: 'bench-detail' });

  async function loadReports() {
    const list = await ctx.api.get('/ui/api/bench/reports', { quiet: true });
    replace(reports, h('h2', null, 'Saved reports'),
      list.reports.length === 0 ? h('p', { class: 'muted' }, `None yet in ${list.folder}: run one above, or scout bench on the command line.`)
        : table(`In ${list.folder}`, ['Date', 'Endpoints and models', 'Levels', 'Best output tok/s', 'TTFT median (ms)', 'Status', ''], list.reports.map((r) => r.error
          ? h('tr', { class: 'unreadable' }, h('th', { scope: 'row' }, r.id), h('td', { colspan: 4 }, r.error), h('td', null, 'unreadable'),
            h('td', null, deleteButton(r.id)))
          : h('tr', null,
            h('th', { scope: 'row' }, new Date(r.startedAt).toLocaleString()),
            h('td', null, r.targets.map((t) => h('div', null, `${t.model} @ ${t.endpoint} (${t.api})`))),
            h('td', null, r.levels.join(', ')),
            h('td', null, r.headline.map((x) => h('div', null, fmt(x.bestOutputTokenThroughput, 1)))),
            h('td', null, r.headline.map((x) => h('div', null, fmt(x.ttftMedianMs, 1)))),
            h('td', null, [r.interrupted ? 'interrupted' : 'complete', r.headline.some((x) => x.failed > 0) ? `, ${r.headline.reduce((a, x) => a + x.failed, 0)} failed` : '']),
            h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `Open report ${r.id}`, onclick: () => openReport(r.id) }, 'Open'), ' ', deleteButton(r.id)))), { id: 'bench-report-list' }));
  }

  function deleteButton(id) {
    return h('button', { type: 'button', class: 'link', 'aria-label': `Delete report ${id}`, onclick: async () => {
      await ctx.api.del(`/ui/api/bench/reports/${encodeURIComponent(id)}`);
      replace(detail);
      await loadReports();
    } }, 'Delete');
  }

  async function openReport(id) {
    const r = await ctx.api.get(`/ui/api/bench/reports/${encodeURIComponent(id)}`);
    const base = `/ui/api/bench/reports/${encodeURIComponent(id)}/charts`;
    const metric = (label, get, digits = 1) => [label, (s) => fmt(get(s), digits)];
    const metrics = [
      ['Completed', (s) => String(s.completed)],
      ['Failed', (s) => (s.failed === 0 ? '0' : `${s.failed} (${Object.entries(s.failuresByReason).map(([k, v]) => `${k}: ${v}`).join(', ')})`)],
      metric('Output tok/s', (s) => s.outputTokenThroughput), metric('Requests/s', (s) => s.requestThroughput, 2),
      metric('TTFT median (ms)', (s) => s.ttftMs.median), metric('TTFT p90 (ms)', (s) => s.ttftMs.p90), metric('TTFT p99 (ms)', (s) => s.ttftMs.p99),
      metric('TPOT median (ms)', (s) => s.tpotMs.median, 2), metric('TPOT p99 (ms)', (s) => s.tpotMs.p99, 2),
      metric('E2E median (ms)', (s) => s.e2eMs.median), metric('E2E p99 (ms)', (s) => s.e2eMs.p99),
    ];
    const levelTables = r.levels.map((level) => {
      const points = r.targets.map((t) => r.points.find((p) => p.target === t.label && p.level.label === level.label));
      if (points.every((p) => !p)) return null;
      const ratioRows = r.ratios.filter((x) => x.level.label === level.label).map((x) => h('tr', null,
        h('th', { scope: 'row' }, `${x.metric} vs ${x.baseline}`),
        r.targets.map((t) => h('td', null, t.label === x.other ? `${fmt(x.median, 2)}× [${fmt(x.q1, 2)}–${fmt(x.q3, 2)}]` : ''))));
      return table(level.label, ['Metric', ...r.targets.map((t) => t.label)], [
        ...metrics.map(([name, value]) => h('tr', null, h('th', { scope: 'row' }, name), points.map((p) => h('td', null, p ? value(p.summary) : '–')))),
        ...ratioRows,
      ], { class: 'grid bench-level' });
    });
    replace(detail, h('section', { class: 'card', id: 'bench-report', 'aria-label': `Report ${id}` },
      h('h2', null, `Report ${id}${r.interrupted ? ' (interrupted)' : ''}`),
      h('p', { class: 'muted' }, `Started ${new Date(r.startedAt).toLocaleString()}; ${Object.entries(r.settings).map(([k, v]) => `${k} ${v}`).join(', ')}`),
      levelTables,
      r.ratios.length > 0 ? h('p', { class: 'muted' }, 'Ratios: median of per-round ratios to the first endpoint, [25th–75th percentile].') : null,
      h('div', { class: 'bench-images' },
        h('img', { src: `${base}/throughput.svg`, alt: 'Output throughput against median end-to-end latency, per endpoint and level', class: 'bench-chart' }),
        h('img', { src: `${base}/ttft.svg`, alt: 'Time to first token by level: median, p90, p99', class: 'bench-chart' }),
        h('img', { src: `${base}/tpot.svg`, alt: 'Time per output token by level: median, p90, p99', class: 'bench-chart' }))));
    if (ctx.params[0] !== id) history.replaceState(null, '', `#/bench/${encodeURIComponent(id)}`);
    detail.scrollIntoView({ block: 'start' });
  }

  replace(root, h('h1', null, 'Bench'),
    h('p', { class: 'muted' }, 'Runs scout bench on this server: streamed requests at each concurrency level, endpoint by endpoint in rounds. Every report is kept in the home folder with those of scout bench on the command line.'),
    form, live, reports, detail);
  try {
    await loadReports();
  } catch (e) {
    replace(reports, h('h2', null, 'Saved reports'), h('p', { class: 'error-text' }, e.message));
    return;
  }
  if (ctx.params[0]) await openReport(ctx.params[0]);
}
