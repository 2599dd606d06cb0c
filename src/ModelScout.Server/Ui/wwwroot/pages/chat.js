// Chat playground (filled in below the shell).
import { h, replace } from '../lib/dom.js';

export async function render(root, ctx) {
  const models = await ctx.api.get('/api/tags');
  replace(root, h('h1', null, 'Chat'), h('ul', null, models.models.map((m) => h('li', null, m.name))));
}
