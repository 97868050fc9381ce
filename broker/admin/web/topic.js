// One topic: partitions (leader, earliest and latest offsets, size), the message browser
// (messages.js), the groups consuming it, its configs with their sources (editable), delete.
import { api, send, el, enc, bytes, num, table, errorBox, stateClass } from './util.js';
import * as messages from './messages.js';

let current = { name: '', tab: 'partitions' };
const TABS = [['partitions', 'Partitions'], ['messages', 'Messages'], ['consumers', 'Consumers'], ['configs', 'Configs']];

export function mount(root, name, tab) {
  current = { name, tab: tab || 'partitions' };
  root.replaceChildren(
    el('div', { class: 'crumbs' }, el('a', { href: '#/topics' }, 'Topics'), ' / ', el('b', {}, name)),
    el('div', { class: 'title-row' }, el('h2', { id: 'topic-name' }, name),
      el('button', { class: 'danger', id: 'delete-topic', onclick: deleteTopic }, 'Delete topic')),
    el('section', { id: 'topic-cards', class: 'cards' }),
    el('nav', { class: 'tabs' }, TABS.map(([k, label]) =>
      el('a', { href: `#/topic/${enc(name)}/${k}`, class: k === current.tab ? 'active' : '', 'data-tab': k }, label))),
    el('div', { id: 'tab' }));
  if (current.tab === 'messages') messages.mount(document.getElementById('tab'), name);
}

async function deleteTopic() {
  const typed = prompt(`Delete topic ${current.name} and all its records? Type its name to confirm.`);
  if (typed !== current.name) return;
  try {
    await send('/v1/topics/' + enc(current.name), 'DELETE');
    location.hash = '#/topics';
  } catch (e) {
    alert(e.message);
  }
}

export async function refresh() {
  const name = current.name;
  const t = await api('/v1/topics/' + enc(name));
  if (name !== current.name) return;
  document.getElementById('topic-cards').replaceChildren(
    ...[[t.partitions, 'partitions'], [num(t.messages), 'messages retained'], [bytes(t.size_bytes), 'on disk'],
      [t.replication_factor, 'replication factor'], [t.id, 'topic id']].map(([v, k]) =>
      el('div', { class: 'card' }, el('div', { class: 'v', title: String(v) }, v), el('div', { class: 'k' }, k))));
  const tab = document.getElementById('tab');
  if (current.tab === 'partitions') {
    tab.replaceChildren(table([
      { title: 'Partition', cls: 'num', get: (p) => p.partition },
      { title: 'Leader', cls: 'num', get: (p) => p.leader },
      { title: 'Earliest offset', cls: 'num', key: 'earliest', get: (p) => num(p.log_start_offset) },
      { title: 'Latest offset', cls: 'num', key: 'latest', get: (p) => num(p.log_end_offset) },
      { title: 'Last stable offset', cls: 'num', key: 'lso', get: (p) =>
        el('span', { class: p.last_stable_offset < p.log_end_offset ? 'lag' : '', title: 'read_committed consumers read up to here' },
          num(p.last_stable_offset)) },
      { title: 'Messages', cls: 'num', get: (p) => num(p.messages) },
      { title: 'Size', cls: 'num', get: (p) => bytes(p.size_bytes) },
      { title: '', get: (p) => el('a', { href: `#/topic/${enc(name)}/messages`, onclick: () => { messages.preset(p.partition); } }, 'browse') },
    ], t.partition_details, { id: 'partitions' }, (p) => ({ 'data-partition': p.partition })));
  } else if (current.tab === 'consumers') {
    const c = await api(`/v1/topics/${enc(name)}/consumers`);
    tab.replaceChildren(c.groups.length ? table([
      { title: 'Group', get: (g) => el('a', { href: '#/group/' + enc(g.group_id) }, g.group_id) },
      { title: 'State', get: (g) => el('span', { class: 'state ' + stateClass(g.state) }, g.state) },
      { title: 'Members on this topic', cls: 'num', get: (g) => g.members },
      { title: 'Lag on this topic', cls: 'num lag-cell', get: (g) => el('span', { class: g.lag > 0 ? 'lag' : '' }, num(g.lag)) },
      { title: 'Per partition', get: (g) => g.partitions.map((p) => `p${p.partition}: ${num(p.lag)}`).join(' · ') },
    ], c.groups, { id: 'topic-consumers' }, (g) => ({ 'data-group': g.group_id }))
      : el('p', { class: 'muted' }, 'No consumer group has committed offsets on this topic or is assigned its partitions.'));
  } else if (current.tab === 'configs') {
    if (document.querySelector('#tab .editing')) return;  // do not redraw under an open editor
    const c = await api(`/v1/topics/${enc(name)}/configs`);
    tab.replaceChildren(el('p', { class: 'muted' }, 'Overrides (DYNAMIC_TOPIC_CONFIG) can be edited or reset to the broker default.'),
      table([
        { title: 'Name', get: (e) => el('code', {}, e.name) },
        { title: 'Value', key: 'value', get: (e) => el('span', { class: 'cfg-value' }, e.sensitive ? '(sensitive)' : (e.value ?? 'null')) },
        { title: 'Source', get: (e) => el('span', { class: 'source ' + (e.source === 'DYNAMIC_TOPIC_CONFIG' ? 'override' : '') }, e.source) },
        { title: '', get: (e) => e.read_only ? el('span', { class: 'muted' }, 'read-only') : [
          el('button', { class: 'small', onclick: (ev) => editConfig(ev, e) }, 'Edit'),
          e.source === 'DYNAMIC_TOPIC_CONFIG' ? el('button', { class: 'small', onclick: () => resetConfig(e) }, 'Reset') : null] },
      ], c.configs, { id: 'topic-configs' }, (e) => ({ 'data-config': e.name })));
  }
}

function editConfig(ev, entry) {
  const cell = ev.target.closest('tr').querySelector('td[data-col=value]');
  const input = el('input', { value: entry.value ?? '', class: 'cfg-input' });
  const note = el('span', { class: 'form-note' });
  const form = el('form', { class: 'inline editing', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await send(`/v1/topics/${enc(current.name)}/configs`, 'PATCH', { set: { [entry.name]: input.value } });
      form.remove();
      refresh();
    } catch (err) {
      note.textContent = err.message; note.className = 'form-note error';
    }
  } }, input, el('button', { type: 'submit' }, 'Save'), el('button', { type: 'button', onclick: () => { form.remove(); refresh(); } }, 'Cancel'), note);
  cell.replaceChildren(form);
  input.focus();
}

async function resetConfig(entry) {
  await send(`/v1/topics/${enc(current.name)}/configs`, 'PATCH', { delete: [entry.name] });
  refresh();
}
