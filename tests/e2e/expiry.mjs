// expiry.mjs - the life after expiry per TLD in the panels: the admin sets
// a TLD's grace and redemption days and its restore fee on the TLD page;
// the customer's domain page then says until when the domain can be
// renewed and restored after it expires, and at what restore fee.
import { scenario } from './lib.mjs';

const E = await scenario('expiry', process.argv.slice(2));
const { admin, customer } = E;
const NAME = 'e2e-expiry.com';

await E.step('the admin sets .com: 35 days of grace, 30 of redemption, a restore fee of 80.00', async () => {
  await E.regmanCli('domain', 'register', NAME, '--account', 'demo-customer');
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.goto(`${E.base}/admin/#/tlds/com`);
  const group = admin.locator('fieldset.expiry-group');
  await group.waitFor();
  await group.getByLabel('Grace (days)').fill('35');
  await group.getByLabel('Redemption (days)').fill('30');
  await group.getByLabel('Restore fee').fill('80.00');
  await E.shot(admin, '01-tld-after-expiry');
  await admin.getByRole('button', { name: 'Save prices' }).click();
  await E.expectText(admin.locator('.notice'), '.com saved');
  const out = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json'));
  const ex = out.expiry;
  if (ex.grace_days !== 35 || ex.redemption_days !== 30 || ex.restore_fee !== '80.00') throw new Error(`stored ${JSON.stringify(ex)}`);
  // a bad value is refused in the page, nothing sent
  await group.getByLabel('Grace (days)').fill('400');
  await admin.getByRole('button', { name: 'Save prices' }).click();
  await E.expectText(admin.locator('.form-status'), 'a whole number of days from 0 to 365');
});

await E.step('the customer sees until when the domain can be renewed and restored, and the restore fee', async () => {
  await E.signIn(customer, 'customer', E.logins.customer);
  await customer.goto(`${E.base}/#/domains/${NAME}`);
  const line = customer.locator('.after-expiry');
  await line.waitFor();
  const d = await customer.evaluate(async (n) => (await fetch(`/api/v1/domains/${n}`)).json(), NAME);
  const day = (t) => new Date(t * 1000).toISOString().slice(0, 10);
  if (d.renewable_until - d.expires_at !== 35 * 86400) throw new Error(`renewable_until ${d.renewable_until} for expiry ${d.expires_at}`);
  if (d.restorable_until - d.renewable_until !== 30 * 86400) throw new Error(`restorable_until ${d.restorable_until}`);
  await E.expectText(line, `renewable until ${day(d.renewable_until)}`);
  await E.expectText(line, `restorable until ${day(d.restorable_until)} (restore fee $80.00)`);
  await E.shot(customer, '02-domain-after-expiry');
});

await E.done();
