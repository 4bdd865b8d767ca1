#!/usr/bin/env node
// run.mjs - end-to-end browser test of the admin and customer panels.
//
// Starts `regman demo` (SQLite, its opensrs-sim with the asynchronous .ca,
// the daemon) in a temporary directory on an OS-chosen port, plus a second
// opensrs-sim whose reseller key the test knows, so the admin can add a
// real OpenSRS connection through the form. Debian's chromium, driven
// headless by playwright-core, then plays the scenario of issue 6: the
// admin adds and tests the connection, maps .com to it with prices and
// credits an account; a customer signs up accepting the license,
// registers a domain and sees it active; an asynchronous .ca registration
// appears in the Async Manager where the admin uses check, reset and
// cancel; the registry is already working on the order, so the cancel is
// refunded but watched (a warning); the sim's clock moves on, the order
// completes, and the late completion is listed, reconciled and assigned
// back to the customer, who sees the refund and the new charge; a domain
// put at the registrar behind regman's back is named by the portfolio sync
// and adopted from the Domain Registrars page. Every page is photographed
// into SCREENSHOT_DIR.
//
// usage: node run.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
// Prints one line per step; exits 1 on the first failed step, and when
// chromium or playwright-core is not installed (scripts/install-e2e). The
// harness is lib.mjs; the screenshots keep their plain names
// (01-admin-dashboard.png, ...) listed in docs/ui.md.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { scenario } from './lib.mjs';

const E = await scenario('e2e', process.argv.slice(2), { shotPrefix: '' });
const { admin, customer, base, logins, top, simExe, step, shot, confirm, expectText, regmanCli } = E;

const sfx = `${process.pid}${randomBytes(2).toString('hex')}`;
const DOMAIN = `e2e-shop-${sfx}.com`;
const ASYNC = `e2e-wait-${sfx}.ca`;
const UNKNOWN = `e2e-found-${sfx}.com`;
const CUSTOMER = `e2e-${sfx}`;
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const KEY = randomBytes(24).toString('hex');
const LICENSE = 'E2E Registration Agreement\n\nYou agree to keep your contact details current.';

// The second opensrs-sim: the admin adds it through the form.
let simPort;
let simControl;
const simDir = path.join(top, 'sim');

// verifyLink - the confirmation link mailed to addr (the demo's outbox)
function verifyLink(addr) {
  return new Promise((resolve, reject) => {
    // the database only through tests/lib/testdb (REGMAN_TEST_DB)
    execFile(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'testdb'),
      ['value', path.join(top, 'demo', 'regman.db'),
      `SELECT body FROM mail_outbox WHERE to_addr = '${addr.replace(/'/g, "''")}' AND idem_key LIKE 'verify:%' ORDER BY id DESC LIMIT 1`],
    (e, out) => {
      const m = /(https?:\/\/\S+\/#\/verify\/\S+)/.exec(out || '');
      if (e || !m) reject(new Error(`no confirmation mail to ${addr}: ${e ? e.message : out}`));
      else resolve(m[1]);
    });
  });
}

await step('start a second opensrs-sim whose reseller key the test knows', async () => {
  fs.mkdirSync(simDir);
  const simReady = path.join(top, 'sim.ready');
  const sim = E.spawn(simExe, ['--listen', '127.0.0.1:0', '--control', '127.0.0.1:0',
    '--reseller', `e2e:${KEY}`, '--tls-self-signed', simDir, '--state', path.join(top, 'sim-state.json'),
    '--ready-file', simReady, '--log', path.join(top, 'sim.log')], { stdio: 'ignore' });
  const st = await E.waitFile(simReady, 'listen=', sim, 'opensrs-sim');
  simPort = Number(/listen=127\.0\.0\.1:(\d+)/.exec(st)[1]);
  simControl = `http://${/control=(\S+)/.exec(st)[1]}`;
});

await step('admin signs in and sees the dashboard with charts', async () => {
  await E.signIn(admin, 'admin', logins.admin);
  await admin.locator('.tiles').waitFor();
  await admin.locator('svg.chart').first().waitFor();
  await expectText(admin.locator('.chart-figure'), 'Registrations and renewals per day');
  await expectText(admin.locator('.chart-value'), '$'); // the demo connection's registrar balance
  await shot(admin, '01-admin-dashboard');
});

await step('admin adds an OpenSRS connection with every field', async () => {
  await admin.goto(`${base}/admin/#/registrars`);
  await admin.locator('table').waitFor();
  await shot(admin, '02-admin-registrars');
  await admin.getByRole('link', { name: 'Add connection' }).click();
  const f = admin.locator('form.form');
  await f.locator('[name=title]').fill('OpenSRS E2E');
  await f.locator('[name=server]').fill('127.0.0.1');
  await f.locator('[name=port]').fill(String(simPort));
  if (!await f.locator('[name=tls]').isChecked()) throw new Error('TLS should be on by default');
  await f.locator('[name=ca_file]').fill(path.join(simDir, 'ca.pem'));
  await f.locator('[name=test_mode]').check();
  await f.locator('[name=login]').fill('e2e');
  await f.locator('[name=key]').fill(KEY);
  await f.locator('[name=license_text]').fill(LICENSE);
  await f.locator('[name=warn_days]').fill('30');
  await f.locator('[name=renew_days]').fill('7');
  await f.locator('[name=renew_mode]').selectOption('manual');
  await f.locator('[name=first_check_s]').fill('1'); // minutes
  await f.locator('[name=poll_interval_s]').fill('1');
  await f.locator('[name=default_ns]').fill('ns1.example.net\nns2.example.net');
  await f.getByRole('button', { name: 'Add connection' }).click();
  await expectText(admin.locator('.notice-ok'), 'Connection OpenSRS E2E added');
});

await step('admin tests the connection and sees the registrar balance', async () => {
  await admin.getByRole('button', { name: 'Test connection' }).click();
  await expectText(admin.locator('.test-slot .notice-ok'), 'Registrar balance: $');
  await shot(admin, '03-admin-registrar-form-tested');
  await admin.goto(`${base}/admin/#/registrars`);
  await admin.getByRole('button', { name: 'Test OpenSRS E2E' }).click();
  await expectText(admin.locator('.test-cell .notice-ok'), 'Registrar balance');
  await shot(admin, '04-admin-registrars-tested');
});

await step('admin maps .com to the new connection with prices', async () => {
  await admin.goto(`${base}/admin/#/tlds/com`);
  const f = admin.locator('form.form');
  await f.locator('select[name=connection_id]').selectOption({ label: 'OpenSRS E2E' });
  await f.locator('[name=price-register-1]').fill('10.00');
  await f.locator('[name=price-register-2]').fill('19.50');
  await f.locator('[name=price-register-5]').fill('');
  await f.locator('[name=price-renew-1]').fill('10');
  await f.locator('[name=price-transfer-1]').fill('8.00');
  await f.getByRole('button', { name: 'Save prices' }).click();
  await expectText(admin.locator('.notice-ok'), '.com saved: served by OpenSRS E2E');
  if (await admin.locator('[name=price-register-2]').inputValue() !== '19.50') throw new Error('2-year price not kept');
  if (await admin.locator('[name=price-register-5]').inputValue() !== '') throw new Error('5-year price not removed');
  await shot(admin, '05-admin-tld-com');
  await admin.goto(`${base}/admin/#/tlds`);
  const row = admin.locator('tr', { hasText: '.com' });
  await expectText(row, 'OpenSRS E2E');
  await expectText(row, '$10.00');
  await shot(admin, '06-admin-tlds');
});

await step('visitor searches a .com: available, prices per term', async () => {
  await customer.goto(`${base}/`);
  await customer.fill('#find-domain', DOMAIN);
  await customer.click('.hero-search button[type=submit]');
  await customer.locator('.lookup-yes').waitFor();
  await expectText(customer.locator('table.prices tr'), '$19.50');
  await shot(customer, '07-customer-storefront-search');
});

await step('signup shows the connection\'s license and requires accepting it', async () => {
  await customer.getByRole('link', { name: 'Sign up to register it' }).click();
  await expectText(customer.locator('#license-text'), 'E2E Registration Agreement');
  await customer.fill('[name=username]', CUSTOMER);
  await customer.fill('[name=email]', `${CUSTOMER}@example.com`);
  await customer.fill('[name=password]', PASSWORD);
  await customer.getByRole('button', { name: 'Accept and create account' }).click();
  await expectText(customer.locator('.form-error'), 'Accept the registration agreement');
  await shot(customer, '08-customer-signup');
  await customer.check('#accept-license');
  await customer.getByRole('button', { name: 'Accept and create account' }).click();
  await customer.locator('.shell .sidebar').waitFor();
  await customer.locator('.lookup-yes').waitFor();
  await expectText(customer.locator('.lookup-name'), DOMAIN);
});

await step('the new customer confirms the e-mail address with the mailed link', async () => {
  await expectText(customer.locator('.verify-banner'), 'Confirm your e-mail address');
  const link = await verifyLink(`${CUSTOMER}@example.com`);
  await customer.goto(link);
  await expectText(customer.locator('.notice-ok'), 'Your e-mail address is confirmed');
  await customer.getByRole('link', { name: 'Continue to your domains' }).click();
  await customer.locator('.shell .sidebar').waitFor();
  await customer.goto(`${base}/#/search/${encodeURIComponent(DOMAIN)}`);
  await customer.locator('.lookup-yes').waitFor();
  if (await customer.locator('.verify-banner').count()) throw new Error('the banner stayed after confirming');
});

await step('admin finds the new account and credits 50.00', async () => {
  await admin.goto(`${base}/admin/#/accounts`);
  await admin.fill('[aria-label="Search accounts"]', CUSTOMER);
  await admin.click('.search-form button[type=submit]');
  await admin.click(`a:text-is("${CUSTOMER}")`);
  await expectText(admin.locator('#account-balance'), '$0.00');
  await admin.getByRole('button', { name: 'Credit account' }).click();
  const dlg = admin.locator('dialog[open]');
  await dlg.locator('[name=amount]').fill('50.00');
  await dlg.locator('[name=ref]').fill(`e2e-payment-${sfx}`);
  await dlg.locator('[name=memo]').fill('bank transfer');
  await confirm(admin, 'Credit $50.00');
  await expectText(admin.locator('.notice-ok'), 'Credited $50.00');
  await expectText(admin.locator('#account-balance'), '$50.00');
  await expectText(admin.locator('tr'), 'bank transfer');
  await shot(admin, '09-admin-account-credited');
});

await step('customer registers the .com: contact, confirmation with the charge, succeeded', async () => {
  await customer.click('.lookup form button[type=submit]');
  await expectText(customer.locator('.card-title'), 'First, your contact details');
  const c = customer.locator('form[aria-label="Owner contact"]');
  for (const [k, v] of Object.entries({ first_name: 'Grace', last_name: 'Hopper', email: `${CUSTOMER}@example.com`,
    phone: '+1.4165550199', address1: '1 Harbour St', city: 'Toronto', state: 'ON', postal_code: 'M5J 2N8', country: 'CA' })) {
    await c.locator(`[name=${k}]`).fill(v);
  }
  // the .ca ordered next needs the registrant's CIRA legal type
  await c.locator('select[name=cira_legal_type]').selectOption('CCT');
  await c.getByRole('button', { name: 'Save contact details' }).click();
  const dlg = customer.locator('dialog[open]');
  await expectText(dlg, 'Charge');
  await expectText(dlg.locator('.charge'), '$10.00');
  await expectText(dlg, '$50.00 → $40.00');
  await shot(customer, '10-customer-confirm-charge');
  await confirm(customer, 'Pay $10.00 and register');
  await expectText(customer.locator('.notice-ok'), `Registration of ${DOMAIN} completed`);
  await shot(customer, '11-customer-registered');
});

await step('customer sees the domain active with its expiry and switches auto-renew on', async () => {
  await customer.goto(`${base}/#/domains`);
  const row = customer.locator(`tr[data-domain="${DOMAIN}"]`);
  await expectText(row.locator('.badge'), 'active');
  const year = String(new Date().getUTCFullYear() + 1);
  await expectText(row, year);
  await row.locator('input.switch').check();
  await expectText(customer.locator('.notice-ok'), `Auto-renew of ${DOMAIN} is on`);
  await customer.locator(`tr[data-domain="${DOMAIN}"] input.switch:checked`).waitFor();
  await shot(customer, '12-customer-domains');
  await customer.click(`a:text-is("${DOMAIN}")`);
  await customer.locator('.timeline').waitFor();
  await expectText(customer.locator('form.inline-form'), 'Renew for');
  await shot(customer, '13-customer-domain-detail');
});

await step('customer orders an asynchronous .ca: license accepted, honest pending status', async () => {
  await customer.goto(`${base}/#/search/${ASYNC}`);
  await customer.locator('.lookup-yes').waitFor();
  await customer.click('.lookup form button[type=submit]');
  // the demo connection's agreement was never accepted by this customer:
  // it comes first, the charge after it
  const dlg = customer.locator('dialog[open]');
  await expectText(dlg, 'Demo Registration Agreement');
  await dlg.getByRole('button', { name: 'Accept and continue' }).click();
  await expectText(dlg.locator('.form-error'), 'Tick the box');
  await dlg.locator('#order-accept-license').check();
  await dlg.getByRole('button', { name: 'Accept and continue' }).click();
  await expectText(customer.locator('dialog[open] .charge'), '$14.99');
  await confirm(customer, 'Pay $14.99 and register');
  const pend = customer.locator('.notice-wait');
  await expectText(pend, `Registration of ${ASYNC} is pending`);
  await expectText(pend, 'You have been charged $14.99; if the registration fails you are refunded');
  await shot(customer, '14-customer-pending');
  await customer.goto(`${base}/#/orders`);
  await expectText(customer.locator('.notice-wait'), ASYNC);
  await shot(customer, '15-customer-orders');
});

const asyncRow = () => admin.locator(`tr[data-domain="${ASYNC}"]`);

await step('the .ca registration appears in the Async Manager with age, next check, deadline, last answer', async () => {
  await admin.goto(`${base}/admin/#/async`);
  await asyncRow().waitFor();
  await expectText(asyncRow(), '$14.99');
  await expectText(asyncRow(), '250');
  await shot(admin, '16-admin-async');
});

await step('admin checks it now (confirmation; still pending)', async () => {
  await asyncRow().locator('[data-action=check]').click();
  await expectText(admin.locator('dialog[open]'), 'asks the registrar');
  await confirm(admin, 'Check now');
  await expectText(admin.locator('.notice'), `Checked ${ASYNC}: pending`);
  await expectText(asyncRow().locator('td[data-label=Checks]'), '1');
});

await step('admin resets its waiting window (confirmation; new deadline)', async () => {
  await asyncRow().locator('[data-action=reset]').click();
  await confirm(admin, 'Reset');
  await expectText(admin.locator('.notice'), `Reset ${ASYNC}: new deadline`);
  await asyncRow().waitFor();
});

let asyncOp;

await step('admin cancels it: the registry is already working on it, so the refusal is a warning', async () => {
  asyncOp = Number(await asyncRow().getAttribute('data-op'));
  await asyncRow().locator('[data-action=cancel]').click();
  const dlg = admin.locator('dialog[open]');
  await expectText(dlg, 'first asks the registrar to stop the order');
  await expectText(dlg, 'the operation succeeds instead and nothing is refunded');
  await expectText(dlg, 'refunds $14.99');
  await dlg.locator('[name=reason]').fill('e2e: customer asked');
  await shot(admin, '17-admin-async-cancel-dialog');
  await confirm(admin, 'Cancel and refund');
  // the sim's order is "waiting" at the registry: PROCESS_PENDING cancel is refused
  const warn = admin.locator('.notice-warn', { hasText: `Cancelled ${ASYNC}` });
  await expectText(warn, 'the registrar did not confirm the cancel (465');
  await expectText(warn, 'The customer was refunded $14.99; regman keeps watching the order');
  if (await admin.locator('.notice-ok', { hasText: ASYNC }).count()) throw new Error('a refused cancel shown as a success');
  await asyncRow().waitFor({ state: 'detached' });
  await shot(admin, '18-admin-async-after-cancel');
});

await step('the watched order is listed read-only under Late Completions', async () => {
  await admin.getByRole('link', { name: 'Late completions and watched orders' }).click();
  const row = admin.locator(`#watch-list tr[data-domain="${ASYNC}"]`);
  await expectText(row, '465 Order is not pending or declined');
  await expectText(row.locator('td[data-label="Next check"]'), 'in ');
  if (await row.locator('button').count()) throw new Error('watched rows should have no actions');
  await admin.locator('#late-list', { hasText: 'No late completion awaits a decision' }).waitFor();
  await shot(admin, '18a-admin-late-watching');
});

await step('the registry completes the order later: a check finds the late completion', async () => {
  // the demo's own sim (E.sim) runs the .ca registry
  await E.ctl('POST', '/clock/advance', { seconds: 3600 });
  // the watched operation's check, as the sweep would run it
  const r = await admin.evaluate(async (id) => {
    const api = await import('/assets/js/api.js');
    return api.post(`/api/v1/operations/${id}/check`);
  }, asyncOp);
  if (r.operation.watch !== 'late') throw new Error(`watch is ${r.operation.watch}, not late`);
  if (r.state !== 'cancelled') throw new Error(`the refunded operation became ${r.state}`);
  await admin.goto(`${base}/admin/#/dashboard`);
  const warn = admin.locator('.notice-warn');
  await expectText(warn, '1 late completion awaits your decision');
  await shot(admin, '18b-admin-dashboard-late');
  await warn.getByRole('link', { name: 'Decide now' }).click();
  const row = admin.locator(`#late-list tr[data-domain="${ASYNC}"]`);
  await expectText(row, '$14.99');
  await expectText(row.locator('td[data-label=Customer]'), CUSTOMER);
  for (const a of ['assign', 'revoke', 'expire']) await row.locator(`[data-action=${a}]`).waitFor();
  if (await row.locator('[data-action=absorb]').count()) throw new Error('absorb offered for a registration');
  await admin.locator(`#watch-list tr[data-domain="${ASYNC}"]`).waitFor({ state: 'detached' });
  await shot(admin, '18c-admin-late-completion');
});

await step('reconcile: the late completion is exposure until decided', async () => {
  await admin.goto(`${base}/admin/#/reconcile`);
  const row = admin.locator(`tr[data-domain="${ASYNC}"]`);
  await expectText(row, 'late, undecided');
  const cost = await row.locator('td[data-label="Registrar cost"]').innerText();
  if (!/^\$\d/.test(cost)) throw new Error(`registrar cost shown as "${cost}"`);
  await expectText(row.locator('td[data-label=Exposure]'), cost);
  await expectText(admin.locator('#total-exposure'), cost);
  await admin.fill('[name=since]', '2999-01-01');
  await admin.getByRole('button', { name: 'Show' }).click();
  await admin.locator('text=Nothing since 2999-01-01.').waitFor();
  await expectText(admin.locator('#total-exposure'), '$0.00');
  await admin.fill('[name=since]', '');
  await admin.getByRole('button', { name: 'Show' }).click();
  await row.waitFor();
  await shot(admin, '18d-admin-reconcile');
});

await step('admin assigns it to the customer (confirmation with the charge); it leaves the late list', async () => {
  await admin.goto(`${base}/admin/#/late`);
  const row = admin.locator(`#late-list tr[data-domain="${ASYNC}"]`);
  await row.locator('[data-action=assign]').click();
  const dlg = admin.locator('dialog[open]');
  await expectText(dlg, `is charged $14.99 again`);
  await shot(admin, '18e-admin-late-assign-dialog');
  await confirm(admin, 'Charge $14.99 and assign');
  await expectText(admin.locator('.notice-ok'), `${ASYNC} assigned to ${CUSTOMER}, charged $14.99.`);
  await row.waitFor({ state: 'detached' });
  await admin.locator('#late-list', { hasText: 'No late completion awaits a decision' }).waitFor();
  await shot(admin, '18f-admin-late-after-assign');
  await admin.goto(`${base}/admin/#/reconcile`);
  await expectText(admin.locator(`tr[data-domain="${ASYNC}"]`), 'assigned');
  await expectText(admin.locator('#total-exposure'), '$0.00');
});

await step('the customer sees the refund, the new charge and the domain, never the internals', async () => {
  await customer.goto(`${base}/#/balance`);
  const refund = customer.locator('tr[data-kind=refund]');
  await expectText(refund, '$14.99');
  await expectText(refund, ASYNC);
  // 50.00 - 10.00 (.com) - 14.99 + 14.99 (refund) - 14.99 (assigned)
  await expectText(customer.locator('#customer-balance'), '$25.01');
  await shot(customer, '19-customer-balance-history');
  // assigned: the customer's active domain, its registration charged once more
  await customer.goto(`${base}/#/domains/${ASYNC}`);
  await expectText(customer.locator('.badge'), 'active');
  await expectText(customer.locator('.timeline'), 'Registration, 1 year');
  await expectText(customer.locator('.timeline'), 'succeeded');
  const text = await customer.locator('main').innerText();
  for (const w of ['provider:held', '465', 'PROCESS_PENDING', 'late completion', 'watch']) {
    if (text.includes(w)) throw new Error(`the customer's domain page shows "${w}"`);
  }
  const api = await customer.evaluate(async (d) => (await fetch(`/api/v1/operations?domain=${d}`)).text(), ASYNC);
  for (const k of ['"watch"', '"stop_answer"', '"registrar_cost"']) {
    if (api.includes(k)) throw new Error(`the customer's API answer carries ${k}`);
  }
  await shot(customer, '20-customer-assigned-domain');
});

await step('admin domain detail: operation timeline and registrar log', async () => {
  await admin.goto(`${base}/admin/#/domains`);
  await admin.fill('[aria-label="Search domains"]', `e2e-shop-${sfx}`);
  await admin.click('.search-form button[type=submit]');
  await admin.click(`a:text-is("${DOMAIN}")`);
  await expectText(admin.locator('.timeline'), 'Registration, 1 year');
  await expectText(admin.locator('code'), 'SW_REGISTER');
  await shot(admin, '21-admin-domain-detail');
});

await step('admin pages: domains, jobs, mail outbox, registrar log (filter, CSV link), dashboard', async () => {
  await admin.goto(`${base}/admin/#/domains`);
  await admin.locator('tr', { hasText: DOMAIN }).waitFor();
  await shot(admin, '22-admin-domains');
  await admin.goto(`${base}/admin/#/jobs`);
  await expectText(admin.locator('td'), 'lifecycle');
  await shot(admin, '23-admin-jobs');
  await admin.goto(`${base}/admin/#/mail`);
  await expectText(admin.locator('td'), DOMAIN);
  await shot(admin, '24-admin-mail');
  await admin.goto(`${base}/admin/#/reglog`);
  await admin.fill('[name=domain]', ASYNC);
  await admin.click('.filter-form button[type=submit]');
  await expectText(admin.locator('code'), 'SW_REGISTER');
  const href = await admin.locator('a', { hasText: 'Export CSV' }).getAttribute('href');
  if (!href.includes(`domain=${ASYNC}`)) throw new Error(`CSV link ignores the filter: ${href}`);
  const csv = await admin.evaluate(async (u) => (await fetch(u)).text(), href);
  if (!csv.includes(ASYNC)) throw new Error('CSV export lacks the domain');
  await shot(admin, '25-admin-reglog');
  await admin.goto(`${base}/admin/#/dashboard`);
  await admin.locator('svg.chart').first().waitFor();
  await expectText(admin.locator('.tile'), '$14.99');
  await shot(admin, '26-admin-dashboard-after');
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.goto(`${base}/admin/#/reconcile`);
  await admin.locator(`tr[data-domain="${ASYNC}"]`).waitFor();
  await shot(admin, '26a-admin-reconcile-phone');
  await admin.setViewportSize({ width: 1280, height: 860 });
});

await step('sync names a domain the registrar holds that regman does not know; the admin adopts it', async () => {
  // at the registrar for the e2e reseller, but never ordered through regman
  const expiry = new Date(Date.now() + 200 * 86400 * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const res = await fetch(`${simControl}/domains`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: UNKNOWN, owner: 'e2e', expiry }),
  });
  if (!res.ok) throw new Error(`sim POST /domains: ${res.status}`);
  const out = await regmanCli('lifecycle', 'run', 'sync');
  if (!new RegExp(`unknown: ${UNKNOWN.replace(/\./g, '\\.')} +expires ${expiry.slice(0, 10)} +OpenSRS E2E`).test(out)) {
    throw new Error(`the sync did not name ${UNKNOWN}: ${out}`);
  }
  await admin.goto(`${base}/admin/#/registrars`);
  const row = admin.locator(`#unknown-domains tr[data-domain="${UNKNOWN}"]`);
  await expectText(row, 'OpenSRS E2E');
  await expectText(row, expiry.slice(0, 10));
  await shot(admin, '30-admin-registrars-unknown');
  await row.getByRole('button', { name: `Adopt ${UNKNOWN} into an account` }).click();
  const dlg = admin.locator('dialog[open]');
  await expectText(dlg, 'Nothing is charged');
  await dlg.locator('[name=account]').fill(CUSTOMER);
  await shot(admin, '31-admin-adopt-dialog');
  await dlg.locator('[name=account]').fill('');
  await dlg.getByRole('button', { name: 'Adopt' }).click();
  await expectText(dlg.locator('.form-error'), 'Name the account');
  await dlg.locator('[name=account]').fill(CUSTOMER);
  await confirm(admin, 'Adopt');
  await expectText(admin.locator('#unknown-domains .notice-ok'), `Adopted ${UNKNOWN} into account ${CUSTOMER}`);
  await row.waitFor({ state: 'detached' });
  await shot(admin, '32-admin-registrars-adopted');
  const left = await regmanCli('lifecycle', 'unknown', '--json');
  if (JSON.parse(left).domains.some((d) => d.name === UNKNOWN)) throw new Error(`${UNKNOWN} is still listed unknown`);
  await customer.goto(`${base}/#/domains`);
  await expectText(customer.locator(`tr[data-domain="${UNKNOWN}"] .badge`), 'active');
});

await step('customer pages: transfers, contact details; a phone-sized screen', async () => {
  await customer.goto(`${base}/#/transfers`);
  await customer.locator('form[aria-label="Transfer a domain in"]').waitFor();
  await customer.locator('text=No transfers yet.').waitFor();
  await shot(customer, '27-customer-transfers');
  await customer.goto(`${base}/#/profile`);
  if (await customer.locator('[name=last_name]').inputValue() !== 'Hopper') throw new Error('contact not shown');
  await shot(customer, '28-customer-contact');
  await customer.setViewportSize({ width: 390, height: 844 });
  await customer.goto(`${base}/#/domains`);
  await customer.locator(`tr[data-domain="${DOMAIN}"]`).waitFor();
  await shot(customer, '29-customer-domains-phone');
});

await step('customer is kept out of the admin panel', async () => {
  await customer.goto(`${base}/admin/`);
  await expectText(customer.locator('h1'), 'Administrators only');
});

await E.done();
