// The Chronik dashboard: reads the admin REST API every 2 seconds. No framework, no CDN.
'use strict';

const POLL_MS = 2000;
const HISTORY = 60;          // samples kept per topic for its throughput chart
const history = new Map();   // topic -> [{t, messages, bytes}]
let token = localStorage.getItem('chronik.token') || '';

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = 'Bearer ' + token;
  // The broker refuses a state-changing request that is not JSON (a cross-site form's).
  const method = (options.method || 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') headers['Content-Type'] = 'application/json';
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (res.status === 401) {
    await askToken();
    return api(path, options);
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function askToken() {
  return new Promise((resolve) => {
    const dialog = document.getElementById('token-dialog');
    dialog.addEventListener('close', () => {
      token = document.getElementById('token-input').value;
      localStorage.setItem('chronik.token', token);
      resolve();
    }, { once: true });
    if (!dialog.open) dialog.showModal();
  });
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function card(value, key) {
  return el('div', { class: 'card' }, el('div', { class: 'v' }, value), el('div', { class: 'k' }, key));
}

// A small line chart of messages/s over the last HISTORY samples.
function sparkline(samples) {
  const canvas = el('canvas', { class: 'spark', width: 160, height: 32 });
  const rates = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    rates.push(dt > 0 ? Math.max(0, samples[i].messages - samples[i - 1].messages) / dt : 0);
  }
  const ctx = canvas.getContext('2d');
  const max = Math.max(1, ...rates);
  // Few samples spread over at least a sixth of the width; a full history over all of it.
  const x = (i) => (i / Math.max(10, rates.length - 1)) * canvas.width;
  const y = (r) => canvas.height - 2 - (r / max) * (canvas.height - 4);
  ctx.strokeStyle = '#d5d9e0';
  ctx.beginPath();
  ctx.moveTo(0, canvas.height - 1.5);
  ctx.lineTo(canvas.width, canvas.height - 1.5);
  ctx.stroke();
  if (rates.length) {
    ctx.fillStyle = 'rgba(47, 111, 237, 0.15)';
    ctx.strokeStyle = '#2f6fed';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x(0), canvas.height);
    rates.forEach((r, i) => ctx.lineTo(x(i), y(r)));
    ctx.lineTo(x(rates.length - 1), canvas.height);
    ctx.closePath();
    ctx.fill();
    ctx.beginPath();
    rates.forEach((r, i) => (i ? ctx.lineTo(x(i), y(r)) : ctx.moveTo(x(i), y(r))));
    ctx.stroke();
  }
  return { canvas, rate: rates.length ? rates[rates.length - 1] : 0 };
}

async function refreshBroker() {
  const [b, ready] = await Promise.all([api('/v1/broker'), fetch('/v1/health/ready').then((r) => r.ok)]);
  document.getElementById('broker-line').textContent =
    `v${b.version} · node ${b.node_id} · cluster ${b.cluster_id} · up ${duration(b.uptime_ms)}`;
  const status = document.getElementById('status');
  status.textContent = ready ? 'ready' : 'not ready';
  status.className = 'pill ' + (ready ? 'ok' : 'bad');
  return b;
}

async function refreshTopics() {
  const { topics } = await api('/v1/topics');
  const now = Date.now();
  const tbody = document.querySelector('#topics tbody');
  tbody.replaceChildren();
  let partitions = 0, messages = 0, size = 0;
  for (const t of topics) {
    partitions += t.partitions; messages += t.messages; size += t.size_bytes;
    const h = history.get(t.name) || [];
    h.push({ t: now, messages: t.messages_in_total, bytes: t.bytes_in_total });
    while (h.length > HISTORY) h.shift();
    history.set(t.name, h);
    const chart = sparkline(h);
    tbody.append(el('tr', { 'data-topic': t.name },
      el('td', {}, t.name), el('td', { class: 'num' }, t.partitions),
      el('td', { class: 'num messages' }, t.messages), el('td', { class: 'num' }, bytes(t.size_bytes)),
      el('td', { class: 'num rate' }, chart.rate.toFixed(1)), el('td', {}, chart.canvas)));
  }
  for (const name of history.keys()) if (!topics.some((t) => t.name === name)) history.delete(name);
  const select = document.getElementById('b-topic');
  const chosen = select.value;
  select.replaceChildren(...topics.map((t) => el('option', { value: t.name }, t.name)));
  if (topics.some((t) => t.name === chosen)) select.value = chosen;
  return { count: topics.length, partitions, messages, size };
}

async function showGroup(id) {
  const g = await api('/v1/groups/' + encodeURIComponent(id));
  const rows = g.offsets.map((o) => el('tr', {},
    el('td', {}, o.topic), el('td', { class: 'num' }, o.partition), el('td', { class: 'num' }, o.committed_offset),
    el('td', { class: 'num' }, o.log_end_offset), el('td', { class: 'num' + (o.lag > 0 ? ' lag' : '') }, o.lag)));
  const members = g.members.map((m) => `${m.client_id} (${m.client_host}): ` +
    (m.assignment.map((a) => a.topic + '/' + a.partition).join(', ') || 'no assignment'));
  document.getElementById('group-detail').replaceChildren(
    el('h3', {}, `Group ${g.group_id} — ${g.state}, generation ${g.generation}`),
    el('p', { class: 'muted' }, members.length ? members.join('; ') : 'no members'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Topic'), el('th', {}, 'Partition'),
      el('th', {}, 'Committed'), el('th', {}, 'End offset'), el('th', {}, 'Lag'))), el('tbody', {}, ...rows)));
}

async function refreshGroups() {
  let groups = [];
  try {
    ({ groups } = await api('/v1/groups'));
  } catch (e) {
    document.querySelector('#groups tbody').replaceChildren(el('tr', {}, el('td', { colspan: 4 }, e.message)));
    return 0;
  }
  const tbody = document.querySelector('#groups tbody');
  tbody.replaceChildren(...groups.map((g) => el('tr', { class: 'clickable', 'data-group': g.group_id, onclick: () => showGroup(g.group_id) },
    el('td', {}, g.group_id), el('td', {}, g.state), el('td', { class: 'num' }, g.members ?? 0),
    el('td', { class: 'num' + (g.total_lag > 0 ? ' lag' : '') + ' group-lag' }, g.total_lag ?? 0))));
  return groups.length;
}

async function refresh() {
  try {
    const [b, t, groups] = await Promise.all([refreshBroker(), refreshTopics(), refreshGroups()]);
    document.getElementById('summary').replaceChildren(
      card(t.count, 'topics'), card(t.partitions, 'partitions'), card(t.messages, 'messages retained'),
      card(bytes(t.size), 'on disk'), card(groups, 'consumer groups'), card(b.listeners.map((l) => `${l.host}:${l.port}`).join(', '), 'Kafka listener'));
  } catch (e) {
    const status = document.getElementById('status');
    status.textContent = 'unreachable';
    status.className = 'pill bad';
  }
}

function showBytes(v) {
  if (v === null) return el('span', { class: 'muted' }, 'null');
  return el('code', { title: v.encoding }, v.data);
}

async function browse(event) {
  if (event) event.preventDefault();
  const topic = document.getElementById('b-topic').value;
  if (!topic) return;
  const params = new URLSearchParams();
  params.set(document.getElementById('b-mode').value, document.getElementById('b-from').value || '0');
  params.set('limit', document.getElementById('b-limit').value || '20');
  if (document.getElementById('b-base64').checked) params.set('encoding', 'base64');
  const partition = document.getElementById('b-partition').value || '0';
  const note = document.getElementById('b-note');
  try {
    const r = await api(`/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?${params}`);
    document.querySelector('#records tbody').replaceChildren(...r.records.map((rec) => el('tr', { class: 'record' },
      el('td', { class: 'num' }, rec.offset), el('td', {}, new Date(rec.timestamp).toISOString()),
      el('td', {}, showBytes(rec.key)), el('td', { class: 'value' }, showBytes(rec.value)),
      el('td', {}, rec.headers.map((h) => `${h.key}=${h.value ? h.value.data : 'null'}`).join(', ')))));
    note.textContent = `${r.records.length} record(s); partition offsets ${r.log_start_offset}..${r.log_end_offset}, next ${r.next_offset}`;
  } catch (e) {
    note.textContent = e.message;
  }
}

document.getElementById('browser').addEventListener('submit', browse);
refresh();
setInterval(refresh, POLL_MS);
