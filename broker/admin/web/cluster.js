// The cluster as clients see it: its id, its brokers with what each advertises, the
// controller, the feature levels (kafka-features describe) and whether requests are authorized.
import { api, el, card, table } from './util.js';

export function mount(root) {
  root.replaceChildren(el('h2', {}, 'Cluster'), el('section', { id: 'cluster-cards', class: 'cards' }),
    el('h3', {}, 'Brokers'), el('div', { id: 'cluster-brokers' }),
    el('h3', {}, 'Features'), el('p', { class: 'muted' }, 'Finalized levels, as kafka-features describe shows them.'),
    el('div', { id: 'cluster-features' }));
}

export async function refresh() {
  const c = await api('/v1/cluster');
  const a = c.authorizer;
  document.getElementById('cluster-cards').replaceChildren(card(c.cluster_id, 'cluster id', 'wide'),
    card(c.brokers.length, 'brokers'), card(c.controller_id, 'controller'),
    card(a.enabled ? 'on' : 'off', 'authorizer'),
    card(a.enabled ? (a.super_users.join(', ') || 'none') : '–', 'super users', 'wide'));
  document.getElementById('cluster-brokers').replaceChildren(table([
    { title: 'Node', cls: 'num', get: (b) => b.node_id },
    { title: 'Listeners', key: 'listeners', get: (b) => b.listeners.map((l) => `${l.name} (${l.security_protocol}) ${l.host}:${l.port}`).join(', ') },
    { title: 'Rack', get: (b) => b.rack ?? '–' },
    { title: 'Role', get: (b) => (b.is_controller ? 'broker, controller' : 'broker') },
    { title: 'Topics', cls: 'num', get: (b) => b.topics },
  ], c.brokers, { id: 'brokers' }, (b) => ({ 'data-node': b.node_id })));
  document.getElementById('cluster-features').replaceChildren(table([
    { title: 'Feature', get: (f) => el('code', {}, f.name) },
    { title: 'Finalized', cls: 'num', key: 'finalized', get: (f) => f.finalized },
    { title: 'Supported', cls: 'num', get: (f) => `${f.min_version} – ${f.max_version}` },
  ], c.features, { id: 'features' }, (f) => ({ 'data-feature': f.name })));
}
