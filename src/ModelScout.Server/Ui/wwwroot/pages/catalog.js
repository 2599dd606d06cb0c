// Catalog: the models (`scout models --json`), licence verdicts for the use the user describes (`scout license --json`,
// with the guide's corrections), a model's guide claims checked (`scout show --json`), and side-by-side compare
// (`scout compare --json`).
import { h, replace, safeUrl } from '../lib/dom.js';
import { gb, params, field, table } from '../lib/dash.js';

const VERDICT = { allowed: 'allowed', conditions: 'allowed with conditions', 'not-allowed': 'not allowed' };

export async function render(root, ctx) {
  const hosted = h('input', { id: 'cat-hosted', type: 'checkbox' });
  const commercial = h('input', { id: 'lic-commercial', type: 'checkbox' });
  const saas = h('input', { id: 'lic-saas', type: 'checkbox' });
  const mau = h('input', { id: 'lic-mau', type: 'text', placeholder: 'e.g. 800M', size: 10 });
  const status = h('p', { class: 'muted', role: 'status' });
  const list = h('div');
  const panel = h('div', { class: 'catalog-panel' });
  const verdicts = new Map();
  let doc = null;

  const selected = () => [...list.querySelectorAll('input[data-compare]:checked')].map((c) => c.getAttribute('data-compare'));

  const draw = () => {
    replace(list, table('Catalog models', ['Compare', 'Model', 'Parameters', 'Context', 'Licence', 'MMLU', 'HumanEval', 'Q4_K_M file', 'Best for', 'Verdict'],
      doc.models.map((m) => {
        const v = verdicts.get(m.id);
        return h('tr', { 'data-id': m.id },
          h('td', null, h('input', { type: 'checkbox', 'data-compare': m.id, 'aria-label': `Compare ${m.name}` })),
          h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => show(m) }, m.name)),
          h('td', null, params(m.parameters) + (m.activeParameters ? ` (${params(m.activeParameters)} active)` : '')),
          h('td', null, m.contextMax ? String(m.contextMax) : '–'),
          h('td', null, m.license || 'API terms'),
          h('td', null, m.mmlu ?? '–'), h('td', null, m.humanEval ?? '–'),
          h('td', null, gb(m.q4KmBytes)),
          h('td', null, m.bestFor.join(', ')),
          h('td', { class: v ? `verdict ${v.overall}` : null, 'data-col': 'verdict' }, v ? VERDICT[v.overall] || v.overall : ''));
      }), { id: 'catalog-table' }));
  };

  const load = async () => {
    doc = await ctx.api.get(`/ui/api/dash/models${hosted.checked ? '?hosted=1' : ''}`);
    draw();
  };

  const query = () => `commercial=${commercial.checked ? 1 : 0}&saas=${saas.checked ? 1 : 0}${mau.value.trim() ? `&mau=${encodeURIComponent(mau.value.trim())}` : ''}`;

  const checkAll = async () => {
    const open = doc.models.filter((m) => m.kind !== 'hosted');
    status.textContent = `Checking ${open.length} licences…`;
    for (const m of open) {
      try {
        const r = await ctx.api.get(`/ui/api/dash/license?model=${encodeURIComponent(m.id)}&${query()}`, { quiet: true });
        const order = ['not-allowed', 'conditions', 'allowed'];
        const overall = r.reports.map((x) => x.overall).sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
        verdicts.set(m.id, { overall, doc: r });
      } catch (e) {
        verdicts.set(m.id, { overall: 'error', doc: null, error: e.message });
      }
    }
    status.textContent = `Licences checked for: ${describe()}. The best checkpoint of each model decides its verdict; open a model for the clauses.`;
    draw();
  };

  const describe = () => [commercial.checked ? 'commercial use' : null, saas.checked ? 'a hosted service' : null, mau.value.trim() ? `${mau.value.trim()} monthly users` : null].filter(Boolean).join(', ') || 'private use';

  const show = async (m) => {
    const [info, lic] = await Promise.all([
      ctx.api.get(`/ui/api/dash/show?model=${encodeURIComponent(m.id)}`),
      m.kind === 'hosted' ? Promise.resolve(null) : ctx.api.get(`/ui/api/dash/license?model=${encodeURIComponent(m.id)}&${query()}`),
    ]);
    replace(panel, h('section', { class: 'card', id: 'model-panel', 'aria-label': m.name },
      h('h2', null, m.name),
      info.guideClaims.length ? table('What the guide claims, checked', ['Claim', 'Verdict', 'Why'],
        info.guideClaims.map((c) => h('tr', null, h('td', null, c.claim), h('td', null, c.verdict), h('td', null, c.text)))) : null,
      lic ? lic.reports.map((r) => h('div', { class: 'licence' },
        h('h3', null, `${r.checkpoint}: ${r.licenseName} — ${VERDICT[r.overall] || r.overall} for ${describe()}`),
        h('ul', null, r.answers.map((a) => h('li', null, h('strong', null, `${a.question}: ${VERDICT[a.verdict] || a.verdict}. `), a.text, a.clause ? h('span', { class: 'muted' }, ` (${a.clause})`) : null))),
        r.guideSays ? h('p', null, `The guide says: ${r.guideSays}`) : null,
        r.corrections.map((c) => h('p', { class: 'correction' }, `Correction: ${c}`)),
        safeUrl(r.url) ? h('p', null, h('a', { href: safeUrl(r.url), rel: 'noopener noreferrer', target: '_blank' }, 'Licence text'))
          : r.url ? h('p', null, 'Licence text: ', h('code', null, r.url)) : null)) : null));
  };

  const compare = async () => {
    const ids = selected();
    if (ids.length < 2) { status.textContent = 'Tick two models or more to compare them.'; return; }
    const c = await ctx.api.get(`/ui/api/dash/compare?${ids.map((i) => `model=${encodeURIComponent(i)}`).join('&')}`);
    const benches = [...new Set(c.models.flatMap((m) => Object.keys(m.scores)))];
    const rows = [
      ['Parameters', (m) => params(m.parameters)], ['Context', (m) => (m.context ? String(m.context) : '–')], ['Licence', (m) => m.license || 'API terms'],
      ...benches.map((b) => [b, (m) => { const s = m.scores[b]; return !s ? '–' : s.value !== null && s.value !== undefined ? `${s.value}${s.verified ? '' : '*'}${s.basis ? ` (${s.basis})` : ''}` : s.guide ? `guide ${s.guide}*` : '–'; }]),
      ['Q4_K_M file', (m) => gb(m.q4KmBytes)],
    ];
    replace(panel, h('section', { class: 'card', id: 'compare-panel', 'aria-label': 'Comparison' },
      table('Side by side', ['', ...c.models.map((m) => m.name)], rows.map(([label, f]) => h('tr', null, h('th', { scope: 'row' }, label), c.models.map((m) => h('td', null, f(m)))))),
      c.notes.map((n) => h('p', { class: 'muted' }, n))));
  };

  replace(root, h('h1', null, 'Catalog'),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); checkAll(); } },
      h('label', { class: 'check', for: 'cat-hosted' }, hosted, ' include hosted models'),
      h('fieldset', null, h('legend', null, 'My use'),
        h('label', { class: 'check', for: 'lic-commercial' }, commercial, ' commercial'),
        h('label', { class: 'check', for: 'lic-saas' }, saas, ' hosted service (SaaS)'),
        field('Monthly active users', mau)),
      h('button', { type: 'submit', class: 'primary', id: 'lic-check' }, 'Check licences'),
      h('button', { type: 'button', id: 'compare', onclick: compare }, 'Compare ticked')),
    status, list, panel);
  hosted.addEventListener('change', load);
  await load();
}
