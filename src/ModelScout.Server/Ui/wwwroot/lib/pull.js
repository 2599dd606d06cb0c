// One pull through Ollama's /api/pull, shown with a progress bar, a status line and Cancel: the store page and the chat
// picker both use it. The store keeps every finished blob and the partial file of the one in flight, so a pull that was
// cancelled or lost its connection goes on where it stopped when it is started again.
import { bytes } from './dom.js';

/**
 * pullControl(api, {bar, status, cancel, start}) -> {run(name) -> Promise<boolean>, abort(), running}.
 * bar: a <progress>; status: an element for the text; cancel: the Cancel button; start: buttons disabled while it runs.
 * run() resolves true once the model is stored, false when it was cancelled or failed (the status says which and what
 * to do next).
 */
export function pullControl(api, { bar, status, cancel, start = [] }) {
  let abort = null;
  cancel.addEventListener('click', () => abort && abort.abort());
  const busy = (on) => {
    for (const b of start) b.disabled = on;
    cancel.hidden = !on;
  };
  return {
    get running() { return abort !== null; },
    abort() { if (abort) abort.abort(); },
    async run(name) {
      if (abort) return false;
      abort = new AbortController();
      busy(true);
      bar.hidden = false;
      bar.max = 1;
      bar.value = 0;
      status.textContent = `Pulling ${name}…`;
      try {
        await api.stream('/api/pull', { model: name, stream: true }, (e) => {
          if (e.total) {
            const done = e.completed || 0;
            bar.max = e.total;
            bar.value = done;
            status.textContent = `${e.status}: ${bytes(done)} of ${bytes(e.total)} (${Math.floor((done / e.total) * 100)} %)`;
          } else if (e.status) {
            status.textContent = e.status;
          }
        }, { signal: abort.signal, quiet: true });
        bar.value = bar.max;
        status.textContent = `Pulled ${name}.`;
        return true;
      } catch (e) {
        status.textContent = e.name === 'AbortError'
          ? `Cancelled. What was downloaded is kept: Pull again to resume ${name}.`
          : `The pull stopped: ${e.message}. Pull again to resume where it stopped.`;
        return false;
      } finally {
        abort = null;
        busy(false);
      }
    },
  };
}

/** The stored name a pull of NAME ends up under (a missing tag is latest), to find it in /api/tags. */
export function storedName(models, name) {
  const n = name.trim();
  return (models.find((m) => m.name === n) || models.find((m) => m.name === `${n}:latest`) || {}).name || null;
}
