// reseller.mjs - issue "Resellers" end to end in the panels: the admin
// sets the wholesale .com registration at 10.00 on its Wholesale Prices
// page, adds a reseller on its Resellers page and credits it; the reseller
// (a login made with `regman login add --role reseller`) signs in, is
// refused a price below wholesale, sets its .com price 15.00, adds a
// customer, credits it, gives it a login and sets its owner contact on the
// customer's page; on its Settings page it sets its own agreement and
// nameservers; that customer signs in (in a browser profile of its own),
// finds the contact details its reseller set, sees the reseller's $15.00
// (not the provider's $12.99), is shown the reseller's agreement after the
// registrar's, registers and sees its balance drop 15.00, and the domain
// has the reseller's nameservers at the registrar; the reseller's
// Overview then shows sales 15.00, wholesale paid 10.00 and margin 5.00,
// as the API and `regman reseller show` say, its customer's page lists
// the domain and its Customers' orders page the order.
//
// usage: node reseller.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import { randomBytes } from 'node:crypto';
import { scenario } from './lib.mjs';

const E = await scenario('reseller', process.argv.slice(2));
const sfx = randomBytes(3).toString('hex');
const RESELLER = `acme-${sfx}`;
const RLOGIN = `acme-login-${sfx}`;
const RPASS = `acme-password-${sfx}`;
const CUSTOMER = `bob-${sfx}`;
const CLOGIN = `bob-login-${sfx}`;
const CPASS = `bob-password-${sfx}`;
const NAME = `rs-${sfx}.com`;
const AGREEMENT = `Acme ${sfx} terms: domains bought from Acme are renewed by Acme.`;
const NS = [`ns1.acme-${sfx}.net`, `ns2.acme-${sfx}.net`];
const a = E.admin;
const r = E.customer; // the reseller's browser
let c; // its customer's, opened later
let resellerId;

const dlg = (p) => p.locator('dialog[open]');
const text = (loc) => loc.evaluate((el) => el.innerText);
const api = (p, path) => p.evaluate(async (u) => {
  const res = await fetch(u, { headers: { Accept: 'application/json' } });
  return res.json();
}, path);
async function expectExact(loc, want) {
  await loc.waitFor();
  const got = (await text(loc)).trim();
  if (got !== want) throw new Error(`expected "${want}", shown "${got}"`);
}

await E.step('the admin sets the wholesale .com registration at 10.00 on Wholesale Prices', async () => {
  await E.signIn(a, 'admin', E.logins.admin);
  await a.getByRole('link', { name: 'Wholesale Prices' }).click();
  await a.locator('tr[data-tld="com"]').waitFor();
  await E.shot(a, '01-admin-wholesale-list');
  await a.getByRole('link', { name: 'Wholesale prices of .com' }).click();
  await a.fill('#wholesale-register-1', '10.00');
  await a.getByRole('button', { name: 'Save wholesale prices' }).click();
  await E.expectText(a.locator('.notice-ok'), 'Wholesale prices of .com saved (1 change)');
  await E.shot(a, '02-admin-wholesale-com');
  const w = await api(a, '/api/v1/wholesale');
  const it = w.items.find((x) => x.tld === 'com' && x.operation === 'register' && x.term === 1);
  if (!it || it.wholesale !== 1000) throw new Error(`the API's wholesale list: ${JSON.stringify(w.items)}`);
  await a.goto(`${E.base}/admin/#/wholesale`);
  await E.expectText(a.locator('tr[data-tld="com"]'), '$10.00 / 1y');
});

await E.step('the admin adds a reseller on Resellers and credits its account 100.00', async () => {
  await a.getByRole('link', { name: 'Resellers', exact: true }).click();
  await a.fill('#reseller-name', RESELLER);
  await a.fill('#reseller-email', `${RESELLER}@example.com`);
  await a.getByRole('button', { name: 'Add reseller' }).click();
  await E.expectText(a.locator('.notice-ok'), `Reseller ${RESELLER} added`);
  await a.locator(`tr[data-reseller="${RESELLER}"]`).waitFor();
  await E.shot(a, '03-admin-reseller-added');
  await a.getByRole('link', { name: 'Credit its account' }).click();
  resellerId = Number(/#\/accounts\/(\d+)/.exec(a.url())[1]);
  await a.click('#credit-account');
  await dlg(a).locator('input[name=amount]').fill('100.00');
  await dlg(a).locator('input[name=ref]').fill(`wire-${sfx}`);
  await E.confirm(a, 'Credit $100.00');
  await E.expectText(a.locator('#account-balance'), '$100.00');
  await E.regmanCli('login', 'add', RLOGIN, '--role', 'reseller', '--account', RESELLER, '--password-stdin',
    { stdin: `${RPASS}\n` });
});

await E.step('the reseller signs in: its own sections and Reseller ones; a price below wholesale is refused in the page', async () => {
  await E.signIn(r, RLOGIN, RPASS);
  await r.locator('.shell .sidebar').waitFor();
  await E.expectText(r.locator('.sidebar .nav-group'), 'Reseller');
  for (const l of ['My Domains', 'Balance and History', 'Overview', 'Prices', 'Customers', 'Customers\' orders', 'Settings']) {
    await r.locator('.sidebar').getByRole('link', { name: l, exact: true }).waitFor();
  }
  await r.locator('.sidebar').getByRole('link', { name: 'Overview', exact: true }).click();
  await expectExact(r.locator('#reseller-balance'), '$100.00');
  await E.shot(r, '04-reseller-overview-before');
  await r.locator('.sidebar').getByRole('link', { name: 'Prices', exact: true }).click();
  const row = r.locator('tr[data-item="com:register:1"]');
  await E.expectText(row, 'not sold');
  await row.locator('input').fill('9.00');
  await row.getByRole('button', { name: /^Save/ }).click();
  await E.expectText(r.locator('#prices-status .form-error'), 'below the wholesale price $10.00');
  if (await row.locator('input[aria-invalid=true]').count() !== 1) throw new Error('the price is not marked invalid');
  await E.shot(r, '05-reseller-price-below-wholesale');
});

async function setWholesale(amount) {
  await a.goto(`${E.base}/admin/#/wholesale/com`);
  await a.fill('#wholesale-register-1', amount);
  await a.getByRole('button', { name: 'Save wholesale prices' }).click();
  await E.expectText(a.locator('.notice-ok'), 'Wholesale prices of .com saved');
}

await E.step('the server\'s refusal is shown in the page: wholesale raised to 16.00 while the page showed 10.00', async () => {
  await r.fill('#markup-pct', '20000');
  await r.getByRole('button', { name: 'Set markup' }).click();
  await E.expectText(r.locator('#prices-status .form-error'), 'from 0 to 10000');
  await setWholesale('16.00');
  const row = r.locator('tr[data-item="com:register:1"]');
  await row.locator('input').fill('15.00');
  await row.getByRole('button', { name: /^Save/ }).click();
  await E.expectText(r.locator('#prices-status .form-error'), '16.00');
  await E.shot(r, '05b-reseller-price-refused-by-server');
  await setWholesale('10.00');
  await r.reload();
  await E.expectText(r.locator('tr[data-item="com:register:1"]'), '$10.00');
});

await E.step('the reseller sets its .com registration at 15.00', async () => {
  const row = r.locator('tr[data-item="com:register:1"]');
  await row.locator('input').fill('15.00');
  await row.getByRole('button', { name: /^Save/ }).click();
  await E.expectText(r.locator('#prices-status .notice-ok'), 'your price is $15.00; customers pay $15.00');
  await E.expectText(r.locator('tr[data-item="com:register:1"]'), '$15.00');
  await E.shot(r, '06-reseller-prices-set');
  const p = await api(r, '/api/v1/reseller/prices');
  const it = p.items.find((x) => x.tld === 'com' && x.operation === 'register' && x.term === 1);
  if (it.retail !== 1500 || it.price !== 1500 || it.wholesale !== 1000) throw new Error(JSON.stringify(it));
});

await E.step('the reseller adds a customer, credits it 50.00 with its reference, gives it a login', async () => {
  await r.locator('.sidebar').getByRole('link', { name: 'Customers', exact: true }).click();
  await E.expectText(r.locator('.empty-state'), 'No customers yet');
  await r.fill('#customer-name', CUSTOMER);
  await r.fill('#customer-email', `${CUSTOMER}@example.com`);
  await r.getByRole('button', { name: 'Add customer' }).click();
  await E.expectText(r.locator('.notice-ok'), `Customer ${CUSTOMER} added`);
  await r.locator(`tr[data-customer="${CUSTOMER}"]`).waitFor();
  await E.shot(r, '07-reseller-customer-added');
  await r.locator(`tr[data-customer="${CUSTOMER}"]`).getByRole('link', { name: CUSTOMER }).click();
  await E.expectText(r.locator('.page-title'), `Customer ${CUSTOMER}`);
  // the reference is required
  await r.fill('#credit-amount', '50.00');
  await r.getByRole('button', { name: 'Credit $50.00' }).click();
  await E.expectText(r.locator('form[aria-label="Credit this customer"] .form-error'), 'Enter a reference');
  await r.fill('#credit-ref', `inv-${sfx}`);
  await r.getByRole('button', { name: 'Credit $50.00' }).click();
  await E.expectText(r.locator('.notice-ok'), 'Credited $50.00. Balance $50.00.');
  await expectExact(r.locator('#customer-account-balance'), '$50.00');
  // the same reference again credits nothing
  await r.fill('#credit-amount', '50.00');
  await r.fill('#credit-ref', `inv-${sfx}`);
  await r.getByRole('button', { name: 'Credit $50.00' }).click();
  await E.expectText(r.locator('.notice-info'), 'Already credited with reference');
  await expectExact(r.locator('#customer-account-balance'), '$50.00');
  await r.fill('#login-new-username', CLOGIN);
  await r.fill('#login-new-password', CPASS);
  await r.getByRole('button', { name: 'Create login' }).click();
  await E.expectText(r.locator('.notice-ok'), `Login ${CLOGIN} created`);
  await E.shot(r, '08-reseller-customer-page');
});

const CONTACT = { first_name: 'Bob', last_name: 'Builder', email: `${CUSTOMER}@example.com`, phone: '+1.4165550123',
  address1: '1 Main St', city: 'Toronto', postal_code: 'M5V1A1', country: 'CA' };

await E.step('the reseller sets its customer\'s owner contact on the customer\'s page', async () => {
  const box = r.locator('#customer-contact');
  await E.expectText(box, 'Not set yet', 30000);
  const f = box.locator('form[aria-label="Owner contact"]');
  // a required field left out is refused in the page
  await f.locator('input[name=first_name]').fill('Bob');
  await f.getByRole('button', { name: 'Save contact details' }).click();
  await E.expectText(f.locator('.form-error'), 'is required');
  for (const [k, v] of Object.entries(CONTACT)) await f.locator(`input[name=${k}]`).fill(v);
  await f.locator('input[name=country]').fill('ZZ');
  await f.getByRole('button', { name: 'Save contact details' }).click();
  // the server's refusal, shown in the page
  await E.expectText(f.locator('.form-error'), 'country "ZZ" is not an ISO 3166-1', 30000);
  await E.shot(r, '08a-reseller-customer-contact-refused');
  await f.locator('input[name=country]').fill('CA');
  await f.getByRole('button', { name: 'Save contact details' }).click();
  await E.expectText(f.locator('.notice-ok'), 'Contact details saved.', 30000);
  await E.expectText(r.locator('#customer-contact-intro'), 'can change them too');
  await E.shot(r, '08b-reseller-customer-contact');
  const id = Number(/#\/reseller-customers\/(\d+)/.exec(r.url())[1]);
  const got = await api(r, `/api/v1/reseller/customers/${id}/contacts/owner`);
  for (const [k, v] of Object.entries(CONTACT)) if (got[k] !== v) throw new Error(`contact ${k}: ${got[k]}, not ${v}`);
});

await E.step('the reseller sets its agreement and nameservers on its Settings page', async () => {
  await r.locator('.sidebar').getByRole('link', { name: 'Settings', exact: true }).click();
  await E.expectText(r.locator('#reseller-license-now'), 'None: your customers accept only the registrar', 30000);
  await E.expectText(r.locator('#reseller-ns-now'), 'None set', 30000);
  await E.shot(r, '08c-reseller-settings-before');
  await r.fill('#reseller-license', `${AGREEMENT}\n\nQuestions: support@acme.example.`);
  await r.getByRole('button', { name: 'Save agreement' }).click();
  await E.expectText(r.locator('#license-status .notice-ok'), 'Agreement saved', 30000);
  await E.expectText(r.locator('#reseller-license-now'), 'Your customers are shown your agreement');
  // a name that is no host name is refused in the page
  const ns = r.locator('form[aria-label="Your nameservers"] input[name=nameserver]');
  await ns.nth(0).fill(NS[0]);
  await ns.nth(1).fill('not a host');
  await r.getByRole('button', { name: 'Save nameservers' }).click();
  await E.expectText(r.locator('#ns-status .form-error'), 'not a host name');
  await ns.nth(1).fill(NS[1]);
  await r.getByRole('button', { name: 'Save nameservers' }).click();
  await E.expectText(r.locator('#ns-status .notice-ok'), `Nameservers saved: ${NS.join(', ')}`, 30000);
  await E.expectText(r.locator('#reseller-ns-now'), NS[1]);
  await E.shot(r, '08d-reseller-settings-saved');
  const f = await api(r, '/api/v1/reseller');
  if (!f.license_text || !f.license_text.startsWith(AGREEMENT) || JSON.stringify(f.nameservers) !== JSON.stringify(NS)) {
    throw new Error(`GET /api/v1/reseller: ${JSON.stringify({ license_text: f.license_text, nameservers: f.nameservers })}`);
  }
  // what the page shows after a reload is what was stored
  await r.reload();
  await E.expectText(r.locator('#reseller-ns-now'), NS[0], 30000);
  const shown = await r.locator('#reseller-license').inputValue();
  if (!shown.startsWith(AGREEMENT)) throw new Error(`the agreement shown after a reload: ${JSON.stringify(shown)}`);
});

await E.step('the customer signs in (its own browser), has no reseller sections, finds the contact details its reseller set', async () => {
  c = await E.newPage('endcustomer');
  await E.signIn(c, CLOGIN, CPASS);
  await c.locator('.shell .sidebar').waitFor();
  if (await c.locator('.sidebar .nav-group').count()) throw new Error('a customer sees the reseller sections');
  await c.goto(`${E.base}/#/profile`);
  const f = c.locator('form[aria-label="Owner contact"]');
  await f.locator('input[name=first_name]').waitFor({ timeout: 30000 });
  for (const [k, v] of Object.entries(CONTACT)) {
    const got = await f.locator(`input[name=${k}]`).inputValue();
    if (got !== v) throw new Error(`the customer's contact ${k}: "${got}", not "${v}"`);
  }
});

await E.step('the customer finds a .com at the reseller\'s $15.00, not the provider\'s $12.99', async () => {
  await c.goto(`${E.base}/#/search/${NAME}`);
  const cardEl = c.locator('.lookup-yes');
  await cardEl.waitFor();
  const shown = await text(cardEl.locator('table.prices'));
  if (!shown.includes('$15.00') || shown.includes('$12.99')) throw new Error(`prices shown: ${JSON.stringify(shown)}`);
  await E.shot(c, '09-customer-search-reseller-price');
  const t = await api(c, '/api/v1/tlds/com');
  if (t.prices.register['1'] !== 1500) throw new Error(`GET /api/v1/tlds/com: ${JSON.stringify(t.prices)}`);
});

await E.step('the customer registers it after the reseller\'s agreement: charged $15.00, its balance 50.00 → 35.00', async () => {
  await c.click('.lookup form button[type=submit]');
  await E.expectText(dlg(c).locator('.agreement'), AGREEMENT, 30000);
  await E.shot(c, '09b-customer-reseller-agreement');
  await dlg(c).locator('#order-accept-license').check();
  await E.confirm(c, 'Accept and continue');
  await E.expectText(c.locator('dialog[open] .charge'), '$15.00');
  await E.expectText(dlg(c), '$50.00 → $35.00');
  await E.shot(c, '10-customer-confirm-charge');
  await E.confirm(c, 'Pay $15.00 and register');
  await E.expectText(c.locator('.notice-ok'), `Registration of ${NAME} completed`);
  await c.locator('.sidebar').getByRole('link', { name: 'Balance and History' }).click();
  await expectExact(c.locator('#customer-balance'), '$35.00');
  await E.expectText(c.locator('tr[data-kind=charge]'), '−$15.00');
  await E.shot(c, '11-customer-balance');
  const st = await E.ctl('GET', '/state');
  const d = st.domains[NAME];
  if (!d || JSON.stringify(d.nameservers) !== JSON.stringify(NS)) {
    throw new Error(`${NAME} at the registrar: ${JSON.stringify(d)}, not the reseller's nameservers ${NS.join(', ')}`);
  }
});

await E.step('the reseller\'s Overview: sales 15.00, wholesale paid 10.00, margin 5.00, balance 90.00 — as the API and the CLI say', async () => {
  await r.goto(`${E.base}/#/reseller`);
  await expectExact(r.locator('#reseller-sales'), '$15.00');
  await expectExact(r.locator('#reseller-wholesale'), '$10.00');
  await expectExact(r.locator('#reseller-margin'), '$5.00');
  await expectExact(r.locator('#reseller-balance'), '$90.00');
  await expectExact(r.locator('#reseller-customers'), '1');
  await E.shot(r, '12-reseller-overview-after');
  const f = await api(r, '/api/v1/reseller');
  const want = { sales: 1500, wholesale_paid: 1000, margin: 500, balance: 9000, customers: 1 };
  for (const [k, v] of Object.entries(want)) if (f[k] !== v) throw new Error(`API ${k}: ${f[k]}, not ${v}`);
  const cli = JSON.parse(await E.regmanCli('reseller', 'show', RESELLER, '--json'));
  const num = (v) => (typeof v === 'string' ? Math.round(Number(v.replace(/,/g, '')) * 100) : v);
  for (const k of ['sales', 'wholesale_paid', 'margin', 'balance']) {
    if (num(cli[k]) !== want[k]) throw new Error(`regman reseller show: ${k} ${cli[k]}`);
  }
});

await E.step('the reseller sees its customer\'s domain and balance; its own history shows the wholesale charge', async () => {
  await r.goto(`${E.base}/#/reseller-customers`);
  await E.expectText(r.locator(`tr[data-customer="${CUSTOMER}"]`), '$35.00');
  await r.locator(`tr[data-customer="${CUSTOMER}"]`).getByRole('link', { name: CUSTOMER }).click();
  await E.expectText(r.locator('.card'), NAME);
  await expectExact(r.locator('#customer-account-balance'), '$35.00');
  await E.shot(r, '13-reseller-customer-domains');
  await r.locator('.sidebar').getByRole('link', { name: 'Balance and History' }).click();
  await E.expectText(r.locator('tr[data-kind=charge]'), '−$10.00');
  await E.shot(r, '14-reseller-own-history');
});

await E.step('the reseller\'s Customers\' orders page lists its customer\'s order; none pending', async () => {
  await r.locator('.sidebar').getByRole('link', { name: 'Customers\' orders', exact: true }).click();
  const row = r.locator(`tr[data-domain="${NAME}"]`);
  await row.waitFor({ timeout: 30000 });
  const t = await text(row);
  for (const v of [NAME, CUSTOMER, 'Registration, 1\u00a0year', 'Succeeded', '$15.00']) if (!t.includes(v)) throw new Error(`the order's row lacks ${v}: ${t}`);
  await E.expectText(r.locator('.page-intro'), 'Only the provider can cancel');
  await E.shot(r, '14b-reseller-customers-orders');
  const ops = await api(r, '/api/v1/reseller/operations');
  const shown = await r.locator('tbody tr').count();
  if (shown !== ops.items.length || ops.items[0].domain !== NAME) throw new Error(`the API lists ${JSON.stringify(ops.items.map((o) => o.domain))}, the page ${shown} rows`);
  await r.selectOption('#orders-state', 'pending');
  await E.expectText(r.locator('.empty-state'), 'No order of your customers is waiting for the registry', 30000);
  await E.shot(r, '14c-reseller-customers-orders-pending');
});

await E.step('the admin\'s Resellers page shows the reseller\'s figures', async () => {
  await a.goto(`${E.base}/admin/#/resellers`);
  const row = a.locator(`tr[data-reseller="${RESELLER}"]`);
  await E.expectText(row, '$5.00');
  const t = await text(row);
  for (const v of ['$90.00', '$15.00', '$10.00', '$5.00']) if (!t.includes(v)) throw new Error(`row lacks ${v}: ${t}`);
  await E.shot(a, '15-admin-resellers-after');
  if (!resellerId) throw new Error('no reseller id');
});

await E.step('the admin sets the wholesale rule on the Wholesale Prices page: cost + 10 % + 0.50, then removes it', async () => {
  await a.goto(`${E.base}/admin/#/wholesale`);
  const form = a.locator('#wholesale-rule');
  await form.waitFor();
  await E.expectText(a.locator('.rule-now'), 'No rule');
  await a.fill('#rule-markup', 'ten');
  await form.getByRole('button', { name: 'Save the rule' }).click();
  await E.expectText(form.locator('xpath=..').locator('.form-status'), 'Markup: a percentage');
  await a.fill('#rule-markup', '10');
  await a.fill('#rule-add', '0.50');
  await form.getByRole('button', { name: 'Save the rule' }).click();
  await E.expectText(a.locator('.rule-now'), "The registrar's cost + 10 % + $0.50", 30000);
  const w = await api(a, '/api/v1/wholesale');
  if (!w.rule || w.rule.markup_pct !== 10 || w.rule.add !== 50) throw new Error(`the API's rule: ${JSON.stringify(w.rule)}`);
  for (const it of w.items) if (it.source !== 'price' && it.source !== 'rule') throw new Error(`an item without its source: ${JSON.stringify(it)}`);
  await E.shot(a, '15b-admin-wholesale-rule');
  await a.getByRole('button', { name: 'Remove the rule' }).click();
  await E.expectText(a.locator('.rule-now'), 'No rule', 30000);
  if ((await api(a, '/api/v1/wholesale')).rule !== null) throw new Error('the rule is still set');
});

await E.step('a phone-sized screen: the reseller\'s Prices page and navigation', async () => {
  await r.setViewportSize({ width: 390, height: 844 });
  await r.goto(`${E.base}/#/reseller-prices`);
  await r.locator('tr[data-item="com:register:1"]').waitFor();
  await E.shot(r, '16-reseller-prices-phone');
  await r.setViewportSize({ width: 1280, height: 860 });
});

await E.done();
