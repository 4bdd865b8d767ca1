// search.mjs - "search like a shop" (GET /api/v1/search) as a visitor and
// a customer meet it: a bare word shows the name in every TLD sold with its
// availability and price, and suggestions; a name in a TLD not sold says so
// and shows the word in the TLDs sold; the name typed comes first as its own
// card; each available name has its Register button (Sign up on the
// storefront) and ordering one from the list works like the lookup's; a
// taken name offers a transfer; a registry premium name is marked "not
// offered" without a price or a button; and the page holds on a phone.
//
// usage: node search.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import { randomBytes } from 'node:crypto';
import { scenario } from './lib.mjs';

const E = await scenario('search', process.argv.slice(2));
const sfx = randomBytes(3).toString('hex');
const WORD = `shopword${sfx}`;
const c = E.customer;
const TLDS = ['ca', 'com', 'net', 'org'];
const dlg = () => c.locator('dialog[open]');
const shown = (loc) => loc.evaluate((el) => el.innerText);

// rows - the rows of a list (#shop-tlds or #shop-suggestions), by name
async function rows(page, list) {
  return page.locator(`#${list} tbody tr`).evaluateAll((trs) => trs.map((tr) => ({
    name: tr.getAttribute('data-domain'),
    text: tr.innerText,
    register: !!tr.querySelector('button[type=submit]'),
    signup: !!tr.querySelector('a.btn'),
  })));
}

await E.step('a visitor searches a bare word: every TLD sold with availability and price, then suggestions', async () => {
  await c.goto(`${E.base}/`);
  await c.fill('#find-domain', WORD);
  await c.click('.hero-search button[type=submit]');
  await E.expectText(c.locator('#shop-tlds .card-title'), `“${WORD}” in every TLD we sell`);
  const got = await rows(c, 'shop-tlds');
  const names = got.map((r) => r.name).sort();
  const want = TLDS.map((t) => `${WORD}.${t}`);
  if (JSON.stringify(names) !== JSON.stringify(want)) throw new Error(`TLD rows: ${JSON.stringify(names)}`);
  for (const r of got) {
    if (!/available/i.test(r.text) || !/\$\d+\.\d\d/.test(r.text) || !r.signup) throw new Error(`row ${r.name}: ${r.text}`);
  }
  if (await c.locator('.lookup').count()) throw new Error('a bare word has no card of its own');
  const sug = await rows(c, 'shop-suggestions');
  if (sug.length < 3) throw new Error(`only ${sug.length} suggestions`);
  const plain = sug.filter((r) => !/premium/i.test(r.text));
  const premium = sug.filter((r) => /premium/i.test(r.text));
  if (!plain.length || !plain.every((r) => /\$\d+\.\d\d/.test(r.text) && r.signup)) throw new Error(`suggestions: ${JSON.stringify(plain)}`);
  if (!premium.length || !premium.every((r) => /Premium: not offered/.test(r.text) && !r.signup && !/\$/.test(r.text))) {
    throw new Error(`premium suggestions: ${JSON.stringify(premium)}`);
  }
  await E.shot(c, '01-storefront-bare-word');
});

await E.step('a name in a TLD not sold: said so, and the word across the TLDs sold', async () => {
  await c.goto(`${E.base}/#/find/${WORD}.xyz`);
  await E.expectText(c.locator('.notice-info'), 'We do not sell .xyz names');
  const got = await rows(c, 'shop-tlds');
  if (got.length !== TLDS.length) throw new Error(`${got.length} rows`);
  if (await c.locator('.lookup').count()) throw new Error('.xyz got a card of its own');
  await E.shot(c, '02-storefront-tld-not-sold');
});

await E.step('the name typed comes first as its card; the storefront links to sign-up', async () => {
  await c.goto(`${E.base}/#/find/${WORD}.net`);
  await c.locator('.lookup-yes').waitFor();
  await E.expectText(c.locator('.lookup-name'), `${WORD}.net`);
  await E.expectText(c.locator('table.prices tr'), '$13.99');
  await c.getByRole('link', { name: 'Sign up to register it' }).waitFor();
  const got = await rows(c, 'shop-tlds');
  if (got.some((r) => r.name === `${WORD}.net`) || got.length !== TLDS.length - 1) throw new Error(`other TLDs: ${JSON.stringify(got)}`);
  await c.getByRole('link', { name: `Sign up for ${WORD}.org` }).waitFor();
});

await E.step('a customer registers a name from the list with its Register button', async () => {
  await E.signIn(c, 'customer', E.logins.customer);
  await c.locator('.shell .sidebar').waitFor();
  await c.goto(`${E.base}/#/search/${WORD}`);
  await E.expectText(c.locator('#shop-tlds .card-title'), `“${WORD}” in every TLD we sell`);
  const got = await rows(c, 'shop-tlds');
  if (!got.every((r) => r.register)) throw new Error(`rows without Register: ${JSON.stringify(got)}`);
  await E.shot(c, '03-customer-search-list');
  const row = c.locator(`#shop-tlds tr[data-domain="${WORD}.org"]`);
  await row.locator('select').selectOption('2');
  await row.getByRole('button', { name: `Register ${WORD}.org` }).click();
  // the demo connection's agreement first, then the charge of the term chosen
  await E.expectText(dlg(), 'Demo Registration Agreement');
  await dlg().locator('#order-accept-license').check();
  await E.confirm(c, 'Accept and continue');
  await E.expectText(c.locator('dialog[open] .charge'), '$23.98');
  await E.confirm(c, 'Pay $23.98 and register');
  await E.expectText(c.locator('.notice-ok'), `Registration of ${WORD}.org completed`);
  await E.expectText(row, 'ordered');
  if (await row.locator('button').count()) throw new Error('the ordered row still offers Register');
  await E.shot(c, '04-customer-registered-from-list');
});

await E.step('searched again: the name is yours; a taken name offers a transfer; a premium name is not offered', async () => {
  await E.ctl('POST', '/premium', { name: `${WORD}.com`, price: '2500.00' });
  await c.goto(`${E.base}/#/search/${WORD}.ca`);
  await c.locator('.lookup-yes').waitFor();
  const org = c.locator(`#shop-tlds tr[data-domain="${WORD}.org"]`);
  await E.expectText(org, 'yours');
  if (await org.locator('button').count()) throw new Error('your own name offers Register');
  const com = c.locator(`#shop-tlds tr[data-domain="${WORD}.com"]`);
  await E.expectText(com, 'Premium: not offered');
  if (await com.locator('button').count()) throw new Error('a premium name offers Register');
  if (/\$/.test(await shown(com))) throw new Error('a premium name shows a price');
  await E.shot(c, '05-customer-yours-premium');
  await c.goto(`${E.base}/#/search/taken.com`);
  await c.locator('.lookup-no').waitFor();
  await E.expectText(c.locator('.lookup .badge'), 'taken');
  await c.getByRole('link', { name: 'Transfer it in' }).waitFor();
  await E.shot(c, '06-customer-taken');
});

await E.step('on a phone-sized screen the lists stay readable', async () => {
  await c.setViewportSize({ width: 390, height: 844 });
  await c.goto(`${E.base}/#/search/${WORD}`);
  await E.expectText(c.locator('#shop-tlds .card-title'), 'in every TLD we sell');
  const wide = await c.locator('html').evaluate((el) => el.scrollWidth > el.clientWidth + 1);
  if (wide) throw new Error('the page scrolls sideways on a phone');
  const cut = await c.locator('.shop-list td').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1)
    .map((td) => td.innerText));
  if (cut.length) throw new Error(`cells cut off on a phone: ${JSON.stringify(cut)}`);
  await E.shot(c, '07-customer-search-phone');
  await c.setViewportSize({ width: 1280, height: 860 });
});

await E.done();
