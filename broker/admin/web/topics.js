// The topic list: search, sort and pages of 50 done by the broker (/v1/topics), internal
// topics hidden unless asked, a throughput chart per topic of the page from the samples of
// its polls, and topic creation.
import { api, send, el, enc, bytes, num, card, table, errorBox } from './util.js';

const PAGE = 50;
const HISTORY = 60;          // samples kept per topic for its throughput chart
const history = new Map();   // topic -> [{t, messages}]
const view = { q: '', sort: 'name', desc: false, page: 0, internal: false };

function sparkline(samples) {
  const canvas = el('canvas', { class: 'spark', width: 140, height: 28 });
  const rates = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    rates.push(dt > 0 ? Math.max(0, samples[i].messages - samples[i - 1].messages) / dt : 0);
  }
  const ctx = canvas.getContext('2d');
  const max = Math.max(1, ...rates);
  const x = (i) => (i / Math.max(10, rates.length - 1)) * canvas.width;
  const y = (r) => canvas.height - 2 - (r / max) * (canvas.height - 4);
  ctx.strokeStyle = '#d5d9e0';
  ctx.beginPath(); ctx.moveTo(0, canvas.height - 1.5); ctx.lineTo(canvas.width, canvas.height - 1.5); ctx.stroke();
  if (rates.length) {
    ctx.fillStyle = 'rgba(47, 111, 237, 0.15)';
    ctx.strokeStyle = '#2f6fed';
    ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(x(0), canvas.height);
    rates.forEach((r, i) => ctx.lineTo(x(i), y(r)));
    ctx.lineTo(x(rates.length - 1), canvas.height); ctx.closePath(); ctx.fill();
    ctx.beginPath();
    rates.forEach((r, i) => (i ? ctx.lineTo(x(i), y(r)) : ctx.moveTo(x(i), y(r))));
    ctx.stroke();
  }
  return { canvas, rate: rates.length ? rates[rates.length - 1] : 0 };
}

export function mount(root) {
  const search = el('input', { id: 't-search', type: 'search', placeholder: 'Search topics…', value: view.q,
    oninput: (e) => { view.q = e.target.value; view.page = 0; refresh(); } });
  const internal = el('label', {}, el('input', { id: 't-internal', type: 'checkbox', checked: view.internal || undefined,
    onchange: (e) => { view.internal = e.target.checked; refresh(); } }), ' show internal');
  const create = el('form', { id: 'create-topic', class: 'inline', onsubmit: createTopic },
    el('input', { name: 'name', placeholder: 'new topic name', required: true }),
    el('label', {}, 'Partitions ', el('input', { name: 'partitions', type: 'number', min: 1, value: 3 })),
    el('input', { name: 'configs', placeholder: 'configs: retention.ms=86400000, …', class: 'wide' }),
    el('button', { type: 'submit' }, 'Create topic'), el('span', { class: 'form-note' }));
  root.replaceChildren(
    el('section', { id: 'summary', class: 'cards', 'aria-label': 'cluster summary' }),
    el('h2', {}, 'Topics'),
    el('div', { class: 'toolbar' }, search, internal, el('span', { id: 't-count', class: 'muted' })),
    el('div', { id: 'topics-table' }),
    el('div', { id: 't-pager', class: 'pager' }),
    el('h3', {}, 'Create a topic'), create);
}

async function createTopic(e) {
  e.preventDefault();
  const f = e.target;
  const note = f.querySelector('.form-note');
  const configs = {};
  for (const part of f.configs.value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i < 1) { note.textContent = `config "${part}" is not key=value`; note.className = 'form-note error'; return; }
    configs[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  try {
    const t = await send('/v1/topics', 'POST', { name: f.name.value, partitions: Number(f.partitions.value), configs });
    note.textContent = `created ${t.name}`; note.className = 'form-note ok';
    location.hash = '#/topic/' + enc(t.name);
  } catch (err) {
    note.textContent = err.message; note.className = 'form-note error';
  }
}

const columns = [
  { key: 'name', title: 'Topic', get: (t) => el('a', { href: '#/topic/' + enc(t.name) }, t.name) },
  { key: 'partitions', title: 'Partitions', cls: 'num', get: (t) => t.partitions },
  { key: 'messages', title: 'Messages', cls: 'num messages', get: (t) => num(t.messages) },
  { key: 'size_bytes', title: 'Size', cls: 'num', get: (t) => bytes(t.size_bytes) },
  { key: 'rate', title: 'In (msg/s)', cls: 'num rate', get: (t) => t.rate.toFixed(1) },
  { key: 'chart', title: 'Throughput (last 2 min)', get: (t) => t.chart },
];

export async function refresh() {
  const params = new URLSearchParams({ q: view.q, internal: String(view.internal), sort: view.sort,
    order: view.desc ? 'desc' : 'asc', offset: String(view.page * PAGE), limit: String(PAGE) });
  const [page, groups] = await Promise.all([api('/v1/topics?' + params),
    api('/v1/groups').catch(() => ({ groups: [] }))]);
  const pages = Math.max(1, Math.ceil(page.total / PAGE));
  if (view.page > pages - 1) { view.page = pages - 1; return refresh(); }
  const now = Date.now();
  const topics = page.topics;
  for (const t of topics) {
    const h = history.get(t.name) || [];
    h.push({ t: now, messages: t.messages_in_total });
    while (h.length > HISTORY) h.shift();
    history.set(t.name, h);
    const s = sparkline(h);
    t.chart = s.canvas; t.rate = s.rate;
  }
  // Topics of other pages keep their samples while they are recent enough to be charted, so
  // that paging or searching back shows their chart again.
  for (const [name, h] of history) if (now - h[h.length - 1].t > HISTORY * 2000) history.delete(name);
  const b = window.chronikBroker;
  const summary = document.getElementById('summary');
  if (!summary) return;
  const all = page.totals;
  summary.replaceChildren(card(all.topics, 'topics'), card(num(all.partitions), 'partitions'),
    card(num(all.messages), 'messages retained'), card(bytes(all.size_bytes), 'on disk'), card(groups.groups.length, 'consumer groups'),
    card(b ? b.listeners.map((l) => `${l.host}:${l.port}`).join(', ') : '…', 'Kafka listener', 'listener'));

  const t = table(columns, topics, { id: 'topics' }, (r) => ({ 'data-topic': r.name }));
  for (const th of t.querySelectorAll('th')) {
    const col = th.dataset.col;
    if (col === 'chart' || col === 'rate') continue;  // the rate is this page's, not the broker's
    th.classList.add('sortable');
    if (col === view.sort) th.append(view.desc ? ' ▼' : ' ▲');
    th.addEventListener('click', () => { view.desc = view.sort === col ? !view.desc : false; view.sort = col; view.page = 0; refresh(); });
  }
  document.getElementById('topics-table').replaceChildren(t);
  document.getElementById('t-count').textContent = `${page.total} of ${all.topics} topics`;
  const pager = document.getElementById('t-pager');
  pager.replaceChildren(
    el('button', { id: 't-prev', disabled: view.page === 0 || undefined, onclick: () => { view.page--; refresh(); } }, '‹ Previous'),
    el('span', { id: 't-page' }, ` page ${view.page + 1} of ${pages} `),
    el('button', { id: 't-next', disabled: view.page >= pages - 1 || undefined, onclick: () => { view.page++; refresh(); } }, 'Next ›'));
}
