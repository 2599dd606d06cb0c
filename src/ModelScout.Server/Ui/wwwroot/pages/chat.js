// Chat playground: model picker (with load and pull), streaming chat through Ollama's /api/chat with Stop, regenerate
// (replies kept as branches), edit and resend, a system prompt and a sampler panel, live speed under each reply, and
// conversations kept server-side (/ui/api/conversations). Model output is only ever inserted as text, or as HTML the
// server rendered and sanitized (/ui/api/render).
import { h, replace, trustedHtml, fmt, bytes } from '../lib/dom.js';
import { pullControl, storedName } from '../lib/pull.js';

const SAMPLERS = [
  // [option, label, step, min, max]
  ['temperature', 'Temperature', 0.05, 0, 2],
  ['top_p', 'Top p', 0.05, 0, 1],
  ['top_k', 'Top k', 1, 0, 1000],
  ['min_p', 'Min p', 0.01, 0, 1],
  ['repeat_penalty', 'Repeat penalty', 0.05, 0, 3],
  ['seed', 'Seed', 1, null, null],
  ['num_predict', 'Max tokens', 1, -1, null],
  ['num_ctx', 'Context size', 256, 256, null],
];

// The least time between two writes of a streaming reply to the page, in ms (the writes are also one per animation frame).
const WRITE_GAP_MS = 50;

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`).replace(/[^A-Za-z0-9-]/g, '');

function emptyConversation() {
  return { id: newId(), title: 'New chat', model: null, body: { system: '', options: {}, format: '', nodes: {}, roots: [], rootSel: 0 } };
}

/** The messages along the selected branch, root first. */
function selectedPath(body) {
  const out = [];
  let list = body.roots;
  let sel = body.rootSel;
  while (list.length) {
    const node = body.nodes[list[Math.min(sel, list.length - 1)]];
    if (!node) break;
    out.push(node);
    list = node.children;
    sel = node.sel;
  }
  return out;
}

function siblingsOf(body, node) {
  return node.parent ? body.nodes[node.parent].children : body.roots;
}

function addNode(body, parentId, fields) {
  const node = { id: newId(), parent: parentId, children: [], sel: 0, content: '', ...fields };
  body.nodes[node.id] = node;
  if (parentId) {
    const p = body.nodes[parentId];
    p.children.push(node.id);
    p.sel = p.children.length - 1;
  } else {
    body.roots.push(node.id);
    body.rootSel = body.roots.length - 1;
  }
  return node;
}

/** Ollama's Modelfile parameters ("temperature 0.8" lines) as an object. */
function parseParameters(text) {
  const out = {};
  for (const line of (text || '').split('\n')) {
    const m = line.trim().match(/^(\S+)\s+(.+)$/);
    if (m) out[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return out;
}

export async function render(root, ctx) {
  const { api } = ctx;
  let conv = emptyConversation();
  let controller = null; // the running generation's AbortController
  let defaults = {};

  // ----- elements -----
  const search = h('input', { type: 'search', id: 'conv-search', placeholder: 'Search chats', 'aria-label': 'Search conversations' });
  const convList = h('ul', { class: 'conv-list', id: 'conv-list' });
  const importInput = h('input', { type: 'file', id: 'conv-import', accept: 'application/json,.json', class: 'sr-only' });
  const sidebar = h('aside', { class: 'conv-side', 'aria-label': 'Conversations' },
    h('button', { type: 'button', class: 'primary', id: 'new-chat', onclick: () => open(null) }, 'New chat'),
    search, convList,
    h('div', { class: 'row' },
      h('a', { href: '/ui/api/conversations/export', download: 'modelscout-conversations.json', id: 'conv-export' }, 'Export all'),
      h('label', { for: 'conv-import', class: 'inline-label' }, 'Import…'), importInput));

  const modelSelect = h('select', { id: 'model-select', 'aria-label': 'Model' });
  const modelState = h('span', { id: 'model-state', class: 'muted', role: 'status' });
  const loadButton = h('button', { type: 'button', id: 'model-load' }, 'Load');
  const pullName = h('input', { type: 'text', id: 'pull-name', placeholder: 'model to pull, e.g. qwen3:0.6b', 'aria-label': 'Model to pull' });
  const pullBar = h('progress', { id: 'pull-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Pull progress' });
  const pullStatus = h('span', { id: 'pull-status', class: 'muted', role: 'status' });
  const pullCancel = h('button', { type: 'button', id: 'pull-cancel', hidden: true }, 'Cancel');
  const pullButton = h('button', { type: 'button', id: 'pull-start' }, 'Pull');
  const loadBar = h('progress', { id: 'load-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Load progress' });
  const offerText = h('span', { id: 'pull-offer-text' });
  const offerButton = h('button', { type: 'button', class: 'primary', id: 'pull-offer-start' }, 'Pull');
  const pullOffer = h('div', { id: 'pull-offer', class: 'row pull-offer', hidden: true, role: 'group', 'aria-label': 'Not downloaded' }, offerText, offerButton);
  const system = h('textarea', { id: 'system-prompt', rows: 2, placeholder: 'You are a helpful assistant.', 'aria-label': 'System prompt' });
  const messages = h('div', { id: 'messages', class: 'messages', 'aria-live': 'polite' });
  const prompt = h('textarea', { id: 'prompt', rows: 3, placeholder: 'Message (Enter sends, Shift+Enter new line, Esc stops)', 'aria-label': 'Message' });
  const sendButton = h('button', { type: 'submit', class: 'primary', id: 'send' }, 'Send');
  const stopButton = h('button', { type: 'button', id: 'stop', disabled: true, onclick: () => stop() }, 'Stop');
  const samplerInputs = {};
  const format = h('select', { id: 'opt-format' }, h('option', { value: '' }, 'text'), h('option', { value: 'json' }, 'JSON'), h('option', { value: 'schema' }, 'JSON schema'));
  const schema = h('textarea', { id: 'opt-schema', rows: 4, hidden: true, placeholder: '{"type":"object",…}', 'aria-label': 'JSON schema' });
  format.addEventListener('change', () => { schema.hidden = format.value !== 'schema'; });
  const sampler = h('aside', { class: 'sampler card', 'aria-label': 'Sampler' }, h('h2', null, 'Sampler'),
    SAMPLERS.map(([key, label, step, min, max]) => {
      const input = h('input', { type: 'number', id: `opt-${key}`, name: key, step, min: min ?? false, max: max ?? false });
      samplerInputs[key] = input;
      return [h('label', { for: `opt-${key}` }, label), input];
    }),
    h('label', { for: 'opt-format' }, 'Output'), format, schema,
    h('p', { class: 'muted small' }, 'Empty fields use the model\u2019s defaults (shown greyed).'));

  const composer = h('form', { class: 'composer', id: 'composer', onsubmit: (e) => { e.preventDefault(); send(); } },
    prompt, h('div', { class: 'row' }, sendButton, stopButton));
  replace(root, h('div', { class: 'chat-layout' }, sidebar,
    h('div', { class: 'chat-main' },
      h('h1', { class: 'sr-only' }, 'Chat'),
      h('div', { class: 'row model-bar' }, h('label', { for: 'model-select', class: 'inline-label' }, 'Model'), modelSelect, modelState, loadButton),
      loadBar, pullOffer,
      h('details', { class: 'pull' }, h('summary', null, 'Pull a model by name'), h('div', { class: 'row' }, pullName, pullButton)),
      h('div', { class: 'row' }, pullCancel, pullStatus), pullBar,
      h('details', { class: 'system', id: 'system-box' }, h('summary', null, 'System prompt'), system),
      messages, composer),
    sampler));

  // ----- keyboard -----
  prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  const onKey = (e) => { if (e.key === 'Escape' && controller) { e.preventDefault(); stop(); } };
  document.addEventListener('keydown', onKey);
  ctx.onDispose(() => { document.removeEventListener('keydown', onKey); if (controller) controller.abort(); });

  // ----- models -----
  // The picker: stored models first (loaded or not, from /api/ps), then the catalog's models not downloaded yet, each
  // with the name `scout pull` takes (its Ollama tag), its download size and whether this machine fits it, all from
  // `scout fit --json` (/ui/api/picker/catalog: no models when the server runs without the CLI's data).
  let catalog = null; // [{tag, name, size, fits, why}] once fetched
  let stored = [];
  const fetchCatalog = async () => {
    try {
      const fit = await api.get('/ui/api/picker/catalog', { quiet: true });
      catalog = fit.models.filter((m) => m.ollamaTag).map((m) => ({ tag: m.ollamaTag, name: m.name, size: m.ollamaSizeBytes, fits: m.fits, why: m.why }));
    } catch { catalog = []; }
  };

  async function refreshModels() {
    const [tags, ps] = await Promise.all([api.get('/api/tags'), api.get('/api/ps')]);
    stored = tags.models;
    const loaded = new Set(ps.models.map((m) => m.name));
    const chosen = conv.model || modelSelect.value;
    const missing = (catalog || []).filter((c) => !storedName(stored, c.tag));
    replace(modelSelect,
      h('optgroup', { label: 'Stored' }, stored.map((m) => h('option', { value: m.name }, loaded.has(m.name) ? `${m.name} (loaded)` : `${m.name} (not loaded)`))),
      missing.length ? h('optgroup', { label: 'Not downloaded', id: 'catalog-group' }, missing.map((c) => h('option', { value: c.tag, 'data-pull': c.tag },
        `${c.tag} — ${c.name}, ${c.size ? bytes(c.size) : 'size unknown'}${c.fits ? '' : ', does not fit here'}`))) : null);
    if (chosen && [...modelSelect.options].some((o) => o.value === chosen)) modelSelect.value = chosen;
    else if (stored.length) modelSelect.value = stored[0].name;
    const option = modelSelect.selectedOptions[0];
    const offer = option && option.dataset.pull ? missing.find((c) => c.tag === option.dataset.pull) : null;
    pullOffer.hidden = !offer;
    loadButton.hidden = !!offer;
    if (offer) {
      offerText.textContent = `${offer.tag} (${offer.name}) is not downloaded: ${offer.size ? bytes(offer.size) : 'size unknown'}; ${offer.fits ? 'fits this machine' : 'does not fit this machine'} (${offer.why}).`;
      offerButton.textContent = `Pull ${offer.tag}`;
      modelState.textContent = 'not downloaded';
    } else if (stored.length === 0) {
      modelState.textContent = 'no models yet: pull one below';
    } else {
      modelState.textContent = loaded.has(modelSelect.value) ? 'loaded' : 'not loaded';
    }
    modelState.dataset.loaded = loaded.has(modelSelect.value) ? 'true' : 'false';
  }

  async function showDefaults() {
    defaults = {};
    if (modelSelect.value && storedName(stored, modelSelect.value)) {
      try {
        const show = await api.post('/api/show', { model: modelSelect.value }, { quiet: true });
        defaults = parseParameters(show.parameters);
      } catch { /* the placeholders stay generic */ }
    }
    for (const [key] of SAMPLERS) samplerInputs[key].placeholder = defaults[key] !== undefined ? `default ${defaults[key]}` : 'model default';
  }

  modelSelect.addEventListener('change', async () => { conv.model = modelSelect.value; await refreshModels(); await showDefaults(); });

  // Load through /ui/api/load: llama.cpp's own progress (its load callback), streamed while the model loads.
  loadButton.addEventListener('click', async () => {
    if (!modelSelect.value) return;
    loadButton.disabled = true;
    loadBar.hidden = false;
    loadBar.value = 0;
    modelState.textContent = 'loading…';
    let said = '';
    try {
      await api.stream('/ui/api/load', { model: modelSelect.value }, (e) => {
        loadBar.value = e.progress;
        said = e.status === 'loaded'
          ? `loaded: 100 % ${e.load_ms ? `in ${fmt(e.load_ms / 1000, 2)} s` : '(it was already in memory)'}`
          : `loading… ${Math.floor(e.progress * 100)} % (${fmt(e.elapsed_ms / 1000)} s)`;
        modelState.textContent = said;
      });
      await refreshModels();
      modelState.textContent = said;
    } catch { await refreshModels(); }
    finally { loadButton.disabled = false; setTimeout(() => { loadBar.hidden = true; }, 1500); }
  });

  const puller = pullControl(api, { bar: pullBar, status: pullStatus, cancel: pullCancel, start: [pullButton, offerButton] });
  ctx.onDispose(() => puller.abort());
  const pullAndSelect = async (name) => {
    if (!(await puller.run(name))) return;
    await refreshModels();
    const got = storedName(stored, name);
    if (got) { modelSelect.value = got; conv.model = got; await refreshModels(); await showDefaults(); }
  };
  pullButton.addEventListener('click', () => { const name = pullName.value.trim(); if (name) pullAndSelect(name); });
  offerButton.addEventListener('click', () => { const o = modelSelect.selectedOptions[0]; if (o && o.dataset.pull) pullAndSelect(o.dataset.pull); });

  // ----- conversations -----
  let searchTimer = null;
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(refreshList, 200); });

  async function refreshList() {
    const q = search.value.trim();
    const list = await api.get(`/ui/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    replace(convList, list.conversations.map((c) => {
      const title = h('button', { type: 'button', class: 'conv-open link', 'data-id': c.id, onclick: () => open(c.id) }, c.title);
      const item = h('li', { class: c.id === conv.id ? 'conv current' : 'conv', 'data-id': c.id }, title,
        h('button', { type: 'button', class: 'conv-rename link', 'aria-label': `Rename ${c.title}`, onclick: () => rename(item, c) }, '✎'),
        h('button', { type: 'button', class: 'conv-delete link', 'aria-label': `Delete ${c.title}`, onclick: async () => {
          await api.del(`/ui/api/conversations/${c.id}`);
          if (c.id === conv.id) await open(null); else await refreshList();
        } }, '×'));
      return item;
    }));
  }

  function rename(item, c) {
    const input = h('input', { type: 'text', class: 'conv-title-input', value: c.title, 'aria-label': 'New title' });
    const done = async (save) => {
      if (save && input.value.trim()) {
        await api.request('PATCH', `/ui/api/conversations/${c.id}`, { title: input.value.trim() });
        if (c.id === conv.id) conv.title = input.value.trim();
      }
      await refreshList();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); done(true); }
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); done(false); }
    });
    replace(item, input);
    input.focus();
  }

  importInput.addEventListener('change', async () => {
    const file = importInput.files[0];
    if (!file) return;
    let data;
    try { data = JSON.parse(await file.text()); } catch { api.showError(`${file.name} is not JSON: export a file from this page and import that`); return; }
    const result = await api.post('/ui/api/conversations/import', data);
    importInput.value = '';
    await refreshList();
    convList.setAttribute('data-imported', String(result.imported));
  });

  async function save() {
    const body = conv.body;
    body.system = system.value;
    body.options = readOptions();
    body.format = format.value;
    body.schema = schema.value;
    if (conv.title === 'New chat') {
      const first = selectedPath(body).find((n) => n.role === 'user');
      if (first) conv.title = first.content.replace(/\s+/g, ' ').trim().slice(0, 60) || 'New chat';
    }
    await api.put(`/ui/api/conversations/${conv.id}`, { id: conv.id, title: conv.title, model: conv.model, body });
    if (location.hash !== `#/chat/${conv.id}`) history.replaceState(null, '', `#/chat/${conv.id}`);
    await refreshList();
  }

  async function open(id) {
    if (controller) stop();
    if (id) {
      const loaded = await api.get(`/ui/api/conversations/${encodeURIComponent(id)}`);
      conv = { id: loaded.id, title: loaded.title, model: loaded.model, body: loaded.body };
      history.replaceState(null, '', `#/chat/${conv.id}`);
    } else {
      conv = emptyConversation();
      history.replaceState(null, '', '#/chat');
    }
    const b = conv.body;
    system.value = b.system || '';
    document.getElementById('system-box').open = !!b.system;
    for (const [key] of SAMPLERS) samplerInputs[key].value = b.options && b.options[key] !== undefined ? b.options[key] : '';
    format.value = b.format || '';
    schema.value = b.schema || '';
    schema.hidden = format.value !== 'schema';
    if (conv.model) modelSelect.value = conv.model;
    conv.model = modelSelect.value || conv.model;
    await renderMessages();
    await refreshList();
    prompt.focus();
  }

  function readOptions() {
    const o = {};
    for (const [key] of SAMPLERS) {
      const v = samplerInputs[key].value.trim();
      if (v !== '') o[key] = Number(v);
    }
    return o;
  }

  // ----- messages -----
  const views = new Map(); // node id -> {content, stats}

  async function renderMessages() {
    views.clear();
    const path = selectedPath(conv.body);
    replace(messages, path.map(messageView));
    await Promise.all(path.filter((n) => n.role === 'assistant' && n.state !== 'streaming').map((n) => renderMarkdown(n)));
  }

  function branchNav(node) {
    const sibs = siblingsOf(conv.body, node);
    if (sibs.length < 2) return null;
    const at = sibs.indexOf(node.id);
    const go = (d) => {
      const next = (at + d + sibs.length) % sibs.length;
      if (node.parent) conv.body.nodes[node.parent].sel = next; else conv.body.rootSel = next;
      renderMessages();
      save();
    };
    return h('span', { class: 'branch-nav' },
      h('button', { type: 'button', class: 'link branch-prev', 'aria-label': 'Previous version', onclick: () => go(-1) }, '‹'),
      h('span', { class: 'branch-pos' }, `${at + 1}/${sibs.length}`),
      h('button', { type: 'button', class: 'link branch-next', 'aria-label': 'Next version', onclick: () => go(1) }, '›'));
  }

  function messageView(node) {
    const content = h('div', { class: 'msg-content' }, node.content);
    const stats = h('div', { class: 'msg-stats muted' }, node.role === 'assistant' ? statsText(node.stats, node.state) : null);
    const extras = [];
    if (node.thinking) extras.push(h('details', { class: 'thinking' }, h('summary', null, 'Thinking'), h('div', { class: 'pre' }, node.thinking)));
    if (node.tool_calls && node.tool_calls.length) {
      extras.push(h('details', { class: 'tool-calls' }, h('summary', null, `Tool calls (${node.tool_calls.length})`),
        h('pre', null, JSON.stringify(node.tool_calls, null, 2))));
    }
    const actions = h('div', { class: 'msg-actions row' }, branchNav(node),
      node.role === 'assistant'
        ? h('button', { type: 'button', class: 'link regen', onclick: () => { if (!controller) generate(conv.body.nodes[node.parent]); } }, 'Regenerate')
        : h('button', { type: 'button', class: 'link edit', onclick: () => edit(node, el) }, 'Edit'));
    const el = h('article', { class: `msg msg-${node.role}`, 'data-role': node.role, 'data-id': node.id, 'data-state': node.state || 'done',
      'data-client-gen-ms': node.stats && node.stats.clientGenMs, 'data-eval-count': node.stats && node.stats.genTokens,
      'data-eval-ms': node.stats && node.stats.evalMs, 'data-frames': node.stats && node.stats.frames },
      h('div', { class: 'msg-who muted' }, node.role === 'user' ? 'You' : (node.model || 'assistant')), extras, content, stats, actions);
    views.set(node.id, { el, content, stats });
    return el;
  }

  async function renderMarkdown(node) {
    const view = views.get(node.id);
    if (!view || !node.content) return;
    const { html } = await api.post('/ui/api/render', { markdown: node.content }, { quiet: true });
    trustedHtml(view.content, html);
    for (const pre of view.content.querySelectorAll('pre')) {
      const button = h('button', { type: 'button', class: 'copy', 'aria-label': 'Copy code' }, 'Copy');
      button.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(pre.querySelector('code')?.textContent ?? pre.textContent); button.textContent = 'Copied'; }
        catch { button.textContent = 'Copy failed'; }
      });
      pre.append(button);
    }
  }

  function statsText(s, state) {
    if (!s) return state === 'streaming' ? 'waiting…' : '';
    const parts = [];
    if (s.phase === 'prompt') parts.push(`prompt processing… ${fmt(s.waitMs / 1000)} s`);
    if (s.ttftMs !== undefined) parts.push(`TTFT ${fmt(s.ttftMs, 0)} ms`);
    if (s.promptTokens !== undefined) parts.push(`prompt ${s.promptTokens} tok, ${fmt(s.promptPerSecond)} tok/s`);
    if (s.genTokens !== undefined) parts.push(`generation ${s.genTokens} tok, ${fmt(s.genPerSecond)} tok/s`);
    if (state === 'stopped') parts.push('stopped');
    return parts.join(' · ');
  }

  function edit(node, el) {
    if (controller) return;
    const box = h('textarea', { class: 'edit-box', rows: 3, 'aria-label': 'Edit message' });
    box.value = node.content;
    const saveEdit = () => {
      const text = box.value.trim();
      if (!text) return;
      const user = addNode(conv.body, node.parent, { role: 'user', content: text });
      generate(user);
    };
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); saveEdit(); }
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); renderMessages(); }
    });
    const view = views.get(node.id);
    replace(view.content, box, h('div', { class: 'row' },
      h('button', { type: 'button', class: 'primary edit-send', onclick: saveEdit }, 'Send'),
      h('button', { type: 'button', class: 'edit-cancel', onclick: () => renderMessages() }, 'Cancel')));
    box.focus();
  }

  function send() {
    const text = prompt.value.trim();
    if (!text || controller) return;
    if (!modelSelect.value) { api.showError('pick a model first (or pull one)'); return; }
    const path = selectedPath(conv.body);
    const last = path.length ? path[path.length - 1] : null;
    const user = addNode(conv.body, last ? last.id : null, { role: 'user', content: text });
    prompt.value = '';
    generate(user);
  }

  function stop() {
    if (controller) controller.abort();
  }

  async function generate(userNode) {
    conv.model = modelSelect.value;
    const reply = addNode(conv.body, userNode.id, { role: 'assistant', content: '', model: conv.model, state: 'streaming', stats: null });
    const history = selectedPath(conv.body).slice(0, -1).map((n) => ({ role: n.role, content: n.content }));
    const msgs = [];
    if (system.value.trim()) msgs.push({ role: 'system', content: system.value });
    msgs.push(...history);
    const request = { model: conv.model, messages: msgs, stream: true, options: readOptions() };
    if (format.value === 'json') request.format = 'json';
    if (format.value === 'schema') {
      try { request.format = JSON.parse(schema.value); } catch { api.showError('the JSON schema is not valid JSON'); }
    }
    await renderMessages();
    const view = views.get(reply.id);
    const textNode = document.createTextNode('');
    replace(view.content, textNode);
    const statsNode = document.createTextNode(statsText(null, 'streaming'));
    replace(view.stats, statsNode);
    controller = new AbortController();
    sendButton.disabled = true; stopButton.disabled = false;
    const started = performance.now();
    let firstAt = null;
    let tokens = 0;
    let dirty = false;
    let frame = 0;
    let timer = 0;
    let frames = 0;
    let lastWrite = -Infinity;
    let shown = 0;
    let thinkingBox = null;
    reply.stats = { phase: 'prompt', waitMs: 0 };
    // The streaming reply is written in batches: in an animation frame, and at most one write per WRITE_GAP_MS whatever
    // the token rate (each write costs the browser a style, layout, paint and raster pass; bench/ui-bench.sh measures
    // it). A write appends only the new text, and touches the stats line only when its text changed.
    const flush = () => {
      frame = 0;
      if (!dirty) return;
      dirty = false;
      frames++;
      lastWrite = performance.now();
      if (reply.content.length > shown) { textNode.appendData(reply.content.slice(shown)); shown = reply.content.length; }
      if (thinkingBox && thinkingBox.textContent !== reply.thinking) thinkingBox.textContent = reply.thinking;
      const text = statsText(reply.stats, 'streaming');
      if (statsNode.data !== text) statsNode.data = text;
    };
    const schedule = () => {
      dirty = true;
      if (frame || timer) return;
      const wait = lastWrite + WRITE_GAP_MS - performance.now();
      if (wait > 0) timer = setTimeout(() => { timer = 0; frame = requestAnimationFrame(flush); }, wait);
      else frame = requestAnimationFrame(flush);
    };
    const ticker = setInterval(() => {
      if (!firstAt) { reply.stats.waitMs = performance.now() - started; schedule(); }
    }, 100);
    try {
      await api.stream('/api/chat', request, (e) => {
        const m = e.message || {};
        if ((m.content || m.thinking) && !firstAt) {
          firstAt = performance.now();
          reply.stats = { phase: 'generation', ttftMs: firstAt - started, genTokens: 0 };
        }
        if (m.content) reply.content += m.content;
        if (m.thinking) {
          reply.thinking = (reply.thinking || '') + m.thinking;
          if (!thinkingBox) {
            thinkingBox = h('div', { class: 'pre' });
            view.el.insertBefore(h('details', { class: 'thinking' }, h('summary', null, 'Thinking'), thinkingBox), view.content);
          }
        }
        if (m.tool_calls) reply.tool_calls = [...(reply.tool_calls || []), ...m.tool_calls];
        if (m.content || m.thinking) {
          tokens++;
          const elapsed = (performance.now() - firstAt) / 1000;
          reply.stats.genTokens = tokens;
          reply.stats.genPerSecond = elapsed > 0 ? tokens / elapsed : undefined;
        }
        if (e.done) {
          const s = reply.stats || {};
          s.phase = 'done';
          // As the page saw it: first token to the last, for the page-versus-API benchmark (bench/ui-bench.sh).
          if (firstAt) s.clientGenMs = performance.now() - firstAt;
          s.frames = frames;
          s.promptTokens = e.prompt_eval_count;
          s.promptPerSecond = e.prompt_eval_duration ? e.prompt_eval_count / (e.prompt_eval_duration / 1e9) : undefined;
          s.genTokens = e.eval_count;
          s.genPerSecond = e.eval_duration ? e.eval_count / (e.eval_duration / 1e9) : s.genPerSecond;
          s.evalMs = e.eval_duration ? e.eval_duration / 1e6 : undefined;
          reply.stats = s;
        }
        schedule();
      }, { signal: controller.signal });
      reply.state = 'done';
    } catch (e) {
      reply.state = e.name === 'AbortError' ? 'stopped' : 'failed';
      if (reply.stats) reply.stats.phase = reply.state;
    } finally {
      clearInterval(ticker);
      if (frame) cancelAnimationFrame(frame);
      if (timer) clearTimeout(timer);
      controller = null;
      sendButton.disabled = false; stopButton.disabled = true;
    }
    await renderMessages();
    await save();
    refreshModels();
  }

  // ----- start -----
  await refreshModels();
  await showDefaults();
  fetchCatalog().then(refreshModels);
  await open(ctx.params[0] || null);
}
