// bulk.mjs - the admin's Bulk Actions page: the admin pastes several
// customer domains (and one regman does not hold), starts a lock, sees
// the progress bar move ("N of 5") to the end, then one outcome per
// domain and the summary; the sim holds every domain locked, and the run
// is listed on the page.
//
// usage: bulk.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
import { scenario } from './lib.mjs';

const E = await scenario('bulk', process.argv.slice(2));
const { admin } = E;
const NAMES = ['e2e-bulk-1.com', 'e2e-bulk-2.com', 'e2e-bulk-3.com', 'e2e-bulk-4.com'];
const UNKNOWN = 'e2e-bulk-nobody.com';

await E.step('four customer domains are registered', async () => {
  for (const n of NAMES) await E.regmanCli('domain', 'register', n, '--account', 'demo-customer');
});

await E.step('the admin starts a bulk lock from the Bulk Actions page', async () => {
  // each lock answers late at the sim, so the progress is seen moving
  await E.ctl('POST', '/rules', { action: 'MODIFY', fault: 'delay', delay_ms: 700, count: NAMES.length });
  await E.signIn(admin, 'admin', E.logins.admin);
  await admin.getByRole('link', { name: 'Bulk Actions' }).click();
  await admin.locator('#bulk-form').waitFor();
  await admin.locator('#bulk-action').selectOption('lock');
  if (await admin.locator('#bulk-ns').isVisible()) throw new Error('nameservers shown for a lock');
  await admin.locator('#bulk-domains').fill(`# customers' shops\n${NAMES.join('\n')}\n${UNKNOWN}\n`);
  await E.shot(admin, '01-form');
  await admin.locator('#bulk-start').click();
  await admin.waitForURL(/#\/bulk\/\d+$/);
});

await E.step('the progress bar moves to the end, then each domain has its outcome', async () => {
  const bar = admin.locator('progress#bulk-progress');
  const label = admin.locator('#bulk-progress-label');
  await E.expectText(label, 'of 5 done');
  const mid = Number(await bar.getAttribute('value'));
  if (await bar.getAttribute('max') !== '5') throw new Error(`progress max ${await bar.getAttribute('max')}`);
  if (mid >= 5) throw new Error('the run ended before the progress could be seen');
  await E.shot(admin, '02-progress');
  await admin.locator('main[data-state=done]').waitFor({ timeout: 30000 });
  if (await bar.getAttribute('value') !== '5') throw new Error(`progress ends at ${await bar.getAttribute('value')}`);
  await E.expectText(label, '5 of 5 done — 4 succeeded, 1 failed, 0 pending/unknown');
  for (const n of NAMES) {
    const row = admin.locator(`tr[data-domain="${n}"]`);
    if (await row.getAttribute('data-state') !== 'succeeded') throw new Error(`${n}: ${await row.getAttribute('data-state')}`);
    await E.expectText(row, 'change ');
  }
  const bad = admin.locator(`tr[data-domain="${UNKNOWN}"]`);
  if (await bad.getAttribute('data-state') !== 'failed') throw new Error('the unknown name did not fail');
  await E.expectText(bad, `no such domain: ${UNKNOWN}`);
  await E.shot(admin, '03-done');
});

await E.step('the sim holds every domain locked; the run is listed', async () => {
  const st = await E.ctl('GET', '/state');
  for (const n of NAMES) {
    if (st.domains[n].locked !== 1) throw new Error(`${n} not locked at the sim`);
  }
  await admin.getByRole('link', { name: '← All bulk actions' }).click();
  const row = admin.locator('table tr', { hasText: 'Lock' }).first();
  await E.expectText(row, '5 of 5');
  await E.expectText(row, '4 succeeded, 1 failed');
  await E.shot(admin, '04-list');
});

await E.done();
