// signup_funds.mjs - a visitor signs up and must confirm the e-mail
// address before ordering (banner, rate-limited resend, the mailed link);
// the admin credits the account from the Credit button's dialog; the
// Balance page says how to add funds, with the provider's text and link
// on an installation that sets [http] funds_text and funds_url.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenario } from './lib.mjs';

const E = await scenario('signup', process.argv.slice(2));
const { admin, customer, base, top } = E;
const sfx = `${process.pid}${randomBytes(2).toString('hex')}`;
const USER = `vera-${sfx}`;
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const DOMAIN = `vera-${sfx}.com`;
let copy = null;
process.on('exit', () => { if (copy && copy.exitCode === null) copy.kill('SIGINT'); });

// The database only through tests/lib/testdb (REGMAN_TEST_DB: the backend).
const TESTDB = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'testdb');
const testdb = (...args) => new Promise((resolve, reject) => {
  execFile(TESTDB, args, (e, out, err) => (e ? reject(new Error(`testdb: ${err || e.message}`)) : resolve(out.trim())));
});
const sql = (db, q) => testdb('value', db, q);
const verifyLink = async () => {
  const body = await sql(path.join(top, 'demo', 'regman.db'),
    `SELECT body FROM mail_outbox WHERE to_addr = '${USER}@example.com' AND idem_key LIKE 'verify:%' ORDER BY id DESC LIMIT 1`);
  const m = /(https?:\/\/\S+\/#\/verify\/\S+)/.exec(body);
  if (!m) throw new Error(`no confirmation link mailed: ${body}`);
  return m[1];
};
// order - what the panel's own API module answers to a registration
const order = (page, name) => page.evaluate(async (n) => {
  const api = await import('/assets/js/api.js');
  try {
    const r = await api.post('/api/v1/domains/register', { name: n });
    return `ok ${r.state}`;
  } catch (e) {
    return `${e.status} ${e.code}: ${e.message}`;
  }
}, name);

await E.step('a visitor signs up: the panel asks to confirm the e-mail address', async () => {
  await customer.goto(`${base}/#/signup/${DOMAIN}`);
  await E.expectText(customer.locator('#license-text'), 'agreement');
  await customer.fill('[name=username]', USER);
  await customer.fill('[name=email]', `${USER}@example.com`);
  await customer.fill('[name=password]', PASSWORD);
  await customer.check('#accept-license');
  await customer.getByRole('button', { name: 'Accept and create account' }).click();
  const banner = customer.locator('.verify-banner');
  await E.expectText(banner, 'Confirm your e-mail address');
  await E.expectText(banner, `${USER}@example.com`);
  const n = await sql(path.join(top, 'demo', 'regman.db'),
    `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = '${USER}@example.com' AND idem_key LIKE 'verify:%'`);
  if (n !== '1') throw new Error(`expected one confirmation mail, found ${n}`);
  await E.shot(customer, '01-customer-confirm-banner');
});

await E.step('"Resend the mail" sends one, then asks to wait', async () => {
  const banner = customer.locator('.verify-banner');
  // the signup's mail is under a minute old: the first resend waits too
  await banner.getByRole('button', { name: 'Resend the mail' }).click();
  await E.expectText(banner.locator('.verify-status'), 'you can ask again in');
  await E.shot(customer, '02-customer-resend-wait');
});

await E.step('admin credits the new account from the Credit button\'s dialog', async () => {
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.locator('.sidebar').waitFor();
  await admin.goto(`${base}/admin/#/accounts`);
  await admin.fill('[aria-label="Search accounts"]', USER);
  await admin.click('.search-form button[type=submit]');
  await admin.click(`a:text-is("${USER}")`);
  await E.expectText(admin.locator('#account-balance'), '$0.00');
  await admin.getByRole('button', { name: 'Credit account' }).click();
  const dlg = admin.locator('dialog[open]');
  await dlg.locator('[name=amount]').fill('25.00');
  await dlg.locator('[name=ref]').fill(`wire-${sfx}`);
  await E.expectText(dlg.locator('.credit-after'), 'The balance becomes $25.00');
  await E.shot(admin, '03-admin-credit-dialog');
  await E.confirm(admin, 'Credit $25.00');
  await E.expectText(admin.locator('.notice-ok'), 'Credited $25.00');
  await E.expectText(admin.locator('#account-balance'), '$25.00');
  await E.shot(admin, '04-admin-credited');
});

await E.step('an order before confirming is refused in customer words, nothing charged', async () => {
  const said = await order(customer, DOMAIN);
  if (!said.startsWith('403 email_unverified') || !said.includes('confirm your e-mail address first')) {
    throw new Error(`unexpected answer: ${said}`);
  }
  const bal = await sql(path.join(top, 'demo', 'regman.db'), `SELECT balance FROM accounts WHERE name = '${USER}'`);
  if (bal !== '2500') throw new Error(`balance changed: ${bal}`);
});

await E.step('the mailed link confirms the address; the banner is gone, orders pass the gate', async () => {
  const link = await verifyLink();
  await customer.goto(link);
  await E.expectText(customer.locator('.notice-ok'), 'Your e-mail address is confirmed');
  if (customer.url().includes('/verify/')) throw new Error('the token stayed in the address bar');
  await E.shot(customer, '05-customer-confirmed');
  await customer.getByRole('link', { name: 'Continue to your domains' }).click();
  await customer.locator('.shell .sidebar').waitFor();
  if (await customer.locator('.verify-banner').count()) throw new Error('the banner stayed');
  // past the confirmation gate: the next rule speaks (no owner contact yet)
  const said = await order(customer, DOMAIN);
  if (said.includes('email_unverified')) throw new Error(`still refused: ${said}`);
});

await E.step('the same link again says it was used, and the address is confirmed', async () => {
  await customer.goto('about:blank');
  await customer.goto(await verifyLink());
  await E.expectText(customer.locator('.notice-info'), 'already used');
  await E.shot(customer, '06-customer-link-used');
});

await E.step('the Balance page says how to add funds (no provider text: the default)', async () => {
  await customer.goto('about:blank');
  await customer.goto(`${base}/#/balance`);
  await E.expectText(customer.locator('.funds-hint'), 'To add funds, contact your provider.');
});

await E.step('with [http] funds_text and funds_url the Balance page shows them', async () => {
  // a copy of the demo installation, served with the provider's settings
  const dir = path.join(top, 'funds');
  fs.mkdirSync(dir, { mode: 0o700 });
  for (const f of fs.readdirSync(path.join(top, 'demo'))) {
    const p = path.join(top, 'demo', f);
    if (fs.statSync(p).isFile() && !/^regman\.db/.test(f)) fs.copyFileSync(p, path.join(dir, f));
  }
  await testdb('copy', path.join(top, 'demo', 'regman.db'), path.join(dir, 'regman.db'));
  fs.appendFileSync(path.join(dir, 'regman.conf'), '\n[http]\n'
    + 'funds_text = Pay by bank transfer to IBAN DE00 1234 5678, quoting your username.\n'
    + 'funds_url = mailto:billing@example.net\n');
  const ready = path.join(top, 'funds.ready');
  copy = spawn(E.regman, ['serve', '-c', path.join(dir, 'regman.conf'), '--listen', '127.0.0.1:0', '--ready-file', ready],
    { stdio: ['ignore', fs.openSync(path.join(top, 'funds.out'), 'w'), fs.openSync(path.join(top, 'funds.err'), 'w')] });
  for (let i = 0; i < 300 && !(fs.existsSync(ready) && fs.statSync(ready).size); i++) {
    if (copy.exitCode !== null) throw new Error(`serve exited: ${fs.readFileSync(path.join(top, 'funds.err'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${/:(\d+)\s*$/.exec(fs.readFileSync(ready, 'utf8').trim())[1]}`;
  // the copy holds the demo's sessions too, and cookies do not tell ports
  // apart: the customer is still signed in there
  await customer.goto(`${url}/#/balance`);
  await customer.locator('.shell .sidebar').waitFor();
  const hint = customer.locator('.funds-hint');
  await E.expectText(hint, 'IBAN DE00 1234 5678');
  const href = await hint.locator('a').getAttribute('href');
  if (href !== 'mailto:billing@example.net') throw new Error(`funds link: ${href}`);
  await E.shot(customer, '07-customer-funds-text');
  copy.kill('SIGINT');
});

await E.done();
