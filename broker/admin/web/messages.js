// The message browser of a topic: one partition, newest or oldest first, from an offset or a
// time, a text search in keys, values or headers (done by the broker, within its scan
// budget), values shown as pretty JSON, text or hex; and producing a record.
import { api, send, el, enc } from './util.js';

let topic = '';
let presetPartition = null;
let next = null;   // the query to continue with ("Load more"), or null

export const preset = (p) => { presetPartition = p; };

export async function mount(root, name) {
  topic = name;
  next = null;
  const t = await api('/v1/topics/' + enc(name));
  const partitionOptions = [...Array(t.partitions).keys()].map((p) => el('option', { value: p }, `partition ${p}`));
  const form = el('form', { id: 'browser', class: 'inline', onsubmit: (e) => { e.preventDefault(); read(false); } },
    el('select', { id: 'b-partition' }, partitionOptions),
    el('select', { id: 'b-order' }, el('option', { value: 'newest' }, 'newest first'), el('option', { value: 'oldest' }, 'oldest first')),
    el('select', { id: 'b-mode', onchange: modeChanged }, el('option', { value: 'end' }, 'from the end/start'),
      el('option', { value: 'offset' }, 'from offset'), el('option', { value: 'timestamp' }, 'from time')),
    el('input', { id: 'b-offset', type: 'number', min: 0, placeholder: 'offset', hidden: true }),
    el('input', { id: 'b-time', type: 'datetime-local', step: 1, hidden: true }),
    el('input', { id: 'b-q', type: 'search', placeholder: 'search text', class: 'wide' }),
    el('select', { id: 'b-in' }, ['any', 'key', 'value', 'headers'].map((v) => el('option', { value: v }, 'in ' + v))),
    el('label', {}, 'Records ', el('input', { id: 'b-limit', type: 'number', min: 1, max: 1000, value: 50 })),
    el('select', { id: 'b-format' }, ['auto', 'json', 'text', 'hex'].map((v) => el('option', { value: v }, v === 'auto' ? 'decode: auto' : 'as ' + v))),
    el('button', { type: 'submit' }, 'Read'));
  if (presetPartition !== null) { form.querySelector('#b-partition').value = presetPartition; presetPartition = null; }
  const produceForm = el('form', { id: 'produce', class: 'produce', onsubmit: produce },
    el('div', { class: 'inline' },
      el('select', { id: 'p-partition' }, el('option', { value: '' }, 'partition: by key'), partitionOptions.map((o) => o.cloneNode(true))),
      el('input', { id: 'p-key', placeholder: 'key (empty: none)' }),
      el('input', { id: 'p-headers', placeholder: 'headers: name=value, …', class: 'wide' })),
    el('textarea', { id: 'p-value', rows: 3, placeholder: 'value, e.g. {"id": 1}' }),
    el('div', { class: 'inline' }, el('button', { type: 'submit' }, 'Produce'), el('span', { id: 'p-note', class: 'form-note' })));
  root.replaceChildren(form,
    el('p', { id: 'b-note', class: 'muted' }),
    el('table', { id: 'records' }, el('thead', {}, el('tr', {}, ['Offset', 'Timestamp', 'Key', 'Value', 'Headers']
      .map((h, i) => el('th', { class: i === 0 ? 'num' : '' }, h)))), el('tbody')),
    el('div', { class: 'pager' }, el('button', { id: 'b-more', hidden: true, onclick: () => read(true) }, 'Load more')),
    el('details', { class: 'produce-box' }, el('summary', {}, 'Produce a record'), produceForm));
  read(false);
}

function modeChanged() {
  const mode = document.getElementById('b-mode').value;
  document.getElementById('b-offset').hidden = mode !== 'offset';
  document.getElementById('b-time').hidden = mode !== 'timestamp';
}

function query() {
  const p = new URLSearchParams();
  p.set('order', document.getElementById('b-order').value);
  const mode = document.getElementById('b-mode').value;
  if (mode === 'offset') p.set('offset', document.getElementById('b-offset').value || '0');
  if (mode === 'timestamp') {
    const t = document.getElementById('b-time').value;
    if (t) p.set('timestamp', String(new Date(t).getTime()));
  }
  const q = document.getElementById('b-q').value;
  if (q) { p.set('q', q); p.set('search_in', document.getElementById('b-in').value); }
  p.set('limit', document.getElementById('b-limit').value || '50');
  return p;
}

async function read(more) {
  const tbody = document.querySelector('#records tbody');
  const note = document.getElementById('b-note');
  const moreButton = document.getElementById('b-more');
  const partition = document.getElementById('b-partition').value;
  const params = more && next ? next : query();
  if (!more) tbody.replaceChildren();  // never show rows of another query under a new one
  try {
    const r = await api(`/v1/topics/${enc(topic)}/partitions/${partition}/records?${params}`);
    const format = document.getElementById('b-format').value;
    tbody.append(...r.records.map((rec) => row(rec, format)));
    const shown = tbody.children.length;
    note.textContent = `${shown} record(s) shown · partition ${partition} holds offsets ${r.log_start_offset}…${r.log_end_offset - 1}` +
      (params.get('q') ? ` · ${r.scanned} scanned` : '');
    const done = r.order === 'newest' ? r.next_offset < 0 : r.next_offset >= r.log_end_offset;
    if (!done) {
      next = new URLSearchParams(params);
      next.set('offset', r.next_offset);
      next.delete('timestamp');
    } else {
      next = null;
    }
    moreButton.hidden = done;
    note.className = 'muted';
  } catch (e) {
    tbody.replaceChildren();
    next = null;
    moreButton.hidden = true;
    note.textContent = e.message;
    note.className = 'error';
  }
}

function decode(v) {
  if (v.encoding === 'utf8') return new TextEncoder().encode(v.data);
  return Uint8Array.from(atob(v.data), (c) => c.charCodeAt(0));
}

function hex(u8) {
  const lines = [];
  for (let i = 0; i < u8.length; i += 16) {
    const part = [...u8.slice(i, i + 16)];
    lines.push(i.toString(16).padStart(6, '0') + '  ' + part.map((b) => b.toString(16).padStart(2, '0')).join(' ').padEnd(48) +
      '  ' + part.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join(''));
  }
  return lines.join('\n');
}

// {kind: 'json'|'text'|'hex'|'null', text}
function show(v, format) {
  if (v === null) return { kind: 'null', text: 'null' };
  const cut = v.truncated ? `\n… cut at ${v.data.length} of ${v.size} bytes` : '';
  if (format === 'hex' || (format === 'auto' && v.encoding === 'base64')) return { kind: 'hex', text: hex(decode(v)) + cut };
  const text = v.encoding === 'utf8' ? v.data : new TextDecoder().decode(decode(v));
  if (format !== 'text') {
    try {
      const j = JSON.parse(text);
      if (typeof j === 'object' && j !== null) return { kind: 'json', text: JSON.stringify(j, null, 2) + cut };
    } catch (e) { /* not JSON */ }
  }
  return { kind: 'text', text: text + cut };
}

function cell(v, format, cls) {
  const s = show(v, format);
  return el('td', { class: cls }, el('pre', { class: 'data ' + s.kind, title: s.kind }, s.text), s.kind !== 'null' ? el('span', { class: 'tag' }, s.kind) : null);
}

function row(rec, format) {
  return el('tr', { class: 'record' + (rec.control ? ' control' : ''), 'data-offset': rec.offset },
    el('td', { class: 'num' }, rec.offset),
    el('td', { class: 'ts' }, new Date(rec.timestamp).toISOString().replace('T', ' ').replace('Z', '')),
    cell(rec.key, format === 'json' ? 'auto' : format, 'key'),
    cell(rec.value, format, 'value'),
    el('td', { class: 'headers' }, rec.headers.map((h) => el('div', {}, el('b', {}, h.key), ' ', show(h.value, format === 'hex' ? 'hex' : 'text').text))));
}

async function produce(e) {
  e.preventDefault();
  const note = document.getElementById('p-note');
  const body = { value: document.getElementById('p-value').value };
  const key = document.getElementById('p-key').value;
  if (key) body.key = key;
  const partition = document.getElementById('p-partition').value;
  if (partition !== '') body.partition = Number(partition);
  const headers = document.getElementById('p-headers').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (headers.length) body.headers = headers.map((h) => { const i = h.indexOf('='); return i < 0 ? { key: h, value: null } : { key: h.slice(0, i), value: h.slice(i + 1) }; });
  try {
    const r = await send(`/v1/topics/${enc(topic)}/records`, 'POST', body);
    note.textContent = `written to partition ${r.partition} at offset ${r.offset}`;
    note.className = 'form-note ok';
    document.getElementById('b-partition').value = r.partition;
    read(false);
  } catch (err) {
    note.textContent = err.message;
    note.className = 'form-note error';
  }
}
