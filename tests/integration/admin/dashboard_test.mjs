// Loads the admin dashboard in Debian's headless Chromium (driven by playwright-core) and
// checks what an operator must see. Run by test_admin.py, which starts the broker and
// prepares the data.
//
// usage: node dashboard_test.mjs <admin url> <topic> <messages> <group> <lag> <record value>
//                                <live topic> <screenshot.png>
// <live topic> is being produced to while the page is open: its chart must show a rate.
import { chromium } from 'playwright-core';

const [url, topic, messages, group, lag, value, live, screenshot] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:')) external.push(r.url()); });

  await page.goto(url + '/', { waitUntil: 'load' });
  const row = page.locator(`#topics tr[data-topic="${topic}"]`);
  await row.waitFor({ timeout: 10000 });
  check((await row.locator('td.messages').textContent()) === messages,
        `topic ${topic} shows ${messages} messages`);
  // Two polls, so that the throughput chart has a rate to draw.
  await page.waitForTimeout(2500);
  check(await row.locator('canvas.spark').count() === 1, 'topic row has a throughput chart');
  // The live topic's rate updates: wait for a poll that saw messages arrive.
  const liveRate = page.locator(`#topics tr[data-topic="${live}"] td.rate`);
  let rate = 0;
  for (let i = 0; i < 10 && !(rate > 0); i++) {
    rate = parseFloat(await liveRate.textContent());
    if (!(rate > 0)) await page.waitForTimeout(1000);
  }
  check(rate > 0, `live topic ${live} shows a message rate (${rate}/s)`);

  const groupRow = page.locator(`#groups tr[data-group="${group}"]`);
  await groupRow.waitFor({ timeout: 10000 });
  check((await groupRow.locator('td.group-lag').textContent()) === lag, `group ${group} shows lag ${lag}`);
  await groupRow.click();
  await page.locator('#group-detail table').waitFor({ timeout: 5000 });
  check((await page.locator('#group-detail').textContent()).includes(topic), 'group detail lists its topic');

  await page.selectOption('#b-topic', topic);
  await page.fill('#b-from', '0');
  await page.click('#browser button[type=submit]');
  await page.locator('#records tr.record').first().waitFor({ timeout: 5000 });
  const values = await page.locator('#records td.value').allTextContents();
  check(values.includes(value), `message browser shows the record "${value}"`);

  check(external.length === 0, `no requests outside the broker (${external.join(', ')})`);
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
  // A few more polls so that the screenshot shows the live topic's chart with some history.
  await page.waitForTimeout(8000);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await browser.close();
}
console.log(`${failures.length === 0 ? 1 : 0} passed, ${failures.length ? 1 : 0} failed`);
process.exit(failures.length ? 1 : 0);
