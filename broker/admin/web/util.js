// Shared by the console's pages: the admin API, DOM building, number formats.
let token = localStorage.getItem('chronik.token') || '';

export async function api(path, options = {}) {
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

export const send = (path, method, body) => api(path, { method, body: JSON.stringify(body) });

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

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

export const enc = encodeURIComponent;

export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

export const num = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

export function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function card(value, key, cls) {
  const title = value instanceof Node ? value.textContent : String(value);
  return el('div', { class: 'card ' + (cls || '') }, el('div', { class: 'v', title }, value), el('div', { class: 'k' }, key));
}

// A table whose header cells and row cells come from one list of columns, so that a value
// can never sit under another column's header. col: {title, cls, get(row) -> node|text}.
export function table(columns, rows, attrs = {}, rowAttrs = () => ({})) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { class: c.cls || '', 'data-col': c.key || '' }, c.title)))),
    el('tbody', {}, rows.map((r) => el('tr', rowAttrs(r), columns.map((c) => el('td', { class: c.cls || '', 'data-col': c.key || '' }, c.get(r)))))));
}

export function errorBox(message) {
  return el('p', { class: 'error', role: 'alert' }, message);
}

export const stateClass = (s) => ({ Stable: 'ok', Empty: 'muted', Dead: 'bad' }[s] || 'warn');
