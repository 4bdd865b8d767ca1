// registrant.mjs - the ".ca and .us" fieldset on the customer's Contact
// Details page: the demo customer's CIRA legal type is shown in plain
// words; choosing a foreign US nexus (C31/C32) asks for the country; a bad
// country is refused with the reason and saves nothing; a good set is
// saved with the owner contact, shown again after a reload, and a .ca
// order then carries it to the registrar (the sim's order holds it).
//
// usage: registrant.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import { scenario } from './lib.mjs';

const E = await scenario('registrant', process.argv.slice(2));
const c = E.customer;
const sfx = Date.now().toString(36);
const CA = `rg-${sfx}.ca`;
const form = () => c.locator('form[aria-label="Owner contact"]');
const fs = () => c.locator('fieldset.registrant');

async function openProfile() {
  await c.goto(`${E.base}/#/profile`);
  await fs().waitFor();
}

await E.step('the contact page shows the .ca and .us details in plain words', async () => {
  await E.signIn(c, 'customer', E.logins.customer);
  await c.locator('.shell .sidebar').waitFor();
  await openProfile();
  await E.expectText(fs().locator('legend'), '.ca and .us');
  const legal = fs().locator('select[name=cira_legal_type]');
  if (await legal.inputValue() !== 'CCO') throw new Error(`legal type ${await legal.inputValue()}`);
  const shown = await legal.evaluate((el) => el.selectedOptions[0].textContent);
  if (shown !== 'Canadian corporation (CCO)') throw new Error(`legal type shown as ${shown}`);
  if (await fs().locator('input[name=us_nexus_validator]').isVisible()) {
    throw new Error('the country is asked for without a foreign nexus');
  }
});

await E.step('a foreign nexus asks for the country; a bad one is refused and saves nothing', async () => {
  await fs().locator('select[name=us_nexus_category]').selectOption('C32');
  await fs().locator('select[name=us_app_purpose]').selectOption('P1');
  const country = fs().locator('input[name=us_nexus_validator]');
  await country.waitFor();
  await country.fill('ZZ');
  await form().locator('button[type=submit]').click();
  await E.expectText(form().locator('[aria-live]'), 'us_nexus_validator "ZZ" is not an ISO 3166-1');
  const saved = JSON.parse(await E.regmanCli('account', 'show', 'demo-customer', '--json'));
  if (saved.registrant.us_nexus.category !== '') throw new Error('a refused nexus was stored');
});

await E.step('a good set is saved with the contact and shown after a reload', async () => {
  await fs().locator('input[name=us_nexus_validator]').fill('ca');
  await fs().locator('input[name=cira_trademark]').check();
  await form().locator('button[type=submit]').click();
  await E.expectText(form().locator('[aria-live]'), 'Contact details saved.');
  await c.reload();
  await fs().waitFor();
  if (await fs().locator('select[name=us_nexus_category]').inputValue() !== 'C32') throw new Error('nexus not kept');
  if (await fs().locator('input[name=us_nexus_validator]').inputValue() !== 'CA') throw new Error('country not kept');
  if (!await fs().locator('input[name=cira_trademark]').isChecked()) throw new Error('trademark not kept');
  await E.shot(c, '01-contact-ca-us');
});

await E.step('a .ca order carries the legal type and trademark flag to the registrar', async () => {
  // the demo's .ca is asynchronous: regman exits 3 (pending); the sim's
  // order below is what proves the order was sent, and with what
  await E.regmanCli('domain', 'register', CA, '--account', 'demo-customer').catch(() => null);
  const st = await E.ctl('GET', '/state');
  const order = Object.values(st.orders).find((o) => o.domain === CA);
  if (!order) throw new Error(`no order for ${CA} at the sim`);
  if (order.request.legal_type !== 'CCO' || order.request.isa_trademark !== 1) {
    throw new Error(`the order carries ${JSON.stringify(order.request)}`);
  }
});

await E.done();
