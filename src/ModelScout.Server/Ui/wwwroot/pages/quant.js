// Quant: every quantization level of one model (`scout quant MODEL --json`): real bits per weight, file size, expected
// loss, what it needs here and whether it fits, with the guide's corrections.
import { h, replace } from '../lib/dom.js';
import { gb, gib, speed, field, table } from '../lib/dash.js';

export async function render(root, ctx) {
  const models = (await ctx.api.get('/ui/api/dash/models')).models;
  const model = h('select', { id: 'quant-model' }, models.map((m) => h('option', { value: m.id }, m.name)));
  const memory = h('input', { id: 'quant-memory', type: 'text', placeholder: 'this machine, or 24 (GiB)', size: 18 });
  const out = h('div');

  const load = async () => {
    const q = await ctx.api.get(`/ui/api/dash/quant?model=${encodeURIComponent(model.value)}${memory.value.trim() ? `&memory=${encodeURIComponent(memory.value.trim())}` : ''}`);
    replace(out,
      h('p', { role: 'status' }, q.recommended ? `Recommended: ${q.why}.` : `Nothing fits: ${q.why}`),
      table(`Levels of ${q.model} at ${q.context} tokens`, ['Level', 'Bits/weight', 'File', 'Quality loss', 'Needs', 'Runs on', 'tok/s', 'Guide says'], q.levels.map((l) => h('tr', { class: l.recommended ? 'recommended' : null, 'data-level': l.id },
        h('th', { scope: 'row' }, l.recommended ? `${l.id} (recommended)` : l.id), h('td', null, l.bitsPerWeight.toFixed(2)), h('td', null, gb(l.fileBytes)),
        h('td', null, l.lossInterpolated ? `~${l.expectedLossPct.toFixed(1)} % (interpolated)` : l.lossLowPct === l.lossHighPct ? `${l.lossLowPct} %` : `${l.lossLowPct}–${l.lossHighPct} %`),
        h('td', null, gib(l.needBytes)), h('td', null, l.placement), h('td', null, speed(l.speed)),
        h('td', null, l.guide ? `${l.guide.bits}, ${l.guide.size7B} for 7B: ${l.guide.bestFor}` : ''))), { id: 'quant-table' }),
      q.corrections.map((c) => h('p', { class: 'correction' }, `Correction: ${c}`)));
  };

  replace(root, h('h1', null, 'Quant'),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } }, field('Model', model), field('GPU budget', memory), h('button', { type: 'submit', class: 'primary' }, 'Show')),
    out);
  model.addEventListener('change', load);
  await load();
}
