// This machine: the hardware and the `scout fit` table (the same document as `scout fit --all --json`), with filters;
// a row opens its memory breakdown per device and every command that runs it.
import { h, replace } from '../lib/dom.js';
import { gib, speed, field, table } from '../lib/dash.js';

const PLACEMENTS = {
  'full-gpu': 'GPU', 'experts-on-cpu': 'GPU + experts on CPU', 'partial-offload': 'GPU + CPU', 'cpu-only': 'CPU', 'does-not-fit': 'does not fit',
};

export async function render(root, ctx) {
  const context = h('select', { id: 'fit-context' }, ['4K', '8K', '16K', '32K', '128K'].map((c) => h('option', { value: c, selected: c === '8K' }, c)));
  const prefer = h('select', { id: 'fit-prefer' }, ['balanced', 'quality', 'speed'].map((p) => h('option', { value: p }, p)));
  const search = h('input', { id: 'fit-search', type: 'search', placeholder: 'name or id' });
  const fitsOnly = h('input', { id: 'fit-only', type: 'checkbox', checked: true });
  const where = h('select', { id: 'fit-where' }, h('option', { value: '' }, 'anywhere'),
    Object.entries(PLACEMENTS).filter(([k]) => k !== 'does-not-fit').map(([k, v]) => h('option', { value: k }, v)));
  const hardware = h('div', { class: 'hardware' });
  const summary = h('p', { class: 'muted', role: 'status' });
  const body = h('div', { class: 'fit-table' });
  const details = h('div', { class: 'fit-details' });
  let doc = null;

  replace(root,
    h('h1', null, 'This machine'),
    hardware,
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      field('Context', context), field('Prefer', prefer), field('Search', search), field('Runs on', where),
      h('label', { class: 'check', for: 'fit-only' }, fitsOnly, ' only models that fit')),
    summary, body, details);

  const load = async () => {
    summary.textContent = 'Planning every model…';
    doc = await ctx.api.get(`/ui/api/dash/fit?context=${encodeURIComponent(context.value)}&prefer=${encodeURIComponent(prefer.value)}`);
    showHardware(hardware, doc);
    draw();
  };

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const rows = doc.models.filter((m) => (!fitsOnly.checked || m.fits)
      && (!q || m.name.toLowerCase().includes(q) || m.id.toLowerCase().includes(q) || (m.ollamaTag || '').toLowerCase().includes(q))
      && (!where.value || (m.best && m.best.placement === where.value)));
    const fitting = doc.models.filter((m) => m.fits).length;
    summary.textContent = `${fitting} of ${doc.models.length} models run here at ${doc.context} tokens of context (KV cache ${doc.kvCacheType}); showing ${rows.length}.`;
    replace(body, table('Models on this machine', ['Model', 'Quant', 'Runs on', 'GPU mem', 'RAM', 'tok/s', ''], rows.map((m) => row(m, () => showDetails(details, m))), { id: 'fit-table' }));
  };

  for (const c of [context, prefer]) c.addEventListener('change', load);
  for (const c of [search, fitsOnly, where]) c.addEventListener('input', draw);
  await load();
}

function gpuTotal(best) {
  return best.memory.gpus.reduce((s, g) => s + g.totalBytes, 0);
}

function row(m, open) {
  const b = m.best;
  const cells = b && m.fits
    ? [b.quant, PLACEMENTS[b.placement] || b.placement, gpuTotal(b) > 0 ? gib(gpuTotal(b)) : '–', gib(b.memory.host.totalBytes), speed(b.speed)]
    : ['–', `does not fit: ${m.why}`, '', '', ''];
  return h('tr', { 'data-id': m.id, class: m.fits ? null : 'no-fit' },
    h('th', { scope: 'row' }, m.name),
    cells.map((c, i) => h('td', { 'data-col': ['quant', 'placement', 'gpu', 'ram', 'speed'][i] }, c)),
    h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `Details of ${m.name}`, onclick: open }, 'Details')));
}

function showHardware(el, doc) {
  const m = doc.machine;
  replace(el, h('dl', { class: 'facts' },
    h('dt', null, 'CPU'), h('dd', null, `${m.cpu.model} · ${m.cpu.cores} cores / ${m.cpu.threads} threads · ${m.cpu.architecture}`),
    h('dt', null, 'RAM'), h('dd', null, `${gib(m.ram.totalBytes)} (${gib(m.ram.availableBytes)} free) · ${m.ram.bandwidthGBps.toFixed(0)} GB/s (${m.ram.bandwidthBasis})`),
    m.gpus.length === 0 ? [h('dt', null, 'GPU'), h('dd', null, 'none found')]
      : m.gpus.map((g) => [h('dt', null, `GPU ${g.index}`), h('dd', null, `${g.name} · ${gib(g.totalBytes)} (${gib(g.freeBytes)} free) · ${g.backend}${g.bandwidthGBps ? ` · ${g.bandwidthGBps} GB/s` : ''}`)])),
  m.warnings.map((w) => h('p', { class: 'warning' }, `warning: ${w}`)),
  m.assumptions.map((a) => h('p', { class: 'muted' }, `assumed: ${a}`)));
}

function showDetails(el, m) {
  const b = m.best;
  const devices = b ? [b.memory.host, ...b.memory.gpus] : [];
  const commands = [...m.commands];
  if (m.runtime && m.runtime.command && !commands.some((c) => c.command === m.runtime.command)) commands.unshift({ runtime: m.runtime.name, command: m.runtime.command, notes: [] });
  replace(el, h('section', { class: 'card', id: 'fit-details', 'aria-label': `Details of ${m.name}` },
    h('h2', null, m.name),
    h('p', null, m.why),
    b ? table(`Memory of ${m.name} at ${b.quant}, per device`, ['Device', 'Weights', 'KV cache', 'Compute', 'Output', 'Overhead', 'Total', 'Layers'],
      devices.map((d) => h('tr', null, h('th', { scope: 'row' }, `${d.device} (${d.backend})`),
        [d.weightsBytes, d.kvCacheBytes, d.computeBytes, d.outputBytes, d.overheadBytes, d.totalBytes].map((x) => h('td', { 'data-bytes': x }, gib(x))),
        h('td', null, String(d.layers))))) : null,
    m.runtime ? h('p', null, `Suggested runtime: ${m.runtime.name} — ${m.runtime.reason}`) : null,
    h('h3', null, 'Commands'),
    commands.length ? h('ul', { class: 'commands' }, commands.map((c) => h('li', null, h('span', { class: 'muted' }, `${c.runtime}: `), h('code', null, c.command),
      c.notes.length ? h('div', { class: 'muted' }, c.notes.join(' ')) : null))) : h('p', null, 'No command: the model does not fit.'),
    m.vllm ? h('p', { class: 'muted' }, `vLLM: ${m.vllm.fits ? 'fits' : 'does not fit'} (tensor parallel ${m.vllm.tensorParallel}, ${m.vllm.checkpoint}) — ${m.vllm.reason}`) : null,
    m.notes.map((n) => h('p', { class: 'muted' }, n))));
  el.querySelector('h2').setAttribute('tabindex', '-1');
  el.querySelector('h2').focus();
}
