// A hostile web page in Debian's headless Chromium (driven by playwright-core) against the
// admin endpoint: the page comes from another origin and tries what any site could try
// while an operator has it open. Run by test_admin.py, which serves the page, starts the
// broker and checks afterwards what changed.
//
// usage: node csrf_test.mjs <attacker page url> <rebinding url>
// The attacker page sets window.attackDone once its requests and form posts have been
// answered. <rebinding url> uses the name rebind.test, which Chromium resolves to
// 127.0.0.1 here, as a DNS rebinding attack makes it do: the page at that origin may read
// whatever the broker answers to it. Prints one JSON line: what the page and the rebound
// origin got.
import { chromium } from 'playwright-core';

const [attackerUrl, rebindUrl] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.test 127.0.0.1'],
});
try {
  const page = await browser.newPage();
  await page.goto(attackerUrl, { waitUntil: 'load' });
  await page.waitForFunction(() => window.attackDone === true, null, { timeout: 20000 });
  const attack = await page.evaluate(() => window.attackResults);

  const rebound = await browser.newPage();
  const response = await rebound.goto(rebindUrl);
  // What a script of that origin could read (it is same-origin to itself).
  const read = await rebound.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, body: await r.text() };
  }, rebindUrl);
  console.log(JSON.stringify({ attack, rebind: { status: response.status(), read } }));
} finally {
  await browser.close();
}
