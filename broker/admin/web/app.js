// The Chronik console: a page per hash route (#/topics, #/topic/<t>[/<tab>], #/groups,
// #/group/<g>, #/transactions, #/transaction/<id>, #/acls, #/cluster, #/broker), each redrawn from the admin REST API every 2 seconds. Plain ES
// modules served by the broker: no framework, no build step, no CDN.
import { api, el, duration } from './util.js';
import * as topics from './topics.js';
import * as topic from './topic.js';
import * as groups from './groups.js';
import * as broker from './broker.js';
import * as transactions from './transactions.js';
import * as acls from './acls.js';
import * as cluster from './cluster.js';

const POLL_MS = 2000;
let pageRefresh = null;
let route = '';

function parse() {
  const parts = (location.hash.replace(/^#\/?/, '') || 'topics').split('/').map(decodeURIComponent);
  return parts;
}

function mount() {
  const [kind, arg, tab] = parse();
  const root = document.getElementById('page');
  route = location.hash;
  const nav = { topic: 'topics', group: 'groups', transaction: 'transactions' }[kind] || kind;
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.nav === nav);
  if (kind === 'topic' && arg) { topic.mount(root, arg, tab); pageRefresh = topic.refresh; }
  else if (kind === 'groups') { groups.mountList(root); pageRefresh = groups.refreshList; }
  else if (kind === 'group' && arg) { groups.mountGroup(root, arg); pageRefresh = groups.refreshGroup; }
  else if (kind === 'transactions') { transactions.mountList(root); pageRefresh = transactions.refreshList; }
  else if (kind === 'transaction' && arg) { transactions.mountOne(root, arg); pageRefresh = transactions.refreshOne; }
  else if (kind === 'acls') { acls.mount(root); pageRefresh = acls.refresh; }
  else if (kind === 'cluster') { cluster.mount(root); pageRefresh = cluster.refresh; }
  else if (kind === 'broker') { broker.mount(root); pageRefresh = broker.refresh; }
  else { topics.mount(root); pageRefresh = topics.refresh; }
  document.title = `Chronik · ${arg || nav}`;
  refresh();
}

async function refreshBroker() {
  const [b, ready] = await Promise.all([api('/v1/broker'), fetch('/v1/health/ready').then((r) => r.ok)]);
  window.chronikBroker = b;
  document.getElementById('broker-line').textContent =
    `v${b.version} · node ${b.node_id} · up ${duration(b.uptime_ms)}`;
  const status = document.getElementById('status');
  status.textContent = ready ? 'ready' : 'not ready';
  status.className = 'pill ' + (ready ? 'ok' : 'bad');
}

let busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  const page = pageRefresh;
  try {
    await refreshBroker();
    if (page) await page();
    document.body.dataset.refreshed = String(Date.now());
  } catch (e) {
    const status = document.getElementById('status');
    status.textContent = 'error';
    status.className = 'pill bad';
    status.title = e.message;
    const root = document.getElementById('page');
    let box = document.getElementById('page-error');
    if (!box) { box = el('p', { id: 'page-error', class: 'error', role: 'alert' }); root.prepend(box); }
    box.textContent = e.message;
  } finally {
    busy = false;
  }
}

window.addEventListener('hashchange', () => { if (location.hash !== route) mount(); });
mount();
setInterval(refresh, POLL_MS);
