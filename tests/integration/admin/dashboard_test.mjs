// Drives every page of the admin console in Debian's headless Chromium (playwright-core)
// against the real broker and the data test_admin.py made with real Kafka clients, and
// writes a screenshot of each page.
//
// usage: node dashboard_test.mjs <json settings>
//   {url, bootstrap, topic, messages, group, lag, value, live, payments, bulk, timed, txn,
//    txn_topic, shots}
// <timed> holds 10 records an hour apart from 2026-01-01T00:00Z; <txn> is a transactional id
// whose transaction on <txn_topic> partition 1 (4 records) stays open; the broker runs Kafka's
// authorizer with no ACLs.
// <live> is being produced to while the page is open: its chart must show a rate. The group's
// lag is raised by a real producer while its page is open: the page must follow.
import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const s = JSON.parse(process.argv[2]);
const url = s.url;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures.push(what);
};
// Polls `get` until `want(value)` holds (the console redraws every 2 s), returns the last value.
async function until(get, want, ms = 10000) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    try { v = await get(); } catch (e) { v = undefined; }
    if (want(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}
const text = (loc) => loc.first().textContent({ timeout: 2000 });
const shot = async (page, name) => {
  await page.screenshot({ path: path.join(s.shots, name), fullPage: true });
  console.log(`screenshot: ${path.join(s.shots, name)}`);
};

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  // UTC, so that a time typed into the page is the time the records carry.
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, timezoneId: 'UTC' });
  page.on('dialog', (d) => d.accept(d.type() === 'prompt' ? s.doomed : undefined));
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 4')) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:')) external.push(r.url()); });

  // --- topic list: live rate, search, paging, sort ---------------------------------------
  await page.goto(url + '/#/topics', { waitUntil: 'load' });
  await page.locator('#topics tbody tr').first().waitFor({ timeout: 10000 });
  check(await page.locator('#topics tbody tr').count() === 50, 'a page holds 50 topics');
  check((await text(page.locator('#t-page'))).includes('of 3'), `${s.bulk} topics make 3 pages`);
  await page.fill('#t-search', s.topic);
  const row = page.locator(`#topics tr[data-topic="${s.topic}"]`);
  await row.waitFor({ timeout: 10000 });
  check(await text(row.locator('td.messages')) === s.messages, `topic ${s.topic} shows ${s.messages} messages`);
  await page.fill('#t-search', s.live);
  const rate = await until(async () => parseFloat(await text(page.locator(`#topics tr[data-topic="${s.live}"] td.rate`))), (r) => r > 0, 12000);
  check(rate > 0, `live topic ${s.live} shows a message rate (${rate}/s)`);
  await page.fill('#t-search', '');
  // Clearing the search refreshes the list asynchronously: Next is enabled only once all
  // three pages are back, and the label follows the click's own refresh.
  await until(async () => text(page.locator('#t-page')), (t) => (t || '').includes('page 1 of 3'));
  await page.click('#t-next');
  const label = await until(async () => text(page.locator('#t-page')), (t) => (t || '').includes('page 2'));
  check((label || '').includes('page 2'), `next page (${label})`);
  await page.fill('#t-search', 'bulk-01');
  const found = await until(() => page.locator('#topics tbody tr').count(), (n) => n === 10);
  check(found === 10, `search "bulk-01" finds 10 topics (${found})`);
  await page.fill('#t-search', '');
  await page.click('#topics th[data-col=messages]');
  await page.click('#topics th[data-col=messages]');  // descending
  const first = await until(() => page.locator('#topics tbody tr').first().getAttribute('data-topic'), (t) => t === s.payments || t === s.live || t === s.topic);
  check([s.live, s.topic].includes(first), `sorted by messages, descending: ${first} first`);
  check(!(await page.locator('.card.listener .v').evaluate((e) => e.scrollWidth > e.parentElement.clientWidth + 1)), 'the listener card does not overflow');
  await page.waitForTimeout(2500);
  await shot(page, 'admin-dashboard.png');

  // --- topic page: partitions, consumers, configs ---------------------------------------
  await page.goto(`${url}/#/topic/${s.topic}`);
  const p0 = page.locator('#partitions tr[data-partition="0"]');
  await p0.waitFor({ timeout: 10000 });
  const headers = await page.locator('#partitions th').allTextContents();
  const cells = await p0.locator('td').allTextContents();
  const at = (h) => cells[headers.indexOf(h)];
  check(at('Partition') === '0' && at('Leader') === '1' && at('Earliest offset') === '0' && at('Latest offset') === String(s.p0_end),
        `partition 0 row: leader 1, offsets 0..${s.p0_end} under their headers (${cells.join(' | ')})`);
  await page.click('.tabs a[data-tab=consumers]');
  const consumer = page.locator(`#topic-consumers tr[data-group="${s.group}"]`);
  await consumer.waitFor({ timeout: 10000 });
  check((await text(consumer.locator('td.lag-cell'))) === s.lag, `consumers tab: ${s.group} lags ${s.lag} on ${s.topic}`);
  await page.click('.tabs a[data-tab=configs]');
  const retention = page.locator('#topic-configs tr[data-config="retention.ms"]');
  await retention.waitFor({ timeout: 10000 });
  check((await text(retention)).includes('DEFAULT_CONFIG'), 'retention.ms comes from DEFAULT_CONFIG');
  await retention.locator('button', { hasText: 'Edit' }).click();
  await retention.locator('input.cfg-input').fill('86400000');
  await retention.locator('button[type=submit]').click();
  const edited = await until(() => text(page.locator('#topic-configs tr[data-config="retention.ms"]')), (t) => t && t.includes('DYNAMIC_TOPIC_CONFIG'));
  check(edited && edited.includes('86400000'), `retention.ms edited to 86400000, an override (${edited})`);
  const bad = page.locator('#topic-configs tr[data-config="cleanup.policy"]');
  await bad.locator('button', { hasText: 'Edit' }).click();
  await bad.locator('input.cfg-input').fill('sideways');
  await bad.locator('button[type=submit]').click();
  const refused = await until(() => text(bad.locator('.form-note')), (t) => t && t.length > 0);
  check(/cleanup.policy/.test(refused || ''), `a bad value is refused with the broker's reason (${refused})`);
  await bad.locator('button', { hasText: 'Cancel' }).click();
  await shot(page, 'console-topic.png');

  // --- message browser ------------------------------------------------------------------
  await page.goto(`${url}/#/topic/${s.payments}/messages`);
  await page.locator('#records tr.record').first().waitFor({ timeout: 10000 });
  const offsets = (await page.locator('#records tr.record').evaluateAll((rs) => rs.map((r) => Number(r.dataset.offset))));
  check(offsets.length === s.payments_count && offsets[0] === s.payments_count - 1 && offsets[offsets.length - 1] === 0,
        `newest first by default: ${offsets.slice(0, 3).join(',')}…`);
  const json = page.locator('#records tr[data-offset="0"] td.value pre.json');
  check((await json.count()) === 1 && (await text(json)).includes('\n  "amount"'), 'a JSON value is pretty-printed');
  const hex = page.locator(`#records tr[data-offset="${s.binary_offset}"] td.value pre.hex`);
  check((await hex.count()) === 1 && (await text(hex)).includes('00 ff 10'), 'a binary value is shown as hex');
  check((await text(page.locator('#records tr[data-offset="0"] td.headers'))).includes('source'), 'headers are shown');
  await page.fill('#b-q', 'refund');
  await page.click('#browser button[type=submit]');
  const hits = await until(() => page.locator('#records tr.record').count(), (n) => n === s.refunds);
  check(hits === s.refunds, `search "refund" finds ${s.refunds} records (${hits})`);
  await page.selectOption('#b-order', 'oldest');
  await page.selectOption('#b-mode', 'offset');
  await page.fill('#b-offset', '3');
  await page.fill('#b-q', '');
  await page.click('#browser button[type=submit]');
  const firstOff = await until(() => page.locator('#records tr.record').first().getAttribute('data-offset'), (o) => o === '3');
  check(firstOff === '3', 'oldest first from offset 3');
  // An error clears the rows of the previous query.
  await page.fill('#b-q', 'x'.repeat(1100));
  await page.click('#browser button[type=submit]');
  const err = await until(() => text(page.locator('#b-note.error')), (t) => t && t.length > 0);
  check(!!err && await page.locator('#records tr.record').count() === 0, `an error shows its reason and no stale rows (${err})`);
  await page.fill('#b-q', '');
  // Produce from the page; it is read back.
  await page.locator('details.produce-box summary').click();
  await page.selectOption('#p-partition', '0');
  await page.fill('#p-key', 'from-console');
  await page.fill('#p-headers', 'origin=console');
  await page.fill('#p-value', '{"amount": 7, "kind": "produced in the console"}');
  await page.click('#produce button[type=submit]');
  const produced = await until(() => text(page.locator('#p-note')), (t) => t && t.includes('offset'));
  check(produced && produced.includes(`offset ${s.payments_count}`), `produced from the page (${produced})`);
  await page.selectOption('#b-order', 'newest');
  await page.selectOption('#b-mode', 'end');
  await page.click('#browser button[type=submit]');
  const top = await until(() => text(page.locator('#records tr.record td.value')), (t) => t && t.includes('produced in the console'));
  check(!!top && top.includes('produced in the console'), 'the produced record is read back first');
  await page.fill('#b-q', '');
  await shot(page, 'console-messages.png');

  // --- browsing by time -------------------------------------------------------------------
  await page.goto(`${url}/#/topic/${s.timed}/messages`);
  await page.locator('#records tr.record').first().waitFor({ timeout: 10000 });
  await page.selectOption('#b-order', 'oldest');
  await page.selectOption('#b-mode', 'timestamp');
  await page.fill('#b-time', '2026-01-01T04:00:00');
  await page.click('#browser button[type=submit]');
  const fromTime = await until(() => page.locator('#records tr.record').evaluateAll((rs) => rs.map((r) => r.dataset.offset).join(',')),
    (o) => o === '4,5,6,7,8,9');
  check(fromTime === '4,5,6,7,8,9', `oldest first from 04:00 reads offsets 4 to 9 (${fromTime})`);
  check((await text(page.locator('#records tr[data-offset="4"] td.ts'))).startsWith('2026-01-01 04:00:00'),
        'the record of 04:00 shows its time');
  await page.fill('#b-time', '2026-01-01T06:30:00');
  await page.selectOption('#b-order', 'newest');
  await page.click('#browser button[type=submit]');
  const back = await until(() => page.locator('#records tr.record').evaluateAll((rs) => rs.map((r) => r.dataset.offset).join(',')),
    (o) => (o || '').startsWith('7,6'));
  check((back || '').startsWith('7,6,5'), `newest first from 06:30 goes back from the first record at or after it (${back})`);

  // --- consumer groups: list, live detail, reset -----------------------------------------
  await page.goto(`${url}/#/groups`);
  const groupRow = page.locator(`#groups tr[data-group="${s.group}"]`);
  await groupRow.waitFor({ timeout: 10000 });
  check((await text(groupRow.locator('td.group-lag'))) === s.lag, `group ${s.group} shows lag ${s.lag}`);
  await groupRow.locator('a').click();
  await page.locator('#offsets').waitFor({ timeout: 10000 });
  const gHeaders = await page.locator('#offsets th').allTextContents();
  const gCells = await page.locator(`#offsets tr[data-tp="${s.topic}/0"] td`).allTextContents();
  check(gCells[gHeaders.indexOf('Lag')] === s.lag && gCells[gHeaders.indexOf('Partition')] === '0',
        `group detail: partition 0 lag ${s.lag} under its header (${gHeaders.join('|')} / ${gCells.join('|')})`);
  // A real producer adds 5 records while the page is open: the page follows without a reload.
  execFileSync('python3', ['-c', `
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": "${s.bootstrap}"})
for _ in range(5): p.produce("${s.topic}", value=b"more", partition=0)
assert p.flush(20) == 0`]);
  const want = String(Number(s.lag) + 5);
  const live = await until(() => text(page.locator(`#offsets tr[data-tp="${s.topic}/0"] td[data-col=lag]`)), (t) => t === want, 8000);
  check(live === want, `group detail lag follows live: ${s.lag} -> ${live}`);
  check((await text(page.locator('#group-cards'))).includes(want), 'the total lag card follows too');
  await page.selectOption('#r-to', 'latest');
  await page.click('#r-submit');
  const zero = await until(() => text(page.locator(`#offsets tr[data-tp="${s.topic}/0"] td[data-col=lag]`)), (t) => t === '0');
  check(zero === '0', 'reset to latest: lag 0');
  // A real consumer joins: the page shows it as a member with its assignment, live.
  const joining = spawn('python3', ['-c', `
import time
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": "${s.bootstrap}", "group.id": "${s.group}", "client.id": "console-test",
              "enable.auto.commit": False})
c.subscribe(["${s.topic}"])
end = time.time() + 40
while time.time() < end:
    c.poll(0.5)
c.close()`], { stdio: 'ignore' });
  try {
    const member = await until(() => text(page.locator('#members tbody tr')), (t) => t && t.includes('console-test') && t.includes(`${s.topic}-2`), 20000);
    check(!!member && member.includes(`${s.topic}-0`) && member.includes(`${s.topic}-2`),
          `a joining consumer is shown with its assignment (${member})`);
    check(await page.locator('#r-submit').isDisabled(), 'reset is disabled while the group has members');
    await shot(page, 'console-group.png');
  } finally {
    joining.kill();
  }
  await page.goto(`${url}/#/group/no-such-group`);
  const gErr = await until(() => text(page.locator('#group-cards .error')), (t) => t && t.length > 0);
  check(/no such group/.test(gErr || ''), `an unknown group says so (${gErr})`);

  // --- transactions -----------------------------------------------------------------------
  await page.goto(`${url}/#/transactions`);
  const txnRow = page.locator(`#transactions tr[data-txn="${s.txn}"]`);
  await txnRow.waitFor({ timeout: 10000 });
  const txnHeaders = await page.locator('#transactions th').allTextContents();
  const txnCells = await txnRow.locator('td').allTextContents();
  check(txnCells[txnHeaders.indexOf('State')] === 'Ongoing' && txnCells[txnHeaders.indexOf('Partitions')] === '1',
        `the open transaction is listed as Ongoing with 1 partition (${txnCells.join(' | ')})`);
  check((await text(page.locator('#txn-cards'))).includes('open now'), 'the open transactions are counted');
  await shot(page, 'console-transactions.png');
  await txnRow.locator('a').click();
  const held = page.locator(`#txn-partition-list tr[data-tp="${s.txn_topic}/1"]`);
  await held.waitFor({ timeout: 10000 });
  const heldHeaders = await page.locator('#txn-partition-list th').allTextContents();
  const heldCells = await held.locator('td').allTextContents();
  check(heldCells[heldHeaders.indexOf('Last stable offset')] === '0' && heldCells[heldHeaders.indexOf('High watermark')] === '4',
        `the transaction holds ${s.txn_topic}-1's last stable offset at 0 below its high watermark 4 (${heldCells.join(' | ')})`);
  await shot(page, 'console-transaction.png');
  await page.goto(`${url}/#/topic/${s.txn_topic}`);
  const heldPartition = page.locator('#partitions tr[data-partition="1"] td[data-col=lso]');
  await heldPartition.waitFor({ timeout: 10000 });
  check((await text(heldPartition)) === '0', 'the topic page shows the held last stable offset');

  // --- ACLs --------------------------------------------------------------------------------
  await page.goto(`${url}/#/acls`);
  await until(() => text(page.locator('#acl-state')), (t) => (t || '').includes('authorizer is on'));
  const form = page.locator('#acl-form');
  await form.locator('select[name=permission]').selectOption('DENY');
  await form.locator('input[name=principal]').fill('User:mallory');
  await form.locator('select[name=operation]').selectOption('WRITE');
  await form.locator('select[name=resource_type]').selectOption('TOPIC');
  await form.locator('select[name=pattern_type]').selectOption('PREFIXED');
  await form.locator('input[name=name]').fill('secret-');
  await form.locator('button[type=submit]').click();
  const aclRow = page.locator('#acls tr[data-acl="DENY:WRITE:User:mallory:TOPIC:secret-"]');
  await aclRow.waitFor({ timeout: 10000 });
  const aclFromKafka = execFileSync('python3', ['-c', `
from confluent_kafka.admin import AdminClient, AclBindingFilter, ResourceType, ResourcePatternType, AclOperation, AclPermissionType
a = AdminClient({"bootstrap.servers": "${s.bootstrap}"})
f = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY, AclPermissionType.ANY)
print(";".join(f"{b.permission_type.name}:{b.operation.name}:{b.principal}:{b.restype.name}:{b.resource_pattern_type.name}:{b.name}" for b in a.describe_acls(f).result(10)))`]).toString().trim();
  check(aclFromKafka === 'DENY:WRITE:User:mallory:TOPIC:PREFIXED:secret-', `a Kafka client sees the ACL added on the page (${aclFromKafka})`);
  await form.locator('select[name=operation]').selectOption('ALL');
  await form.locator('input[name=principal]').fill('mallory');
  await form.locator('button[type=submit]').click();
  const aclRefused = await until(() => text(page.locator('#acl-note.error')), (t) => t && t.length > 0);
  check(/principal/i.test(aclRefused || ''), `an ACL without a principal type is refused with the broker's reason (${aclRefused})`);
  await shot(page, 'console-acls.png');
  await aclRow.locator('button', { hasText: 'Remove' }).click();
  const aclsLeft = await until(() => page.locator('#acls tr').count(), (n) => n === 0);
  check(aclsLeft === 0, 'the ACL is removed from the page');

  // --- cluster -----------------------------------------------------------------------------
  await page.goto(`${url}/#/cluster`);
  const txnVersion = page.locator('#features tr[data-feature="transaction.version"] td[data-col=finalized]');
  await txnVersion.waitFor({ timeout: 10000 });
  check((await text(txnVersion)) === '2', 'the cluster page shows transaction.version finalized at 2');
  const node = await text(page.locator('#brokers tr[data-node="1"] td[data-col=listeners]'));
  check(node.includes(`PLAINTEXT (PLAINTEXT) ${s.bootstrap}`), `the broker row shows its listener (${node})`);
  check((await text(page.locator('#cluster-cards'))).includes('User:ops'), 'the super users are shown');
  await shot(page, 'console-cluster.png');

  // --- broker ----------------------------------------------------------------------------
  await page.goto(`${url}/#/broker`);
  const cfg = page.locator('#broker-config tr[data-config="num.partitions"]');
  await cfg.waitFor({ timeout: 10000 });
  check((await text(cfg)).includes('_CONFIG'), `broker configs show their source (${await text(cfg)})`);
  await page.fill('#c-search', 'log.retention');
  await page.waitForTimeout(300);
  await page.fill('#c-search', '');
  await shot(page, 'console-broker.png');

  // --- delete a topic from its page -------------------------------------------------------
  await page.goto(`${url}/#/topic/${s.doomed}`);
  await page.locator('#partitions').waitFor({ timeout: 10000 });
  await page.click('#delete-topic');
  await page.waitForURL(/#\/topics$/, { timeout: 10000 });
  const gone = await until(async () => (await fetch(`${url}/v1/topics/${s.doomed}`)).status, (c) => c === 404);
  check(gone === 404, `topic ${s.doomed} deleted from its page`);

  check(external.length === 0, `no requests outside the broker (${external.join(', ')})`);
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
} catch (e) {
  failures.push(String(e));
  console.log('FAIL: ' + e);
  for (const p of browser.contexts().flatMap((c) => c.pages())) await p.screenshot({ path: path.join(s.shots, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(`${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
