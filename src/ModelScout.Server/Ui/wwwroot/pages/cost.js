// Cost: hosted API prices against self-hosting for a daily token volume (`scout cost --json`).
import { h, replace } from '../lib/dom.js';
import { field, table } from '../lib/dash.js';

export async function render(root, ctx) {
  const tokens = h('input', { id: 'cost-tokens', type: 'text', value: '10M', size: 10 });
  const model = h('input', { id: 'cost-model', type: 'text', placeholder: "the guide's enterprise pick", size: 24 });
  const share = h('input', { id: 'cost-share', type: 'number', min: 0, max: 1, step: 0.05, value: 0.75 });
  const out = h('div');
  const money = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const load = async () => {
    const c = await ctx.api.get(`/ui/api/dash/cost?tokensPerDay=${encodeURIComponent(tokens.value.trim())}&inputShare=${encodeURIComponent(share.value)}${model.value.trim() ? `&model=${encodeURIComponent(model.value.trim())}` : ''}`);
    replace(out,
      h('p', null, `${c.tokensPerDay.toLocaleString('en-US')} tokens a day (${Math.round(c.inputShare * 100)} % input); self-hosting ${c.model} ${c.quant} on ${c.machine.name}; ${c.machinesNeeded} machine${c.machinesNeeded === 1 ? '' : 's'} needed.`),
      table('Cost per option', ['Option', 'USD per day', 'USD per month', 'USD per 1M tokens', 'Basis'], [...c.lines].sort((a, b) => a.usdPerDay - b.usdPerDay).map((l) => h('tr', null,
        h('th', { scope: 'row' }, l.option), h('td', { 'data-usd': l.usdPerDay }, money(l.usdPerDay)), h('td', null, money(l.usdPerDay * 30)), h('td', null, l.usdPerMillionTokens.toFixed(3)), h('td', null, l.basis))), { id: 'cost-table' }),
      c.breakEven ? h('p', null, c.breakEven) : null,
      h('p', null, c.guideClaim),
      c.notes.map((n) => h('p', { class: 'muted' }, n)));
  };

  replace(root, h('h1', null, 'Cost'),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } },
      field('Tokens per day', tokens), field('Input share', share), field('Model', model), h('button', { type: 'submit', class: 'primary' }, 'Compare')),
    out);
  await load();
}
