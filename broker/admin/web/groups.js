// Consumer groups: the list (state, members, lag) and one group (members with their
// assignments, committed offsets and lag per partition, offset reset while it is empty).
// Both redraw on every poll, so the detail shows the same lag as the list.
import { api, send, el, enc, num, table, stateClass } from './util.js';

const view = { q: '' };
let groupId = '';

const lagCell = (n) => el('span', { class: n > 0 ? 'lag' : '' }, num(n));

export function mountList(root) {
  root.replaceChildren(el('h2', {}, 'Consumer groups'),
    el('div', { class: 'toolbar' }, el('input', { id: 'g-search', type: 'search', placeholder: 'Search groups…', value: view.q,
      oninput: (e) => { view.q = e.target.value; refreshList(); } }), el('span', { id: 'g-count', class: 'muted' })),
    el('div', { id: 'groups-table' }));
}

export async function refreshList() {
  const { groups } = await api('/v1/groups');
  const shown = groups.filter((g) => g.group_id.toLowerCase().includes(view.q.toLowerCase()))
    .sort((a, b) => a.group_id.localeCompare(b.group_id));
  document.getElementById('g-count').textContent = `${shown.length} of ${groups.length} groups`;
  document.getElementById('groups-table').replaceChildren(shown.length ? table([
    { title: 'Group', get: (g) => el('a', { href: '#/group/' + enc(g.group_id) }, g.group_id) },
    { title: 'State', get: (g) => el('span', { class: 'state ' + stateClass(g.state) }, g.state) },
    { title: 'Type', get: (g) => `${g.type}${g.protocol_type ? ' / ' + g.protocol_type : ''}` },
    { title: 'Members', cls: 'num', key: 'members', get: (g) => g.members ?? 0 },
    { title: 'Lag', cls: 'num group-lag', key: 'lag', get: (g) => lagCell(g.total_lag ?? 0) },
  ], shown, { id: 'groups' }, (g) => ({ 'data-group': g.group_id })) : el('p', { class: 'muted' }, 'No consumer groups.'));
}

export function mountGroup(root, id) {
  groupId = id;
  const reset = el('form', { id: 'reset-form', class: 'inline', onsubmit: resetOffsets },
    el('select', { id: 'r-to', onchange: () => {
      const to = document.getElementById('r-to').value;
      document.getElementById('r-offset').hidden = to !== 'offset';
      document.getElementById('r-time').hidden = to !== 'timestamp';
    } }, ['earliest', 'latest', 'offset', 'timestamp'].map((v) => el('option', { value: v }, 'to ' + v))),
    el('input', { id: 'r-offset', type: 'number', min: 0, placeholder: 'offset', hidden: true }),
    el('input', { id: 'r-time', type: 'datetime-local', step: 1, hidden: true }),
    el('select', { id: 'r-topic' }, el('option', { value: '' }, 'all topics')),
    el('button', { type: 'submit', id: 'r-submit' }, 'Reset offsets'), el('span', { id: 'r-note', class: 'form-note' }));
  root.replaceChildren(
    el('div', { class: 'crumbs' }, el('a', { href: '#/groups' }, 'Consumer groups'), ' / ', el('b', {}, id)),
    el('h2', { id: 'group-name' }, id),
    el('section', { id: 'group-cards', class: 'cards' }),
    el('h3', {}, 'Members'), el('div', { id: 'group-members' }),
    el('h3', {}, 'Offsets and lag'), el('div', { id: 'group-offsets' }),
    el('h3', {}, 'Reset offsets'), el('p', { id: 'r-why', class: 'muted' }), reset);
}

export async function refreshGroup() {
  const id = groupId;
  let g;
  try {
    g = await api('/v1/groups/' + enc(id));
  } catch (e) {
    document.getElementById('group-cards').replaceChildren(el('p', { class: 'error' }, e.message));
    document.getElementById('group-members').replaceChildren();
    document.getElementById('group-offsets').replaceChildren();
    return;
  }
  if (id !== groupId) return;
  document.getElementById('group-cards').replaceChildren(
    ...[[el('span', { class: 'state ' + stateClass(g.state) }, g.state), 'state'], [g.members.length, 'members'],
      [lagCell(g.total_lag), 'total lag'], [g.generation, g.type === 'consumer' ? 'group epoch' : 'generation'],
      [g.protocol || '–', g.type === 'consumer' ? 'assignor' : 'protocol']].map(([v, k]) =>
      el('div', { class: 'card' }, el('div', { class: 'v' }, v), el('div', { class: 'k' }, k))));
  document.getElementById('group-members').replaceChildren(g.members.length ? table([
    { title: 'Client id', get: (m) => m.client_id },
    { title: 'Host', get: (m) => m.client_host },
    { title: 'Member id', get: (m) => el('code', { class: 'small' }, m.member_id) },
    { title: 'Assigned partitions', get: (m) => m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', ') || '–' },
  ], g.members, { id: 'members' }) : el('p', { class: 'muted' }, 'No members: nobody consumes with this group now.'));
  const owner = new Map();
  for (const m of g.members) for (const a of m.assignment) owner.set(`${a.topic}/${a.partition}`, m.client_id);
  document.getElementById('group-offsets').replaceChildren(g.offsets.length ? table([
    { title: 'Topic', key: 'topic', get: (o) => el('a', { href: '#/topic/' + enc(o.topic) }, o.topic) },
    { title: 'Partition', cls: 'num', key: 'partition', get: (o) => o.partition },
    { title: 'Committed offset', cls: 'num', key: 'committed', get: (o) => num(o.committed_offset) },
    { title: 'Log end offset', cls: 'num', key: 'end', get: (o) => num(o.log_end_offset) },
    { title: 'Lag', cls: 'num', key: 'lag', get: (o) => lagCell(o.lag) },
    { title: 'Consumer', key: 'owner', get: (o) => owner.get(`${o.topic}/${o.partition}`) || '–' },
  ], g.offsets, { id: 'offsets' }, (o) => ({ 'data-tp': `${o.topic}/${o.partition}` })) : el('p', { class: 'muted' }, 'No committed offsets.'));
  const empty = g.members.length === 0;
  document.getElementById('r-submit').disabled = !empty;
  document.getElementById('r-why').textContent = empty
    ? 'The group has no members: its committed offsets can be moved.'
    : 'Offsets can be reset only while the group is empty: stop its consumers first.';
  const topicSelect = document.getElementById('r-topic');
  const topics = [...new Set(g.offsets.map((o) => o.topic))];
  if (topicSelect.options.length !== topics.length + 1) {
    const chosen = topicSelect.value;
    topicSelect.replaceChildren(el('option', { value: '' }, 'all topics'), ...topics.map((t) => el('option', { value: t }, t)));
    topicSelect.value = chosen;
  }
}

async function resetOffsets(e) {
  e.preventDefault();
  const note = document.getElementById('r-note');
  const body = { to: document.getElementById('r-to').value };
  if (body.to === 'offset') body.offset = Number(document.getElementById('r-offset').value || 0);
  if (body.to === 'timestamp') body.timestamp = new Date(document.getElementById('r-time').value).getTime() || 0;
  const topic = document.getElementById('r-topic').value;
  if (topic) body.topic = topic;
  try {
    const g = await send(`/v1/groups/${enc(groupId)}/reset-offsets`, 'POST', body);
    note.textContent = `reset: total lag now ${num(g.total_lag)}`;
    note.className = 'form-note ok';
    refreshGroup();
  } catch (err) {
    note.textContent = err.message;
    note.className = 'form-note error';
  }
}
