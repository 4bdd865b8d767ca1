// restore.mjs - a domain after its expiry in both panels: in grace the
// customer's Renew card adds the TLD's grace fee to the renewal price; in
// redemption the customer sees the restore price and until when, restores
// the domain and is charged exactly the restore price, and sees it active
// with its new expiry; an admin restores another domain in redemption for
// its customer from the admin's domain page.
//
// The sim's registry lifecycle decides the phase (docs/opensrs-sim.1,
// REGISTRY LIFECYCLE): a domain put back in with an expiry already past
// lapses from that moment, so a grace of 40 days puts it in grace and a
// grace of 0 days puts it straight in redemption. `lifecycle run sync`
// reads the registrar's expiry and phase into regman (docs/expiry.md).
//
// usage: node restore.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import { randomBytes } from 'node:crypto';
import { scenario } from './lib.mjs';

const E = await scenario('restore', process.argv.slice(2));
const { admin, customer: c } = E;
const sfx = randomBytes(3).toString('hex');
const GRACE = `rs-grace-${sfx}.com`;
const REDEEM = `rs-redeem-${sfx}.com`;
const BY_ADMIN = `rs-admin-${sfx}.com`;
const LOST = `rs-lost-${sfx}.com`;
const day = (t) => new Date(t * 1000).toISOString().slice(0, 10);
const ago = (days) => new Date(Date.now() - days * 86400 * 1000).toISOString().slice(0, 19).replace('T', ' ');
const api = (page, p, opts) => page.evaluate(async ([u, o]) => {
  const r = await fetch(u, o);
  return r.json();
}, [p, opts || {}]);
const show = async (name) => JSON.parse(await E.regmanCli('domain', 'show', name, '--json'));
const simDomain = async (name) => (await E.ctl('GET', '/state')).domains[name];
const shown = (loc) => loc.evaluate((el) => el.innerText);

// lapse - put the sim's domain back with an expiry days ago (its owner
// and credentials kept), then let regman read it: the full sync corrects
// the expiry (it leaves a domain changed in the second its listing began
// to the next sync, hence the pause), the domain's own sync then reads
// the registrar's phase of a domain past its expiry.
async function lapse(name, daysAgo) {
  const was = await simDomain(name);
  await E.ctl('POST', '/domains', { name, owner: was.owner, expiry: ago(daysAgo), reg_username: was.reg_username,
    reg_password: was.reg_password, auth_info: was.auth_info, contact_set: was.contact_set, nameservers: was.nameservers });
  await new Promise((r) => setTimeout(r, 1100));
  const said = await E.regmanCli('lifecycle', 'run', 'sync');
  if (!/[1-9]\d* expiry corrected/.test(said)) throw new Error(`the sync corrected no expiry: ${said}`);
  await E.regmanCli('domain', 'sync', name);
  return show(name);
}

await E.step('the admin sets .com\'s grace fee (5.00) and restore fee (80.00); four customer domains', async () => {
  await E.regmanCli('tld', 'set', '.com', '--grace-fee', '5', '--restore-fee', '80');
  const ex = JSON.parse(await E.regmanCli('tld', 'show', 'com', '--json')).expiry;
  if (ex.grace_fee !== '5.00' || ex.restore_fee !== '80.00') throw new Error(`stored ${JSON.stringify(ex)}`);
  for (const n of [GRACE, REDEEM, BY_ADMIN, LOST]) await E.regmanCli('domain', 'register', n, '--account', 'demo-customer');
  await E.regmanCli('account', 'credit', 'demo-customer', '300', '--memo', 'restore test');
  await E.ctl('POST', '/lifecycle', { tld: 'com', grace_days: 40 });
});

await E.step('an expired domain in grace: the Renew card says renewal + grace fee, and until when', async () => {
  const d = await lapse(GRACE, 5);
  if (d.status !== 'expired') throw new Error(`${GRACE} is ${d.status}, not expired`);
  await E.signIn(c, 'customer', E.logins.customer);
  await c.locator('.shell .sidebar').waitFor();
  await c.goto(`${E.base}/#/domains/${GRACE}`);
  const renew = c.locator('#renew');
  await renew.waitFor();
  const a = await api(c, `/api/v1/domains/${GRACE}`);
  const lic = await api(c, `/api/v1/license?domain=${GRACE}`);
  if (a.grace_fee !== 500) throw new Error(`grace_fee ${a.grace_fee}`);
  if (a.grace_renew_price !== lic.prices.renew['1'] + 500) throw new Error(`grace_renew_price ${a.grace_renew_price}`);
  const total = `$${(a.grace_renew_price / 100).toFixed(2)}`;
  await E.expectText(renew, `renewable until ${day(a.renewable_until)} at the renewal price plus a grace fee of $5.00`);
  await E.expectText(renew.locator('.renew-total'), `Total for 1\u00a0year: ${total} (renewal $${(lic.prices.renew['1'] / 100).toFixed(2)} + grace fee $5.00)`);
  await E.expectText(c.locator('.status-words'), `Expired — renewable until ${day(a.renewable_until)}`);
  await E.expectText(c.locator('#domain-attention'), `Renew it by ${day(a.renewable_until)}`);
  await E.shot(c, '01-customer-grace-domain');
  // the charge confirmed is the total charged
  await renew.getByRole('button', { name: 'Renew' }).click();
  const dlg = c.locator('dialog[open]');
  await E.expectText(dlg.locator('.charge'), total);
  await E.expectText(dlg, 'renewal $12.99 + grace fee $5.00');
  await E.shot(c, '02-customer-grace-renew-confirm');
  await E.confirm(c, 'Go back');
  await c.goto(`${E.base}/#/domains`);
  const row = c.locator(`tr[data-domain="${GRACE}"]`);
  await E.expectText(row, `renewable until ${day(a.renewable_until)}`);
});

let before;
let r0;
await E.step('a domain in redemption: the customer sees the restore price and until when', async () => {
  await E.ctl('POST', '/lifecycle', { tld: 'com', grace_days: 0 });
  const d = await lapse(REDEEM, 35);
  if (d.status !== 'redemption') throw new Error(`${REDEEM} is ${d.status}, not redemption`);
  r0 = await api(c, `/api/v1/domains/${REDEEM}`);
  if (r0.restore_fee !== 8000 || r0.restore_price !== 8000 + 1299) throw new Error(`restore ${r0.restore_fee} ${r0.restore_price}`);
  if (r0.needs_action !== 'redemption') throw new Error(`needs_action ${r0.needs_action}`);
  before = (await api(c, '/api/v1/me')).account.balance;
  await c.goto(`${E.base}/#/domains`);
  await c.reload();
  const row = c.locator(`tr[data-domain="${REDEEM}"]`);
  await E.expectText(row, `In redemption — restorable until ${day(r0.restorable_until)}`);
  await E.expectText(row, 'Restore now');
  await E.expectText(c.locator('#domains-attention'), `restore it by ${day(r0.restorable_until)} for $92.99 or it will be deleted`);
  await c.locator('#domains-view').selectOption('redemption');
  // an active domain leaves the list, the one in redemption stays
  await c.locator(`tr[data-domain="${BY_ADMIN}"]`).waitFor({ state: 'detached' });
  await row.waitFor();
  await E.shot(c, '03-customer-domains-redemption');
  await row.getByRole('link', { name: 'Restore now' }).click();
  const card = c.locator('#restore');
  await card.waitFor();
  await E.expectText(card, `Restore ${REDEEM} for $92.99 (restore fee $80.00 + one year's renewal $12.99), until ${day(r0.restorable_until)}.`);
  await E.expectText(c.locator('#domain-attention'), `${REDEEM} expired on ${day(r0.expires_at)} and is in its redemption period: restore it by ${day(r0.restorable_until)} for $92.99 or it will be deleted.`);
  await E.expectText(c.locator('.status-words'), `In redemption — restorable until ${day(r0.restorable_until)}`);
  if (await c.locator('#renew').count()) throw new Error('a domain in redemption offers a renewal');
  await E.shot(c, '04-customer-domain-redemption');
});

await E.step('the customer restores it: charged exactly the restore price, active with the new expiry', async () => {
  await c.locator('#domain-attention').getByRole('button', { name: 'Restore it' }).click();
  await c.locator('#restore-button').click();
  const dlg = c.locator('dialog[open]');
  await E.expectText(dlg, 'Confirm: restore of');
  await E.expectText(dlg.locator('.charge'), '$92.99');
  await E.expectText(dlg, "restore fee $80.00 + one year's renewal $12.99");
  await E.shot(c, '05-customer-restore-confirm');
  await E.confirm(c, 'Pay $92.99 and restore');
  await E.expectText(c.locator('#order-outcome'), `Restore of ${REDEEM} completed. Charged $92.99.`);
  await E.expectText(c.locator('.facts .badge'), 'active');
  const d = await show(REDEEM);
  const sim = await simDomain(REDEEM);
  const a = await api(c, `/api/v1/domains/${REDEEM}`);
  if (d.status !== 'active' || a.status !== 'active') throw new Error(`after the restore: ${d.status}`);
  const want = new Date(r0.expires_at * 1000);
  want.setUTCFullYear(want.getUTCFullYear() + 1);
  if (a.expires_at !== sim.expiry || a.expires_at !== want.getTime() / 1000) {
    throw new Error(`expiry ${a.expires_at}, sim ${sim.expiry}, wanted ${want.getTime() / 1000}`);
  }
  if (d.expires_at !== new Date(sim.expiry * 1000).toISOString().slice(0, 19).replace('T', ' ')) throw new Error(`CLI expiry ${d.expires_at}`);
  if (sim.phase !== 'active') throw new Error(`sim phase ${sim.phase}`);
  await E.expectText(c.locator('.facts'), day(a.expires_at));
  const after = (await api(c, '/api/v1/me')).account.balance;
  if (before - after !== r0.restore_price) throw new Error(`balance ${before} -> ${after}, not less ${r0.restore_price}`);
  if (await c.locator('#domain-attention').count()) throw new Error('still flagged after the restore');
  const text = await shown(c.locator('main'));
  if (/In redemption/.test(text)) throw new Error('still says redemption');
  await E.shot(c, '06-customer-restored');
});

await E.step('the admin sees the dates after expiry and restores a domain for the customer', async () => {
  const d = await lapse(BY_ADMIN, 35);
  if (d.status !== 'redemption') throw new Error(`${BY_ADMIN} is ${d.status}`);
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.locator('.shell .sidebar').waitFor();
  await admin.goto(`${E.base}/admin/#/domains`);
  await admin.locator('select[name=status]').selectOption('redemption');
  await admin.locator(`a[href="#/domains/${BY_ADMIN}"]`).waitFor();
  await admin.goto(`${E.base}/admin/#/domains/${BY_ADMIN}`);
  const a = await api(admin, `/api/v1/domains/${BY_ADMIN}`);
  await E.expectText(admin.locator('.facts .badge'), 'redemption');
  await E.expectText(admin.locator('[data-phase=restorable]'), 'restore $92.99 (fee $80.00 + 1 year)');
  await E.expectText(admin.locator('#phase-source'), "the registrar's");
  if (!a.phase_from_registrar) throw new Error('phase_from_registrar is false');
  const bal = JSON.parse(await E.regmanCli('account', 'show', 'demo-customer', '--json')).balance;
  await admin.getByRole('button', { name: 'Restore for demo-customer' }).click();
  const dlg = admin.locator('dialog[open]');
  await E.expectText(dlg, "Charged to demo-customer: $92.99 (restore fee $80.00 + one year's renewal $12.99)");
  await E.shot(admin, '07-admin-restore-confirm');
  await E.confirm(admin, 'Charge $92.99 and restore');
  await E.expectText(admin.locator('#action-outcome'), 'Restore for demo-customer: succeeded. Charged $92.99.');
  await E.expectText(admin.locator('.facts .badge'), 'active');
  if (await admin.locator('[data-act=restore]').count()) throw new Error('Restore still offered after the restore');
  await E.shot(admin, '08-admin-restored');
  const after = JSON.parse(await E.regmanCli('account', 'show', 'demo-customer', '--json')).balance;
  const minor = (s) => Math.round(Number(s) * 100);
  if (minor(bal) - minor(after) !== 9299) throw new Error(`balance ${bal} -> ${after}`);
  if ((await show(BY_ADMIN)).status !== 'active') throw new Error('not active after the admin restore');
});

await E.step('a domain pending deletion says that nothing can be done and the name will be free again', async () => {
  await E.ctl('POST', '/lifecycle', { tld: 'com', grace_days: 0, redemption_days: 0 });
  const d = await lapse(LOST, 50);
  if (d.status !== 'pending_delete') throw new Error(`${LOST} is ${d.status}`);
  const a = await api(c, `/api/v1/domains/${LOST}`);
  await c.goto(`${E.base}/#/domains/${LOST}`);
  await E.expectText(c.locator('#domain-end'), `${LOST} is pending deletion.`);
  await E.expectText(c.locator('#domain-end'), `The registry deletes it after ${day(a.deleted_after)}, and then the name is free again`);
  await E.expectText(c.locator('.status-words'), `Pending deletion — the registry deletes it after ${day(a.deleted_after)}`);
  if (await c.locator('#renew, #restore').count()) throw new Error('a domain pending deletion offers a renewal or a restore');
  await E.shot(c, '09-customer-pending-delete');
});

await E.done();
