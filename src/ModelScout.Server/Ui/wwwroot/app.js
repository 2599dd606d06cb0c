// The single page: session and login, the navigation, and the hash router (#/NAME/rest). Each page is
// pages/NAME.js exporting `async function render(root, ctx)`; pages the server does not have show as "coming".
import * as api from './lib/api.js';
import { h, replace } from './lib/dom.js';

/** Every page of the UI, in navigation order. */
export const PAGES = [
  ['chat', 'Chat'], ['arena', 'Arena'], ['machine', 'This machine'], ['catalog', 'Catalog'], ['store', 'Store'],
  ['bench', 'Bench'], ['eval', 'Eval'], ['quant', 'Quant'], ['cost', 'Cost'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const errors = document.getElementById('errors');
const logout = document.getElementById('logout');
let session = null;
let current = null; // {name, dispose}

api.onError((message) => {
  const item = h('div', { class: 'error' }, h('span', null, message),
    h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  errors.append(item);
  while (errors.children.length > 3) errors.firstChild.remove();
});

window.addEventListener('scout:login-required', () => { if (session) { session.logged_in = false; route(); } });

// Log out (shown when the server has an API key): the server forgets the session and clears its cookie.
logout.addEventListener('click', async () => {
  try { await api.post('/ui/api/logout'); } catch { /* already ended: log in again all the same */ }
  api.setCsrf(null);
  session.logged_in = false;
  route();
});

function buildNav() {
  const have = new Set(session.pages);
  replace(nav, h('ul', null, PAGES.map(([name, title]) => h('li', null, have.has(name)
    ? h('a', { href: `#/${name}`, 'data-page': name }, title)
    : h('span', { class: 'coming', title: 'coming in a later version', 'data-page': name }, title, h('small', null, ' coming'))))));
}

function markCurrent(name) {
  for (const a of nav.querySelectorAll('a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function loginPage() {
  const key = h('input', { type: 'password', id: 'login-key', name: 'key', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'muted', id: 'login-message', role: 'status' });
  const form = h('form', { class: 'login card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      session = await api.post('/ui/api/login', { key: key.value }, { quiet: true });
      api.setCsrf(session.csrf);
      buildNav();
      route();
    } catch (err) {
      message.textContent = err.message;
      message.className = 'error-text';
    }
  } },
  h('h1', null, 'Log in'),
  h('p', null, 'This scout serve needs its API key (the one given with --api-key or SCOUT_API_KEY).'),
  h('label', { for: 'login-key' }, 'API key'), key,
  h('button', { type: 'submit', class: 'primary' }, 'Log in'), message);
  replace(main, form);
  key.focus();
}

async function route() {
  logout.hidden = !(session && session.logged_in && session.auth_required);
  if (current && current.dispose) { try { current.dispose(); } catch { /* page already gone */ } }
  current = null;
  if (!session || !session.logged_in) { nav.hidden = true; return loginPage(); }
  nav.hidden = false;
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  const page = name || 'chat';
  if (!name) { history.replaceState(null, '', '#/chat'); }
  current = { name: page };
  markCurrent(page);
  const title = (PAGES.find(([n]) => n === page) || [page, page])[1];
  document.title = `${title} · ModelScout`;
  if (!session.pages.includes(page)) {
    replace(main, h('section', { class: 'card' }, h('h1', null, title), h('p', null, 'This page is coming in a later version of ModelScout.')));
    return;
  }
  const root = h('section', { class: `page page-${page}` });
  replace(main, root);
  const ctx = {
    api, session, params: rest.map(decodeURIComponent),
    onDispose: (fn) => { if (current && current.name === page) current.dispose = fn; },
    navigate: (to) => { location.hash = to; },
  };
  try {
    const mod = await import(`./pages/${page}.js`);
    await mod.render(root, ctx);
  } catch (e) {
    if (e.name === 'AbortError') return;
    api.showError(`the ${title} page failed: ${e.message}`);
  }
}

async function start() {
  try {
    session = await api.get('/ui/api/session');
  } catch {
    replace(main, h('p', { class: 'error-text' }, 'scout serve did not answer; reload once it runs.'));
    return;
  }
  api.setCsrf(session.csrf);
  buildNav();
  window.addEventListener('hashchange', route);
  route();
}

start();
