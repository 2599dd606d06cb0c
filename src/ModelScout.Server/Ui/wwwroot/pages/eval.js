// Eval: the runs in the eval database (`scout eval list --json`), a run's report beside the published scores
// (`scout eval report RUN --json`), and two runs compared with the verdict (`scout eval compare A B --json`).
import { h, replace, fmt } from '../lib/dom.js';
import { field, table } from '../lib/dash.js';

export async function render(root, ctx) {
  const out = h('div');
  let list;
  try {
    list = await ctx.api.get('/ui/api/dash/eval/runs', { quiet: true });
  } catch (e) {
    replace(root, h('h1', null, 'Eval'), h('p', null, e.message), h('p', { class: 'muted' }, 'Run `scout eval` first; its runs show here.'));
    return;
  }
  const names = list.runs.map((r) => r.run.name);
  const pick = (id, i) => h('select', { id }, names.map((n, j) => h('option', { value: n, selected: j === i }, n)));
  const a = pick('eval-a', 0);
  const b = pick('eval-b', Math.min(1, names.length - 1));

  const report = async (name) => {
    const r = await ctx.api.get(`/ui/api/dash/eval/report?run=${encodeURIComponent(name)}`);
    replace(out, h('section', { class: 'card', id: 'eval-report', 'aria-label': `Report of ${name}` },
      h('h2', null, `${r.run.name}: ${r.run.model}`),
      r.catalogModel ? h('p', null, `Catalog model: ${r.catalogModel.name}`) : r.catalogNote ? h('p', { class: 'muted' }, r.catalogNote) : null,
      table('Suites beside published scores', ['Suite', 'Scored', 'Score (95 %)', 'Published', 'Extraction failures', 'Mean latency'], r.suites.map((s) => h('tr', null,
        h('th', { scope: 'row' }, s.suite), h('td', null, String(s.scored)),
        h('td', null, s.score === null || s.score === undefined ? '–' : `${fmt(s.score, 1)}${s.ci95 ? ` (${fmt(s.ci95.lower, 1)}–${fmt(s.ci95.upper, 1)})` : ''}`),
        h('td', null, s.published ? `${fmt(s.published.value, 1)}${s.published.verified ? '' : '*'} (${s.published.basis})` : '–'),
        h('td', null, `${fmt(s.extractionFailureRate * 100, 1)} %`), h('td', null, s.meanLatencyMs ? `${fmt(s.meanLatencyMs, 0)} ms` : '–'))))));
  };

  const compare = async () => {
    const c = await ctx.api.get(`/ui/api/dash/eval/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`);
    replace(out, h('section', { class: 'card', id: 'eval-compare', 'aria-label': 'Comparison' },
      h('h2', null, `${c.runB.name} against ${c.runA.name}: ${c.verdict}`),
      table(`B − A, margin ${c.marginPoints} points`, ['Suite', 'Paired', 'A', 'B', 'B − A (95 %)', 'Verdict', 'Summary'], c.suites.map((s) => h('tr', null,
        h('th', { scope: 'row' }, s.suite), h('td', null, String(s.paired)), h('td', null, fmt(s.scoreA, 1)), h('td', null, fmt(s.scoreB, 1)),
        h('td', null, `${fmt(s.difference, 1)} (${fmt(s.lower, 1)} to ${fmt(s.upper, 1)})`), h('td', null, s.verdict), h('td', null, s.summary)))),
      c.skipped.map((s) => h('p', { class: 'muted' }, `Skipped ${s.suite}: ${s.reason}`))));
  };

  replace(root, h('h1', null, 'Eval'),
    list.runs.length === 0 ? h('p', null, `No runs in ${list.db} yet; run scout eval first.`)
      : table(`Runs in ${list.db}`, ['Run', 'Model', 'Endpoint', 'Status', 'Suites', ''], list.runs.map((r) => h('tr', null,
        h('th', { scope: 'row' }, r.run.name), h('td', null, r.run.model), h('td', null, r.run.endpoint), h('td', null, r.run.status),
        h('td', null, r.suites.map((s) => `${s.suite} ${fmt(s.score, 1)}`).join(', ')),
        h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `Report of ${r.run.name}`, onclick: () => report(r.run.name) }, 'Report'))))),
    names.length >= 2 ? h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); compare(); } }, field('Run A', a), field('Run B', b), h('button', { type: 'submit', class: 'primary' }, 'Compare')) : null,
    out);
}
