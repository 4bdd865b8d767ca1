// prices.mjs - registrar prices and margins in the admin panel: the
// registrar's prices are imported as costs (regman tld import-prices
// --apply), two orders are placed at the new prices, and the admin's
// dashboard shows revenue, registrar cost and margin over the period, per
// TLD and per day, with the figures GET /api/v1/stats gives; a
// registration whose cost the registrar did not tell is said to be of
// unknown cost, its margin an upper bound. Then the admin imports prices
// in the page, on the registrar connection's page: a preview whose
// proposals are the API's dry run, its mistakes and the registrar not
// answering shown in the page, then "Apply these prices", after which
// `regman tld show .com --json` has the proposed prices.
import { scenario } from './lib.mjs';

const E = await scenario('prices', process.argv.slice(2));
const { admin } = E;

await E.step('the sim charges 8.50 for a .com registration; the import proposes and applies 11.99', async () => {
  await E.ctl('POST', '/prices', { tld: 'com', reg_type: 'new', period: 1, price: '8.50' });
  const dry = await E.regmanCli('tld', 'import-prices', 'OpenSRS (local test server)', '--tld', '.com', '--markup', '30', '--round', '.99');
  if (!/^com register 1y: cost 8\.50, price \S+ -> 11\.99$/m.test(dry)) throw new Error(`dry run:\n${dry}`);
  await E.regmanCli('tld', 'import-prices', 'OpenSRS (local test server)', '--tld', '.com', '--markup', '30', '--round', '.99', '--apply');
  const t = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json'));
  if (t.prices.register['1'] !== '11.99') throw new Error(`price ${JSON.stringify(t.prices.register)}`);
  await E.regmanCli('domain', 'register', 'e2e-margin-one.com', '--account', 'demo-customer');
  await E.regmanCli('domain', 'register', 'e2e-margin-two.com', '--account', 'demo-customer');
  // a registration whose cost the registrar does not tell: unknown, not invented
  await E.ctl('POST', '/rules', { action: 'GET_PRICE', domain: 'e2e-margin-unknown.net', fault: 'code_400' });
  await E.regmanCli('domain', 'register', 'e2e-margin-unknown.net', '--account', 'demo-customer');
});

await E.step('the admin sees revenue, registrar cost and margin on the dashboard', async () => {
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.goto(`${E.base}/admin/#/dashboard`);
  const section = admin.locator('.dashboard .margins');
  await section.waitFor();
  const s = await admin.evaluate(async () => (await fetch('/api/v1/stats?days=30')).json());
  const com = s.tlds.find((x) => x.tld === 'com');
  if (!com || com.cost < 1700 || com.revenue < 2398) throw new Error(`stats .com ${JSON.stringify(com)}`);
  const fmt = (m) => `$${(m / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
  const le = (m, unknown) => (unknown ? `≤ ${fmt(m)}` : fmt(m));
  // the tile: the margin over the period and the cost behind it
  const tile = admin.locator('.tile', { hasText: 'Margin (30 d)' });
  await E.expectText(tile, le(s.margin, s.cost_unknown));
  await E.expectText(tile, `${fmt(s.cost)} registrar cost`);
  // the per-TLD table: .com's revenue, cost and margin
  const row = section.locator('tr', { hasText: '.com' });
  await E.expectText(row, fmt(com.revenue));
  await E.expectText(row, fmt(com.cost));
  await E.expectText(row, le(com.margin, com.cost_unknown));
  // the per-day table: today's row
  const today = s.days[s.days.length - 1];
  const d = new Date(today.day * 86400 * 1000);
  const dayRow = section.locator('tr', { hasText: `${d.getUTCMonth() + 1}/${d.getUTCDate()}` }).first();
  await E.expectText(dayRow, fmt(today.cost));
  await E.expectText(dayRow, le(today.margin, today.cost_unknown));
  await E.expectText(section, 'Revenue, registrar cost and margin per day');
  await E.expectText(admin.locator('figure', { hasText: 'Margin per TLD' }), le(com.margin, com.cost_unknown));
  const net = s.tlds.find((x) => x.tld === 'net');
  if (!net || net.cost_unknown !== 1 || s.cost_unknown < 1) throw new Error(`stats .net ${JSON.stringify(net)}`);
  await E.expectText(section.locator('#margin-unknown'), 'is not known');
  await E.expectText(section.locator('tr', { hasText: '.net' }), `≤ ${fmt(net.margin)}`);
  await E.expectText(section.locator('tr', { hasText: '.net' }), '1 operation');
  await E.expectText(section.locator('tr', { hasText: '.net' }), 'unknown');
  await E.shot(admin, '01-dashboard-margins');
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: `${E.shotDir}/prices-02-margins-section.png` });
  E.shots.push(`${E.shotDir}/prices-02-margins-section.png`);
});

const CONN = 'OpenSRS (local test server)';
const fmt = (m) => `$${(m / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
// importApi - the import through the panel's own API module (its session
// and CSRF token): {status, json}.
const importApi = (body) => admin.evaluate(async ([t, b]) => {
  const api = await import('/assets/js/api.js');
  const conns = await api.get('/api/v1/connections?limit=500');
  const c = conns.items.find((x) => x.title === t);
  try {
    return { status: 200, json: await api.post(`/api/v1/connections/${c.id}/import-prices`, b) };
  } catch (e) {
    return { status: e.status, json: { error: { message: e.message, field: e.field } } };
  }
}, [CONN, body]);
const RULE = { tlds: ['.com'], markup_pct: '25', add: 50, round: '.99' };

await E.step('the admin previews an import on the registrar connection\'s page: the proposals are the API\'s dry run', async () => {
  // the registrar now charges 9.20: 9.20 + 25% + 0.50 = 12.00, up to .99: 12.99
  await E.ctl('POST', '/prices', { tld: 'com', reg_type: 'new', period: 1, price: '9.20' });
  await admin.goto(`${E.base}/admin/#/registrars`);
  await admin.getByRole('link', { name: CONN, exact: true }).click();
  const form = admin.locator('form[aria-label="Import prices from the registrar"]');
  await form.waitFor({ timeout: 30000 });
  await form.locator('#import-tlds').fill('.com');
  await form.locator('#import-markup').fill('25');
  await form.locator('#import-add').fill('0.50');
  await form.locator('#import-round').fill('.99');
  await form.getByRole('button', { name: 'Preview prices' }).click();
  const row = admin.locator('#import-result tr[data-item="com:register:1"]');
  await row.waitFor({ timeout: 60000 });
  await E.expectText(admin.locator('#import-result .notice'), 'Preview, nothing changed yet');
  await admin.locator('#import-prices').scrollIntoViewIfNeeded();
  await E.shot(admin, '03-import-preview');
  const dry = await importApi(Object.assign({ apply: false }, RULE));
  if (dry.status !== 200) throw new Error(`the API's dry run: ${JSON.stringify(dry)}`);
  const want = dry.json.rows.find((x) => x.tld === 'com' && x.operation === 'register' && x.term === 1);
  if (!want || want.cost !== 920 || want.proposed !== 1299 || want.old !== 1199 || !want.changed) {
    throw new Error(`the API's dry run .com register 1y: ${JSON.stringify(want)}`);
  }
  const shown = admin.locator('#import-result tbody tr');
  if (await shown.count() !== dry.json.rows.length) throw new Error(`page ${await shown.count()} rows, API ${dry.json.rows.length}`);
  for (const x of dry.json.rows) {
    const tr = admin.locator(`#import-result tr[data-item="${x.tld}:${x.operation}:${x.term}"]`);
    const t = await tr.evaluate((el) => el.innerText);
    for (const m of [x.cost, x.old, x.proposed]) {
      if (m !== null && !t.includes(fmt(m))) throw new Error(`${x.tld} ${x.operation} ${x.term}: the page shows "${t}", not ${fmt(m)}`);
    }
    if ((await tr.getAttribute('data-changed')) !== (x.changed ? '1' : '0')) throw new Error(`${x.tld} ${x.operation} ${x.term}: changed differs`);
  }
  await E.expectText(row, '+$1.00');
  await E.expectText(admin.locator('#import-apply'), `Apply these prices (${dry.json.changed})`);
  // the preview changed nothing
  const t = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json'));
  if (t.prices.register['1'] !== '11.99') throw new Error(`after the preview: ${JSON.stringify(t.prices.register)}`);
});

await E.step('mistakes and a registrar that does not answer are shown in the page, changing nothing', async () => {
  const form = admin.locator('form[aria-label="Import prices from the registrar"]');
  await form.locator('#import-markup').fill('lots');
  await form.getByRole('button', { name: 'Preview prices' }).click();
  await E.expectText(admin.locator('#import-status .form-error'), 'Markup: a percentage');
  if (await admin.locator('#import-markup[aria-invalid=true]').count() !== 1) throw new Error('the markup is not marked invalid');
  await E.expectText(admin.locator('#import-result'), 'preview again before applying');
  if (await admin.locator('#import-apply').count()) throw new Error('Apply offered for a rule not previewed');
  await form.locator('#import-markup').fill('25');
  // the server's refusal, naming its field
  await form.locator('#import-tlds').fill('.nosuchtld');
  await form.getByRole('button', { name: 'Preview prices' }).click();
  await admin.locator('#import-status .form-error').waitFor({ timeout: 60000 });
  const msg = await admin.locator('#import-status .form-error').innerText();
  const api = await importApi(Object.assign({}, RULE, { tlds: ['.nosuchtld'] }));
  if (api.status < 400 || api.status >= 500 || msg.trim() !== api.json.error.message) {
    throw new Error(`the page says "${msg}", the API ${JSON.stringify(api)}`);
  }
  await E.shot(admin, '04-import-refused');
  // the registrar does not answer: 502, said in the page
  await form.locator('#import-tlds').fill('.com');
  const rule = await E.ctl('POST', '/rules', { action: 'GET_PRICE', fault: 'close_before' });
  try {
    await form.getByRole('button', { name: 'Preview prices' }).click();
    await E.expectText(admin.locator('#import-status .form-error'), 'The registrar did not answer; no price was changed.', 90000);
    await E.shot(admin, '05-import-registrar-down');
  } finally {
    await E.ctl('DELETE', `/rules/${rule.id}`);
  }
  const t = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json'));
  if (t.prices.register['1'] !== '11.99') throw new Error(`after the failures: ${JSON.stringify(t.prices.register)}`);
});

await E.step('the admin applies the previewed prices: regman tld show .com has them', async () => {
  const form = admin.locator('form[aria-label="Import prices from the registrar"]');
  await form.getByRole('button', { name: 'Preview prices' }).click();
  await admin.locator('#import-apply').waitFor({ timeout: 60000 });
  const dry = (await importApi(Object.assign({ apply: false }, RULE))).json;
  await admin.locator('#import-apply').click();
  await E.expectText(admin.locator('#import-result .notice-ok'), `Applied: ${dry.changed} price`, 60000);
  await E.expectText(admin.locator('#import-result tr[data-item="com:register:1"]'), '$12.99');
  await E.shot(admin, '06-import-applied');
  const t = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json'));
  for (const x of dry.rows.filter((r) => r.changed)) {
    const got = t.prices[x.operation] && t.prices[x.operation][String(x.term)];
    if (got !== (x.proposed / 100).toFixed(2)) throw new Error(`.com ${x.operation} ${x.term}: regman tld show ${got}, proposed ${fmt(x.proposed)}`);
  }
  if (t.prices.register['1'] !== '12.99') throw new Error(`regman tld show .com: ${JSON.stringify(t.prices.register)}`);
  // the same again changes nothing
  const again = await importApi(Object.assign({ apply: false }, RULE));
  if (again.json.changed !== 0) throw new Error(`a preview after applying: ${again.json.changed} changes`);
});

await E.done();
