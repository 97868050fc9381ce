// The broker: what it is, its listeners, and every config with its source.
import { api, el, duration, table } from './util.js';

const view = { q: '' };

export function mount(root) {
  root.replaceChildren(el('h2', {}, 'Broker'), el('section', { id: 'broker-cards', class: 'cards' }),
    el('h3', {}, 'Configuration'),
    el('div', { class: 'toolbar' }, el('input', { id: 'c-search', type: 'search', placeholder: 'Search configs…',
      oninput: (e) => { view.q = e.target.value; refresh(); } }), el('span', { id: 'c-count', class: 'muted' })),
    el('div', { id: 'broker-configs' }));
}

export async function refresh() {
  const [b, c] = await Promise.all([api('/v1/broker'), api('/v1/broker/config')]);
  document.getElementById('broker-cards').replaceChildren(
    ...[[b.node_id, 'node id'], [b.version, 'version'], [duration(b.uptime_ms), 'uptime'], [b.topics, 'topics'],
      [b.listeners.map((l) => `${l.name} ${l.host}:${l.port}`).join(', '), 'listeners'],
      [`${b.advertised.host}:${b.advertised.port}`, 'advertised'], [b.log_dir, 'log dir'], [b.cluster_id, 'cluster id'],
      [b.config_source || '–', 'config file']].map(([v, k], i) =>
      el('div', { class: i >= 4 ? 'card wide' : 'card' }, el('div', { class: 'v', title: String(v) }, v), el('div', { class: 'k' }, k))));
  const q = view.q.toLowerCase();
  const shown = c.configs.filter((e) => e.name.includes(q) || String(e.value).toLowerCase().includes(q));
  document.getElementById('c-count').textContent = `${shown.length} of ${c.configs.length} configs`;
  document.getElementById('broker-configs').replaceChildren(table([
    { title: 'Name', get: (e) => el('code', {}, e.name) },
    { title: 'Value', key: 'value', get: (e) => (e.sensitive ? '(sensitive)' : (e.value ?? 'null')) },
    { title: 'Source', key: 'source', get: (e) => el('span', { class: 'source ' + (e.source === 'DEFAULT_CONFIG' ? '' : 'override') }, e.source) },
    { title: '', get: (e) => (e.read_only ? el('span', { class: 'muted' }, 'read-only') : 'dynamic') },
  ], shown, { id: 'broker-config' }, (e) => ({ 'data-config': e.name })));
}
