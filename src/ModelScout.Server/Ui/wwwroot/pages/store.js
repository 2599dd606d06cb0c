// Store: the stored models (/api/tags), pull with progress, cancel and resume (the store keeps partial downloads, so a
// pull started again after a dropped connection goes on where it stopped), import a GGUF file, create from a
// Modelfile, copy and delete — all through the Ollama endpoints scout serve already has.
import { h, replace, bytes } from '../lib/dom.js';
import { field, table } from '../lib/dash.js';
import { pullControl } from '../lib/pull.js';

export async function render(root, ctx) {
  const list = h('div');
  const detailBox = h('div');
  const pullName = h('input', { id: 'pull-name', type: 'text', placeholder: 'llama3.2:1b or hf.co/USER/REPO:Q4_K_M', size: 40 });
  const pullButton = h('button', { type: 'submit', class: 'primary', id: 'pull-start' }, 'Pull');
  const cancel = h('button', { type: 'button', id: 'pull-cancel', hidden: true }, 'Cancel');
  const bar = h('progress', { id: 'pull-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Pull progress' });
  const pullStatus = h('p', { id: 'pull-status', role: 'status' });
  const file = h('input', { id: 'import-file', type: 'file', accept: '.gguf' });
  const importName = h('input', { id: 'import-name', type: 'text', placeholder: 'my-model:latest' });
  const importStatus = h('p', { id: 'import-status', role: 'status' });
  const createName = h('input', { id: 'create-name', type: 'text', placeholder: 'my-assistant:latest' });
  const modelfile = h('textarea', { id: 'create-modelfile', rows: 5, placeholder: 'FROM llama3.2:1b\nSYSTEM You answer in one sentence.\nPARAMETER temperature 0.2' });
  const createStatus = h('p', { id: 'create-status', role: 'status' });
  ctx.onDispose(() => puller.abort());

  const load = async () => {
    const tags = await ctx.api.get('/api/tags');
    replace(list, tags.models.length === 0 ? h('p', { class: 'muted' }, 'No models yet: pull one below, or import a GGUF file.')
      : table('Stored models', ['Name', 'Size', 'Parameters', 'Quantization', 'Modified', 'Actions'], tags.models.map((m) => h('tr', { 'data-name': m.name },
        h('th', { scope: 'row' }, m.name), h('td', null, bytes(m.size)), h('td', null, (m.details && m.details.parameter_size) || '–'),
        h('td', null, (m.details && m.details.quantization_level) || '–'), h('td', null, (m.modified_at || '').slice(0, 19).replace('T', ' ')),
        h('td', null,
          h('button', { type: 'button', class: 'link', 'aria-label': `Details of ${m.name}`, onclick: () => details(m.name) }, 'Details'), ' ',
          h('button', { type: 'button', class: 'link', 'aria-label': `Copy ${m.name}`, onclick: () => copy(m.name) }, 'Copy'), ' ',
          h('button', { type: 'button', class: 'link danger', 'aria-label': `Delete ${m.name}`, onclick: () => remove(m.name) }, 'Delete')))), { id: 'store-table' }));
  };

  // /api/show: the GGUF's own metadata and the Modelfile's parts, all of it data from files, so all of it text.
  const details = async (name) => {
    const show = await ctx.api.post('/api/show', { model: name });
    const info = show.model_info || {};
    const d = show.details || {};
    const row = (label, value, id) => (value === undefined || value === null || value === '' ? null
      : [h('dt', null, label), h('dd', id ? { id } : null, typeof value === 'string' ? value : JSON.stringify(value))]);
    replace(detailBox, h('section', { class: 'card', id: 'model-details', 'aria-label': `Details of ${name}` },
      h('h2', null, name),
      h('dl', { class: 'facts' },
        row('Name in the file', info['general.name'], 'details-general-name'),
        row('Architecture', info['general.architecture']),
        row('Family', d.family), row('Parameters', d.parameter_size), row('Quantization', d.quantization_level),
        row('Context length', Object.entries(info).find(([k]) => k.endsWith('.context_length'))?.[1])),
      show.system ? [h('h3', null, 'System'), h('pre', { id: 'details-system' }, show.system)] : null,
      show.parameters ? [h('h3', null, 'Parameters'), h('pre', { id: 'details-parameters' }, show.parameters)] : null,
      show.template ? [h('h3', null, 'Template'), h('pre', { id: 'details-template' }, show.template)] : null,
      h('button', { type: 'button', onclick: () => replace(detailBox) }, 'Close')));
    detailBox.querySelector('h2').scrollIntoView({ block: 'nearest' });
  };

  const copy = async (name) => {
    const to = window.prompt(`Copy ${name} to which name?`, `${name.split(':')[0]}-copy:latest`);
    if (!to) return;
    await ctx.api.post('/api/copy', { source: name, destination: to });
    await load();
  };

  const remove = async (name) => {
    if (!window.confirm(`Delete ${name}? Its files go when no other model uses them.`)) return;
    await ctx.api.del('/api/delete', { model: name });
    await load();
  };

  const puller = pullControl(ctx.api, { bar, status: pullStatus, cancel, start: [pullButton] });
  const pull = async () => {
    const name = pullName.value.trim();
    if (!name) { pullName.focus(); return; }
    if (await puller.run(name)) await load();
  };

  const importGguf = async () => {
    const f = file.files && file.files[0];
    const name = importName.value.trim();
    if (!f || !name) { importStatus.textContent = 'Choose a .gguf file and a name.'; return; }
    importStatus.textContent = `Hashing ${f.name}…`;
    const data = await f.arrayBuffer();
    const digest = `sha256:${[...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    importStatus.textContent = `Uploading ${f.name} (${bytes(f.size)})…`;
    const res = await fetch(`/api/blobs/${digest}`, { method: 'POST', body: data, credentials: 'same-origin', headers: ctx.session.csrf ? { 'X-Scout-Csrf': ctx.session.csrf } : {} });
    if (!res.ok) { importStatus.textContent = `Upload failed (${res.status}): ${await res.text()}`; return; }
    await ctx.api.post('/api/create', { model: name, files: { [f.name]: digest }, stream: false });
    importStatus.textContent = `Imported ${f.name} as ${name}.`;
    await load();
  };

  const create = async () => {
    const name = createName.value.trim();
    if (!name || !modelfile.value.trim()) { createStatus.textContent = 'Give a name and a Modelfile.'; return; }
    await ctx.api.post('/api/create', { model: name, modelfile: modelfile.value, stream: false });
    createStatus.textContent = `Created ${name}.`;
    await load();
  };

  replace(root, h('h1', null, 'Store'), list, detailBox,
    h('section', { class: 'card', 'aria-label': 'Pull' }, h('h2', null, 'Pull a model'),
      h('form', { onsubmit: (e) => { e.preventDefault(); pull(); } }, field('Name', pullName), pullButton, cancel), bar, pullStatus),
    h('section', { class: 'card', 'aria-label': 'Import' }, h('h2', null, 'Import a GGUF file'),
      h('form', { onsubmit: (e) => { e.preventDefault(); importGguf(); } }, field('File', file), field('Name', importName), h('button', { type: 'submit' }, 'Import')), importStatus),
    h('section', { class: 'card', 'aria-label': 'Create' }, h('h2', null, 'Create from a Modelfile'),
      h('form', { onsubmit: (e) => { e.preventDefault(); create(); } }, field('Name', createName), field('Modelfile', modelfile), h('button', { type: 'submit' }, 'Create')), createStatus));
  await load();
}
