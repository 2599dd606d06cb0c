// Arena: one prompt to two models, streamed side by side as A and B (sides drawn by the server, names hidden), a vote,
// then the names. Below: the leaderboard (Bradley–Terry with its uncertainty, Wilson win rates, votes still needed per
// pair) and the votes as JSON or CSV.
import { h, replace, fmt } from '../lib/dom.js';
import { field, table } from '../lib/dash.js';

export async function render(root, ctx) {
  const tags = await ctx.api.get('/api/tags');
  const names = tags.models.map((m) => m.name);
  const pick = (id) => h('select', { id }, h('option', { value: '' }, 'random'), names.map((n) => h('option', { value: n }, n)));
  const first = pick('arena-model-1');
  const second = pick('arena-model-2');
  const prompt = h('textarea', { id: 'arena-prompt', rows: 3, placeholder: 'What both models answer' });
  const start = h('button', { type: 'submit', class: 'primary', id: 'arena-start' }, 'Start battle');
  const battle = h('div', { class: 'arena-battle' });
  const board = h('div', { class: 'arena-board' });
  let abort = null;
  ctx.onDispose(() => abort && abort.abort());

  const run = async () => {
    const text = prompt.value.trim();
    if (!text) { prompt.focus(); return; }
    const models = first.value && second.value ? [first.value, second.value] : undefined;
    if ((first.value || second.value) && !models) { ctx.api.showError('pick both models, or leave both on random'); return; }
    if (abort) abort.abort();
    abort = new AbortController();
    const created = await ctx.api.post('/ui/api/arena/battles', { prompt: text, models });
    const sides = ['a', 'b'].map((side) => ({ side, out: h('div', { class: 'arena-output', id: `arena-out-${side}`, 'aria-live': 'off' }), name: h('p', { class: 'arena-name', id: `arena-name-${side}` }, `Model ${side.toUpperCase()}`), stats: h('p', { class: 'muted' }) }));
    const votes = h('div', { class: 'arena-votes', role: 'group', 'aria-label': 'Your vote' },
      [['a', 'A is better'], ['b', 'B is better'], ['tie', 'Tie'], ['both_bad', 'Both are bad']].map(([v, label]) =>
        h('button', { type: 'button', 'data-vote': v, disabled: true, onclick: () => vote(v) }, label)));
    const result = h('p', { role: 'status', id: 'arena-result' });
    replace(battle, h('div', { class: 'arena-sides' }, sides.map((s) => h('section', { class: 'card', 'aria-label': `Model ${s.side.toUpperCase()}` }, s.name, s.out, s.stats))), votes, result);

    const vote = async (v) => {
      for (const b of votes.querySelectorAll('button')) b.disabled = true;
      const r = await ctx.api.post(`/ui/api/arena/battles/${encodeURIComponent(created.id)}/vote`, { vote: v });
      sides[0].name.textContent = `A: ${r.modelA}`;
      sides[1].name.textContent = `B: ${r.modelB}`;
      result.textContent = `Vote stored (${v.replace('_', ' ')}). A was ${r.modelA}, B was ${r.modelB}.`;
      await leaderboard();
    };

    const streamSide = async (s) => {
      let pending = '';
      let scheduled = false;
      const flush = () => { scheduled = false; s.out.append(document.createTextNode(pending)); pending = ''; };
      await ctx.api.stream(`/ui/api/arena/battles/${encodeURIComponent(created.id)}/${s.side}`, {}, (e) => {
        if (e.done) {
          s.stats.textContent = `${e.tokens} tokens in ${fmt(e.seconds, 2)} s${e.tokensPerSecond ? ` · ${fmt(e.tokensPerSecond, 1)} tok/s` : ''}`;
          return;
        }
        pending += e.text;
        if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
      }, { signal: abort.signal });
      if (pending) flush();
    };
    try {
      await Promise.all(sides.map(streamSide));
    } catch (e) {
      if (e.name === 'AbortError') return;
      result.textContent = `A side failed: ${e.message}. You can still vote on what arrived.`;
    }
    for (const b of votes.querySelectorAll('button')) b.disabled = false;
    votes.querySelector('button').focus();
  };

  const leaderboard = async () => {
    const lb = await ctx.api.get('/ui/api/arena/leaderboard');
    if (lb.votes === 0) { replace(board, h('h2', null, 'Leaderboard'), h('p', { class: 'muted' }, 'No votes yet.')); return; }
    replace(board, h('h2', null, 'Leaderboard'),
      h('p', { class: 'muted', id: 'arena-votes-count' }, `${lb.votes} vote${lb.votes === 1 ? '' : 's'}.${lb.regularized ? ' A model won or lost every vote, so each pair got one virtual tie to keep the ratings finite.' : ''}`),
      table('Models', ['Model', 'Rating (95 %)', 'Votes', 'Won', 'Lost', 'Tie', 'Both bad', 'Win rate (95 % Wilson)'], lb.models.map((m) => h('tr', { 'data-model': m.model },
        h('th', { scope: 'row' }, m.model),
        h('td', null, m.rating === undefined || m.rating === null ? 'not on a common scale' : `${fmt(m.rating, 0)} (${fmt(m.ratingLow, 0)}–${fmt(m.ratingHigh, 0)})`),
        h('td', { 'data-col': 'votes' }, String(m.votes)), h('td', { 'data-col': 'wins' }, String(m.wins)), h('td', null, String(m.losses)), h('td', null, String(m.ties)), h('td', null, String(m.bothBad)),
        h('td', null, `${fmt(m.score * 100, 0)} % (${fmt(m.scoreLow * 100, 0)}–${fmt(m.scoreHigh * 100, 0)} %)`))), { id: 'arena-models' }),
      table('Pairs', ['A', 'B', 'Votes', 'A won', 'B won', 'Ties', 'A\u2019s score (95 %)', 'Apart?'], lb.pairs.map((p) => h('tr', null,
        h('td', null, p.modelA), h('td', null, p.modelB), h('td', null, String(p.votes)), h('td', null, String(p.winsA)), h('td', null, String(p.winsB)), h('td', null, String(p.ties)),
        h('td', null, `${fmt(p.scoreA * 100, 0)} % (${fmt(p.scoreLow * 100, 0)}–${fmt(p.scoreHigh * 100, 0)} %)`),
        h('td', null, p.separated ? 'yes, at 95 %' : p.moreVotesNeeded === null || p.moreVotesNeeded === undefined ? 'even so far' : `about ${p.moreVotesNeeded} more votes`))), { id: 'arena-pairs' }),
      h('p', { class: 'muted' }, lb.method),
      h('p', null, 'Export the votes: ', h('a', { href: '/ui/api/arena/votes?format=json', download: 'arena-votes.json' }, 'JSON'), ' · ',
        h('a', { href: '/ui/api/arena/votes?format=csv', download: 'arena-votes.csv' }, 'CSV'), ' (one line per vote with both replies and a score per side, for paired analysis).'));
  };

  replace(root, h('h1', null, 'Arena'),
    h('p', { class: 'muted' }, 'Both models answer the same prompt; you see them as A and B only. Vote, then see who was who.'),
    names.length < 2 ? h('p', { class: 'warning' }, `The arena needs two models in the store; it has ${names.length}. Pull or import another on the Store page.`) : null,
    h('form', { class: 'arena-form', onsubmit: (e) => { e.preventDefault(); run(); } },
      field('Prompt', prompt), h('div', { class: 'filters' }, field('First model', first), field('Second model', second)), start),
    battle, board);
  prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); run(); } });
  await leaderboard();
}
