// Transactions: every transactional id the coordinator knows, open ones first with how long
// they have been open (a hanging transaction holds back its partitions' last stable offset,
// and with it every read_committed consumer), and one id with the partitions it holds.
import { api, el, enc, num, card, table, duration } from './util.js';

const view = { q: '', openOnly: false };
let txnId = '';

const isOpen = (t) => ['Ongoing', 'PrepareCommit', 'PrepareAbort'].includes(t.state);
const stateOf = (t) => el('span', { class: 'state ' + (t.state === 'Ongoing' ? 'warn' : isOpen(t) ? 'bad' : 'muted') }, t.state);

export function mountList(root) {
  root.replaceChildren(el('h2', {}, 'Transactions'),
    el('section', { id: 'txn-cards', class: 'cards' }),
    el('div', { class: 'toolbar' },
      el('input', { id: 'x-search', type: 'search', placeholder: 'Search transactional ids…', value: view.q,
        oninput: (e) => { view.q = e.target.value; refreshList(); } }),
      el('label', {}, el('input', { id: 'x-open', type: 'checkbox', checked: view.openOnly || undefined,
        onchange: (e) => { view.openOnly = e.target.checked; refreshList(); } }), ' open only'),
      el('span', { id: 'x-count', class: 'muted' })),
    el('div', { id: 'txn-table' }));
}

export async function refreshList() {
  const r = await api('/v1/transactions');
  const c = r.since_start;
  document.getElementById('txn-cards').replaceChildren(card(r.open, 'open now'),
    card(r.open ? duration(r.oldest_open_ms) : '–', 'oldest open for', r.open ? 'warn' : ''),
    card(num(c.committed), 'committed since start'), card(num(c.aborted), 'aborted since start'),
    card(num(c.timed_out), 'timed out'), card(num(c.fenced), 'fenced by a new producer'));
  const q = view.q.toLowerCase();
  const shown = r.transactions.filter((t) => t.transactional_id.toLowerCase().includes(q) && (!view.openOnly || isOpen(t)))
    .sort((a, b) => (isOpen(b) - isOpen(a)) || (b.open_ms ?? 0) - (a.open_ms ?? 0) || a.transactional_id.localeCompare(b.transactional_id));
  document.getElementById('x-count').textContent = `${shown.length} of ${r.transactions.length} transactional ids`;
  document.getElementById('txn-table').replaceChildren(shown.length ? table([
    { title: 'Transactional id', get: (t) => el('a', { href: '#/transaction/' + enc(t.transactional_id) }, t.transactional_id) },
    { title: 'State', key: 'state', get: stateOf },
    { title: 'Producer id', cls: 'num', get: (t) => t.producer_id },
    { title: 'Epoch', cls: 'num', get: (t) => t.producer_epoch },
    { title: 'Partitions', cls: 'num', key: 'partitions', get: (t) => t.partitions },
    { title: 'Open for', cls: 'num', key: 'open', get: (t) => (t.open_ms === null ? '–' : duration(t.open_ms)) },
    { title: 'Timeout', cls: 'num', get: (t) => duration(t.timeout_ms) },
  ], shown, { id: 'transactions' }, (t) => ({ 'data-txn': t.transactional_id }))
    : el('p', { class: 'muted' }, r.transactions.length ? 'No transactional id matches.' : 'No transactional producer has used this broker.'));
}

export function mountOne(root, id) {
  txnId = id;
  root.replaceChildren(
    el('div', { class: 'crumbs' }, el('a', { href: '#/transactions' }, 'Transactions'), ' / ', el('b', {}, id)),
    el('h2', {}, id), el('section', { id: 'txn-one-cards', class: 'cards' }),
    el('h3', {}, 'Partitions in the transaction'), el('div', { id: 'txn-partitions' }));
}

export async function refreshOne() {
  const id = txnId;
  let t;
  try {
    t = await api('/v1/transactions/' + enc(id));
  } catch (e) {
    document.getElementById('txn-one-cards').replaceChildren(el('p', { class: 'error' }, e.message));
    document.getElementById('txn-partitions').replaceChildren();
    return;
  }
  if (id !== txnId) return;
  document.getElementById('txn-one-cards').replaceChildren(card(stateOf(t), 'state'),
    card(`${t.producer_id} / ${t.producer_epoch}`, 'producer id / epoch', 'wide'),
    card(t.open_ms === null ? '–' : duration(t.open_ms), 'open for'), card(duration(t.timeout_ms), 'timeout'),
    card(new Date(t.last_update_ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'), 'last change', 'wide'));
  document.getElementById('txn-partitions').replaceChildren(t.partitions.length ? table([
    { title: 'Topic', get: (p) => (p.kind === 'records' ? el('a', { href: '#/topic/' + enc(p.topic) }, p.topic) : p.topic) },
    { title: 'Partition', cls: 'num', get: (p) => p.partition },
    { title: 'Holds', get: (p) => p.kind },
    { title: 'Last stable offset', cls: 'num', key: 'lso', get: (p) => num(p.last_stable_offset) },
    { title: 'High watermark', cls: 'num', get: (p) => num(p.high_watermark) },
  ], t.partitions, { id: 'txn-partition-list' }, (p) => ({ 'data-tp': `${p.topic}/${p.partition}` }))
    : el('p', { class: 'muted' }, 'No partitions: no transaction is open.'));
}
