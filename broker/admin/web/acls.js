// ACLs: what the authorizer allows and denies, in kafka-acls' terms, filtered by resource and
// principal; an ACL added or removed here is stored like one from CreateAcls/DeleteAcls.
import { api, send, el, enc, table } from './util.js';

const RESOURCES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS'];
const view = { q: '', type: 'ANY' };
const options = (values) => values.map((v) => el('option', { value: v }, v));

export function mount(root) {
  const add = el('form', { id: 'acl-form', class: 'inline', onsubmit: addAcl },
    el('select', { name: 'permission' }, options(['ALLOW', 'DENY'])),
    el('input', { name: 'principal', placeholder: 'User:alice', required: true }),
    el('select', { name: 'operation' }, options(OPERATIONS)),
    el('select', { name: 'resource_type' }, options(RESOURCES)),
    el('select', { name: 'pattern_type' }, options(['LITERAL', 'PREFIXED'])),
    el('input', { name: 'name', placeholder: 'resource name (* for all)', required: true }),
    el('input', { name: 'host', placeholder: 'host', value: '*', size: 10 }),
    el('button', { type: 'submit' }, 'Add ACL'), el('span', { id: 'acl-note', class: 'form-note' }));
  root.replaceChildren(el('h2', {}, 'ACLs'), el('p', { id: 'acl-state', class: 'muted' }),
    el('div', { class: 'toolbar' },
      el('select', { id: 'a-type', onchange: (e) => { view.type = e.target.value; refresh(); } }, options(['ANY', ...RESOURCES])),
      el('input', { id: 'a-search', type: 'search', placeholder: 'Search principal or resource…', value: view.q,
        oninput: (e) => { view.q = e.target.value; refresh(); } }),
      el('span', { id: 'a-count', class: 'muted' })),
    el('div', { id: 'acl-table' }), el('h3', {}, 'Add an ACL'), add);
}

async function addAcl(e) {
  e.preventDefault();
  const f = e.target;
  const note = document.getElementById('acl-note');
  const body = Object.fromEntries(['permission', 'principal', 'operation', 'resource_type', 'pattern_type', 'name', 'host']
    .map((k) => [k, f[k].value.trim()]));
  try {
    await send('/v1/acls', 'POST', body);
    note.textContent = 'added'; note.className = 'form-note ok';
    await refresh();
  } catch (err) {
    note.textContent = err.message; note.className = 'form-note error';
  }
}

async function removeAcl(a) {
  if (!confirm(`Remove ${a.permission} ${a.operation} for ${a.principal} on ${a.resource_type} ${a.name}?`)) return;
  const q = new URLSearchParams({ resource_type: a.resource_type, name: a.name, pattern_type: a.pattern_type,
    principal: a.principal, host: a.host, operation: a.operation, permission: a.permission });
  await api('/v1/acls?' + q, { method: 'DELETE' });
  await refresh();
}

export async function refresh() {
  const r = await api('/v1/acls' + (view.type === 'ANY' ? '' : '?resource_type=' + enc(view.type)));
  document.getElementById('acl-state').textContent = r.enabled
    ? 'The authorizer is on: every request is checked against these ACLs.'
    : 'No authorizer is configured (authorizer.class.name): every request is allowed and ACLs cannot be added.';
  document.getElementById('acl-form').hidden = !r.enabled;
  const q = view.q.toLowerCase();
  const shown = r.acls.filter((a) => a.principal.toLowerCase().includes(q) || a.name.toLowerCase().includes(q));
  document.getElementById('a-count').textContent = `${shown.length} of ${r.acls.length} ACLs`;
  document.getElementById('acl-table').replaceChildren(shown.length ? table([
    { title: 'Principal', get: (a) => el('code', {}, a.principal) },
    { title: 'Permission', key: 'permission', get: (a) => el('span', { class: 'state ' + (a.permission === 'ALLOW' ? 'ok' : 'bad') }, a.permission) },
    { title: 'Operation', key: 'operation', get: (a) => a.operation },
    { title: 'Resource', get: (a) => a.resource_type },
    { title: 'Pattern', get: (a) => a.pattern_type },
    { title: 'Name', key: 'name', get: (a) => el('code', {}, a.name) },
    { title: 'Host', get: (a) => a.host },
    { title: '', get: (a) => el('button', { class: 'danger small', onclick: () => removeAcl(a).catch((err) => alert(err.message)) }, 'Remove') },
  ], shown, { id: 'acls' }, (a) => ({ 'data-acl': `${a.permission}:${a.operation}:${a.principal}:${a.resource_type}:${a.name}` }))
    : el('p', { class: 'muted' }, r.enabled ? 'No ACLs.' : ''));
}
