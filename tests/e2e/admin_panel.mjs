// admin_panel.mjs - the admin panel as a provider meets it: the
// dashboard counts what succeeded and shows revenue, chart axes have
// distinct round ticks, the registrars list shows balances without a
// click, a connection the registrar refuses is saved only on "Save
// anyway", durations are entered and shown in minutes, hours or days,
// the TLD list shows the terms on sale, the Async Manager marks overdue
// checks and keeps recently ended operations, the domain page links its
// registrar log (with the admin's cancel request in it), the license
// acceptances are listed per account and connection with a CSV export, and
// the admin sets a customer domain's nameservers from the domain's page.
//
// usage: admin_panel.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenario } from './lib.mjs';

// regman's clock, moved by this file (REGMAN_CLOCK_FILE, util/clock.h):
// set before the demo starts so the daemon reads it
const clockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'regman-admin-clock.'));
const clockFile = path.join(clockDir, 'offset');
fs.writeFileSync(clockFile, '0\n');
process.env.REGMAN_CLOCK_FILE = clockFile;
process.on('exit', () => fs.rmSync(clockDir, { recursive: true, force: true }));
const setClock = (s) => fs.writeFileSync(clockFile, `${s}\n`);

const E = await scenario('admin', process.argv.slice(2));
const { admin } = E;
const api = (page, p) => page.evaluate(async (u) => {
  const r = await fetch(u, { credentials: 'same-origin' });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}, p);
const apiJson = async (page, p) => JSON.parse((await api(page, p)).text);
const money = (minor) => `$${Math.floor(minor / 100).toLocaleString('en-US')}.${String(minor % 100).padStart(2, '0')}`;
const LATE = 'e2e-overdue.ca';
const SIGNUP = 'e2e-signer';

await E.step('a registration attempt that has not succeeded exists (the registrar answered 400)', async () => {
  await E.ctl('POST', '/rules', { action: 'SW_REGISTER', domain: 'e2e-refused.com', fault: 'code_400' });
  await E.regmanCli('domain', 'register', 'e2e-refused.com', '--account', 'demo-customer').catch(() => {});
  await E.regmanCli('domain', 'register', 'e2e-good.com', '--account', 'demo-customer');
  await E.ctl('DELETE', '/rules');
});

await E.step('admin signs in: the dashboard counts succeeded registrations and shows revenue', async () => {
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.locator('.tiles').waitFor();
  const stats = await apiJson(admin, '/api/v1/stats?days=30');
  const sum = (f) => stats.days.reduce((a, d) => a + (d.ops.register ? d.ops.register[f] : 0), 0);
  if (sum('created') <= sum('succeeded')) throw new Error('the scenario needs a failed attempt');
  const tile = admin.locator('.tile', { hasText: 'Registrations (30 d)' });
  const value = await tile.locator('.tile-value').textContent();
  if (value !== String(sum('succeeded'))) {
    throw new Error(`Registrations tile says ${value}, ${sum('succeeded')} succeeded (${sum('created')} attempts)`);
  }
  const rev = admin.locator('.tile', { hasText: 'Revenue (30 d)' });
  await E.expectText(rev.locator('.tile-value'), money(stats.revenue));
  await E.expectText(rev, 'refunded');
  await E.shot(admin, '01-dashboard');
});

await E.step('chart axes: distinct round ticks for tiny amounts (never "$0.01 / $0.01 / $0.00")', async () => {
  const labels = await admin.evaluate(async () => {
    const { barChart } = await import('/assets/js/chart.js');
    const { money: m } = await import('/assets/js/ui.js');
    const axis = (values) => {
      const fig = barChart({ title: 't', labels: values.map(String), integer: true, format: m,
        series: [{ name: 's', values }] });
      return [...fig.querySelectorAll('text.chart-axis[text-anchor=end]')].map((t) => t.textContent);
    };
    return { one: axis([0, 1, 0]), two: axis([0, 2, 1]) };
  });
  if (JSON.stringify(labels.one) !== JSON.stringify(['$0.00', '$0.01'])) throw new Error(`max 1 cent: ${labels.one}`);
  if (JSON.stringify(labels.two) !== JSON.stringify(['$0.00', '$0.01', '$0.02'])) throw new Error(`max 2 cents: ${labels.two}`);
  for (const fig of await admin.locator('.chart-figure svg.chart').all()) {
    const t = await fig.locator('text.chart-axis[text-anchor=end]').allTextContents();
    if (new Set(t).size !== t.length) throw new Error(`duplicate axis labels on the dashboard: ${t}`);
  }
});

await E.step('Domain Registrars: each balance is shown when the page opens, without pressing Test', async () => {
  await admin.goto(`${E.base}/admin/#/registrars`);
  await E.expectText(admin.locator('[data-balance] .balance-ok'), '$');
  await E.expectText(admin.locator('table'), 'checked every 1 minute'); // the demo's windows, in words
  await E.shot(admin, '02-registrars-balances');
});

await E.step('a connection with a wrong key is not saved silently: warning, then "Save anyway"', async () => {
  await admin.getByRole('link', { name: 'Add connection' }).click();
  const f = admin.locator('form.form');
  await f.locator('[name=title]').fill('Wrong key');
  await f.locator('[name=server]').fill('127.0.0.1');
  await f.locator('[name=port]').fill(String(E.sim.port));
  await f.locator('[name=ca_file]').fill(path.join(E.top, 'demo', 'tls', 'ca.pem'));
  await f.locator('[name=login]').fill('nobody');
  await f.locator('[name=key]').fill('not-a-key');
  await f.locator('[name=deadline_s]').fill('3');
  await f.locator('[name=deadline_s-unit]').selectOption({ label: 'days' });
  await f.locator('[name=first_check_s]').fill('90');
  await f.locator('[name=first_check_s-unit]').selectOption({ label: 'minutes' });
  await f.getByRole('button', { name: 'Add connection' }).click();
  await E.expectText(admin.locator('.notice-warn'), 'Not saved.');
  await E.expectText(admin.locator('.notice-warn'), 'did not accept this connection (GET_BALANCE)');
  await E.shot(admin, '03-registrar-refused');
  const list = await apiJson(admin, '/api/v1/connections');
  if (list.items.some((c) => c.title === 'Wrong key')) throw new Error('saved before the admin insisted');
  await admin.getByRole('button', { name: 'Save anyway' }).click();
  await E.expectText(admin.locator('.notice-warn'), 'Saved although the registrar refused the test');
  const c = (await apiJson(admin, '/api/v1/connections')).items.find((x) => x.title === 'Wrong key');
  if (!c || c.deadline_s !== 259200 || c.first_check_s !== 5400) {
    throw new Error(`durations not saved in seconds: ${c && c.deadline_s}, ${c && c.first_check_s}`);
  }
  if (await admin.locator('[name=deadline_s]').inputValue() !== '3' ||
      await admin.locator('[name=deadline_s-unit]').inputValue() !== '86400') {
    throw new Error('the form does not show 3 days');
  }
  await E.shot(admin, '04-registrar-saved-anyway');
  await admin.goto(`${E.base}/admin/#/registrars`);
  const row = admin.locator('tr', { hasText: 'Wrong key' });
  await E.expectText(row, 'deadline 3 days');
  await E.expectText(row.locator('[data-balance]'), 'Unavailable');
});

await E.step('a connection over the legacy protocol (port 55000\'s): chosen in the form, tested and saved with its balance', async () => {
  await admin.goto(`${E.base}/admin/#/registrars/new`);
  const f = admin.locator('form.form');
  await f.locator('[name=title]').fill('Legacy port');
  await f.locator('[name=server]').fill('127.0.0.1');
  await f.locator('[name=port]').fill(String(E.sim.legacyPort));
  await f.locator('[name=protocol]').selectOption('legacy');
  await f.locator('[name=login]').fill('demo');
  await f.locator('[name=key]').fill(fs.readFileSync(path.join(E.top, 'demo', 'sim.key'), 'utf8').trim());
  await E.shot(admin, '04b-registrar-legacy-form');
  await f.getByRole('button', { name: 'Add connection' }).click();
  await E.expectText(admin.locator('.notice-ok'), 'balance');
  const c = (await apiJson(admin, '/api/v1/connections')).items.find((x) => x.title === 'Legacy port');
  if (!c || c.protocol_used !== 'legacy' || !c.url.startsWith('legacy://')) {
    throw new Error(`not a legacy connection: ${JSON.stringify(c)}`);
  }
  await admin.goto(`${E.base}/admin/#/registrars`);
  const row = admin.locator('tr', { hasText: 'Legacy port' });
  await E.expectText(row, `legacy://127.0.0.1:${E.sim.legacyPort}/`);
  await E.expectText(row.locator('[data-balance] .balance-ok'), '$');
  await E.shot(admin, '04c-registrar-legacy-listed');
  await admin.goto(`${E.base}/admin/#/registrars/${c.id}`);
  await admin.getByRole('button', { name: 'Remove' }).click();
  await E.confirm(admin, 'Remove');
  await admin.waitForURL(/#\/registrars$/);
  const left = (await apiJson(admin, '/api/v1/connections')).items.find((x) => x.title === 'Legacy port');
  if (left) throw new Error('the legacy connection was not removed');
});

await E.step('TLDs: the terms on sale (not "1–10 years"), windows in minutes, hours or days', async () => {
  await admin.goto(`${E.base}/admin/#/tlds`);
  await E.expectText(admin.locator('[data-terms=net]'), '1 or 2 years');
  const net = await admin.locator('[data-terms=net]').textContent();
  if (net.includes('10')) throw new Error(`.net terms: ${net}`);
  await admin.goto(`${E.base}/admin/#/tlds/org`);
  const f = admin.locator('form.form');
  await f.locator('[name=poll_interval_s]').fill('2');
  await f.locator('[name=poll_interval_s-unit]').selectOption({ label: 'hours' });
  await f.getByRole('button', { name: 'Save prices' }).click();
  await E.expectText(admin.locator('.notice-ok'), '.org saved');
  const org = await apiJson(admin, '/api/v1/tlds/org');
  if (org.overrides.poll_interval_s !== 7200) throw new Error(`poll override ${org.overrides.poll_interval_s}`);
  await E.shot(admin, '05-tld-durations');
  await admin.goto(`${E.base}/admin/#/tlds`);
  await E.expectText(admin.locator('tr', { hasText: '.org' }), 'every 2 hours');
  await E.shot(admin, '06-tlds-terms');
});

await E.step('Async Manager: a check past due is shown as overdue, not "now" or "33s ago"', async () => {
  // without the event stream the first check comes after 5 minutes (with
  // it, a day later: the registrar's events settle the order)
  await E.regmanCli('registrar', 'edit', 'OpenSRS (local test server)', '--events', 'off');
  await E.regmanCli('domain', 'register', LATE, '--account', 'demo-customer').catch(() => {});
  await E.regmanCli('registrar', 'edit', 'OpenSRS (local test server)', '--events', 'on');
  // the registrar is slow to answer the check, and regman's clock passes
  // the next check: until the sweep has its answer the check is overdue
  await E.ctl('POST', '/rules', { action: 'GET_ORDER_INFO', fault: 'delay', delay_ms: 20000 });
  setClock(600);
  await admin.goto(`${E.base}/admin/#/async`);
  const row = admin.locator(`tr[data-domain="${LATE}"]`);
  await row.waitFor();
  await E.expectText(row.locator('td[data-label="Next check"]'), 'overdue');
  await E.shot(admin, '07-async-overdue');
  await E.ctl('DELETE', '/rules');
  setClock(0);
});

await E.step('Async Manager: each connection\'s event stream, healthy while the registrar\'s events answer', async () => {
  await admin.goto(`${E.base}/admin/#/async`);
  const row = admin.locator('tr[data-stream="OpenSRS (local test server)"]');
  await row.waitFor();
  await E.expectText(row, 'healthy');
  await E.shot(admin, '07b-async-event-streams');
});

await E.step('Async Manager: a cancelled operation stays visible under "Recently ended" with its outcome', async () => {
  await admin.goto(`${E.base}/admin/#/async`);
  const row = admin.locator(`tr[data-domain="${LATE}"]`);
  await row.locator('[data-action=cancel]').click();
  await admin.locator('dialog[open] [name=reason]').fill('e2e: customer asked');
  await E.confirm(admin, 'Cancel and refund');
  await E.expectText(admin.locator('.notice'), `${LATE}`);
  const ended = admin.locator(`tr[data-ended-domain="${LATE}"]`);
  await ended.waitFor();
  await E.expectText(ended, 'refunded');
  await E.expectText(ended, 'e2e: customer asked'); // the admin's reason
  await E.shot(admin, '08-async-recently-ended');
});

await E.step('the domain page links its registrar log, which has the cancel request (PROCESS_PENDING)', async () => {
  await admin.goto(`${E.base}/admin/#/domains/${LATE}`);
  await admin.getByRole('link', { name: 'Registrar log of this domain' }).waitFor();
  await E.expectText(admin.locator('.link-list [data-op]'), 'its registrar log');
  // a cancelled registration is held by nobody: nothing to manage
  if (await admin.locator('#nameservers, #lock, #changes').count()) throw new Error('a cancelled domain offers its management');
  await E.shot(admin, '09-domain-links');
  await admin.getByRole('link', { name: 'Registrar log of this domain' }).click();
  if (await admin.locator('[name=domain]').inputValue() !== LATE) throw new Error('the log is not filtered by the domain');
  await E.expectText(admin.locator('table'), 'PROCESS_PENDING');
  await E.shot(admin, '10-reglog-domain');
});

await E.step('License acceptances: per account and per connection, with CSV export', async () => {
  const lic = await (await fetch(`${E.base}/api/v1/license?domain=e2e-signer.com`)).json();
  const res = await fetch(`${E.base}/api/v1/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: SIGNUP, password: 'signer-password-1', email: 'signer@example.com',
      domain: 'e2e-signer.com', license_sha256: lic.sha256, accept_license: true }),
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
  const acct = (await res.json()).account.id;
  await admin.goto(`${E.base}/admin/#/acceptances?account_id=${acct}`);
  const row = admin.locator('tr[data-acceptance]');
  await E.expectText(row, SIGNUP);
  await E.expectText(row, lic.sha256);
  await E.expectText(row, '127.0.0.1');
  await E.shot(admin, '11-acceptances-account');
  const href = await admin.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await api(admin, href);
  if (!csv.type.startsWith('text/csv') || !csv.text.includes(SIGNUP) || !csv.text.includes(lic.sha256)) {
    throw new Error(`CSV export: ${csv.status} ${csv.text.slice(0, 200)}`);
  }
  const conn = (await apiJson(admin, '/api/v1/connections')).items.find((c) => c.title !== 'Wrong key');
  await admin.goto(`${E.base}/admin/#/registrars/${conn.id}`);
  await admin.getByRole('link', { name: 'License acceptances of this connection' }).click();
  await E.expectText(admin.locator('tr[data-acceptance]'), SIGNUP);
  await E.shot(admin, '12-acceptances-connection');
});

await E.step('the admin sets a customer domain\'s nameservers from its page: the sim holds them, recorded as the admin\'s', async () => {
  const name = 'e2e-good.com';
  const want = ['ns1.admin-e2e.net', 'ns2.admin-e2e.net'];
  await admin.goto(`${E.base}/admin/#/domains/${name}`);
  const ns = admin.locator('#nameservers');
  await ns.locator('.ns-list li').first().waitFor();
  const form = ns.locator('form.ns-form');
  while (await form.locator('.ns-row').count() > 2) {
    await form.locator('.ns-row').last().getByRole('button', { name: /^Remove/ }).click();
  }
  await form.getByLabel('Nameserver 1', { exact: true }).fill(want[0]);
  await form.getByLabel('Nameserver 2', { exact: true }).fill(want[1]);
  await form.getByRole('button', { name: 'Save nameservers' }).click();
  await E.expectText(ns.locator('.change-outcome[data-state=succeeded]'), 'Nameservers: done');
  const held = (await E.ctl('GET', '/state')).domains[name].nameservers;
  if (JSON.stringify(held) !== JSON.stringify(want)) throw new Error(`the sim holds ${JSON.stringify(held)}`);
  await E.expectText(ns.locator('.ns-list'), want[1]);
  const row = admin.locator('#changes tr[data-kind=nameservers]').first();
  await E.expectText(row, 'admin');
  await E.expectText(row.locator('.change-asked'), want.join(', '));
  await E.expectText(admin.locator('#lock .lock-state'), 'unlocked');
  await E.shot(admin, '13-domain-manage');
});

await E.step('a lock whose answer and read-back are lost: "we could not confirm", listed once as unknown', async () => {
  const name = 'e2e-good.com';
  const sent = (await E.ctl('GET', '/state')).domains[name];
  await E.ctl('POST', '/rules', { action: 'MODIFY', fault: 'close_after', count: 1 });
  await E.ctl('POST', '/rules', { action: 'GET', fault: 'close_before', count: 1 });
  try {
    await admin.locator('#lock-switch').check();
    const out = admin.locator('#lock .change-outcome[data-state=unknown]');
    await E.expectText(out, 'the registrar\'s answer was lost; we could not confirm', 30000);
    await E.shot(admin, '14-domain-lock-unknown');
  } finally {
    await E.ctl('DELETE', '/rules');
  }
  if (sent.locked !== 0 || (await E.ctl('GET', '/state')).domains[name].locked !== 1) throw new Error('the lock did not reach the sim');
  // the page reads back what the registrar holds once it answers again
  await admin.reload();
  await E.expectText(admin.locator('#lock .lock-state .badge'), 'locked');
  const row = admin.locator('#changes tr[data-kind=lock]').first();
  if (await row.getAttribute('data-state') !== 'unknown') throw new Error(`the lock is listed ${await row.getAttribute('data-state')}`);
  if (await admin.locator('#changes tr[data-kind=lock]').count() !== 1) throw new Error('the lock was recorded twice');
  await E.shot(admin, '15-domain-lock-read-back');
});

await E.step('the admin syncs a domain now (a transfer away pending is shown) and moves it to another customer', async () => {
  const name = 'e2e-moved.com';
  await E.regmanCli('domain', 'register', name, '--account', 'demo-customer');
  await E.regmanCli('account', 'add', 'e2e-other', '--email', 'other@example.com');
  await E.ctl('POST', '/transfers/away', { domain: name, gaining_registrar: 'Other Registrar Ltd', status: 'pending_owner' });
  await admin.goto(`${E.base}/admin/#/domains/${name}`);
  await admin.getByRole('button', { name: 'Sync with the registrar now' }).click();
  await E.expectText(admin.locator('.admin-acts .notice'), 'A transfer to another registrar is pending (pending owner)');
  await admin.reload();
  await E.expectText(admin.locator('.away-pending'), 'pending at the registrar (pending owner)');
  await admin.getByLabel('Move to account').fill('e2e-other');
  await admin.getByLabel('Reason (optional)').fill('the shop was sold');
  await admin.locator('form.move-form').getByRole('button', { name: 'Move' }).click();
  await admin.locator('dialog').getByRole('button', { name: 'Move' }).click();
  await E.expectText(admin.locator('.admin-acts .notice'), 'Moved from demo-customer to e2e-other');
  const d = await apiJson(admin, `/api/v1/domains/${name}`);
  if (d.account !== 'e2e-other') throw new Error(`the domain is ${d.account}'s`);
  await E.shot(admin, '16-domain-sync-move');
});

await E.step('the admin orders a domain for a customer from its account page, then renews it from the domain page: charged to the customer, recorded as the admin\'s', async () => {
  const name = 'e2e-for-customer.com';
  const acct = (await apiJson(admin, '/api/v1/accounts?limit=100')).items.find((a) => a.name === 'demo-customer');
  const before = (await apiJson(admin, `/api/v1/accounts/${acct.id}`)).balance;
  await admin.goto(`${E.base}/admin/#/accounts/${acct.id}`);
  const form = admin.locator('form.order-form');
  await form.getByLabel('Domain').fill(name);
  await form.getByRole('button', { name: 'Order for demo-customer' }).click();
  const dlg = admin.locator('dialog');
  await E.expectText(dlg, 'charged to demo-customer');
  await dlg.getByRole('button', { name: /^Charge / }).click();
  await E.expectText(form.locator('.notice'), 'Register of e2e-for-customer.com for demo-customer: done');
  const d = await apiJson(admin, `/api/v1/domains/${name}`);
  await E.expectText(admin.locator('#account-balance'), money(before - d.operations[0].amount));
  await E.shot(admin, '17-order-for-customer');
  if (d.account !== 'demo-customer') throw new Error(`the domain is ${d.account}'s`);
  if (d.operations[0].requested_by !== 'admin') throw new Error(`requested_by ${d.operations[0].requested_by}`);
  const after = (await apiJson(admin, `/api/v1/accounts/${acct.id}`)).balance;
  if (before - after !== d.operations[0].amount) throw new Error(`charged ${before - after}, the operation says ${d.operations[0].amount}`);
  if (!(await E.ctl('GET', '/state')).domains[name]) throw new Error('the sim does not hold it');
  await admin.goto(`${E.base}/admin/#/domains/${name}`);
  await admin.locator('form.renew-for-form').getByRole('button', { name: 'Renew for demo-customer' }).click();
  await admin.locator('dialog').getByRole('button', { name: /^Charge / }).click();
  await E.expectText(admin.locator('.admin-acts .notice'), 'Renewal for demo-customer: succeeded');
  const d2 = await apiJson(admin, `/api/v1/domains/${name}`);
  const rn = d2.operations.find((o) => o.kind === 'renew');
  if (!rn || rn.requested_by !== 'admin' || rn.state !== 'succeeded') throw new Error(`renewal ${JSON.stringify(rn)}`);
});

await E.done();
