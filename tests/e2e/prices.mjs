// prices.mjs - registrar prices and margins in the admin panel: the
// registrar's prices are imported as costs (regman tld import-prices
// --apply), two orders are placed at the new prices, and the admin's
// dashboard shows revenue, registrar cost and margin over the period, per
// TLD and per day, with the figures GET /api/v1/stats gives; a
// registration whose cost the registrar did not tell is said to be of
// unknown cost, its margin an upper bound.
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

await E.done();
