// customer_panel.mjs - the customer panel as a customer meets it, each
// step a behaviour that used to surprise: the agreement shown before the
// charge is confirmed and with its line breaks kept, a Pay button that
// cannot be pressed without the funds (and a refusal in customer words),
// the real check interval of a pending order, the reason a transfer
// failed, My Domains showing live domains (past attempts behind a filter,
// one row per name, search and expiry filters), the domain page's
// nameservers (set, and refused naming the host), registrar lock, auth code
// and list of changes, and flagging a domain whose
// automatic renewal failed shortly before it expires, on a desktop and a
// phone-sized screen.
//
// usage: node customer_panel.mjs REGMAN OPENSRS_SIM SCREENSHOT_DIR
// The demo runs with REGMAN_CLOCK_FILE so the last step can move regman's
// clock to two days before the domains expire.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenario } from './lib.mjs';

const clockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'regman-clock.'));
const clockFile = path.join(clockDir, 'offset');
fs.writeFileSync(clockFile, '0\n');
process.env.REGMAN_CLOCK_FILE = clockFile;
process.on('exit', () => fs.rmSync(clockDir, { recursive: true, force: true }));

const E = await scenario('customer', process.argv.slice(2));
const sfx = randomBytes(3).toString('hex');
const FIRST = `cp-first-${sfx}.com`;
const ASYNC = `cp-wait-${sfx}.ca`;
const TAKEN = 'taken.com'; // the sim's, transferable with auth_info transfer-me
const GONE = 'taken.net';
const POOR = `cp-poor-${sfx}.com`;
const c = E.customer;

// the text as laid out on screen (innerText keeps rendered line breaks)
const shown = (loc) => loc.evaluate((el) => el.innerText);
const dlg = () => c.locator('dialog[open]');
const amt = (v) => `${Math.floor(v / 100)}.${String(v % 100).padStart(2, '0')}`;

async function signInCustomer() {
  await E.signIn(c, 'customer', E.logins.customer);
  await c.locator('.shell .sidebar').waitFor();
}

async function openRegister(name) {
  await c.goto(`${E.base}/#/search/${name}`);
  await c.locator('.lookup-yes').waitFor();
  await c.click('.lookup form button[type=submit]');
}

await E.step('signup keeps the agreement\'s line breaks: numbered clauses on their own lines', async () => {
  await c.goto(`${E.base}/#/signup/cp-signup-${sfx}.com`);
  const lic = c.locator('#license-text');
  await E.expectText(lic, 'Demo Registration Agreement');
  const text = await shown(lic);
  if (!/computer\.\n+2\. Registrations/.test(text) || !/declines them\.\n+3\. You keep/.test(text)) {
    throw new Error(`clauses run together: ${JSON.stringify(text)}`);
  }
  if (await lic.locator('a, b, strong, em, script').count()) throw new Error('agreement rendered as HTML');
  await E.shot(c, '01-signup-agreement');
});

await E.step('an order shows the agreement first and confirms the charge last', async () => {
  await signInCustomer();
  await openRegister(FIRST);
  await E.expectText(dlg(), 'Demo Registration Agreement');
  if (await dlg().locator('.charge').count()) throw new Error('the charge is confirmed before the agreement');
  const text = await shown(dlg().locator('.agreement'));
  if (!/computer\.\n+2\. Registrations/.test(text)) throw new Error(`clauses run together in the dialog: ${JSON.stringify(text)}`);
  await E.shot(c, '02-order-agreement-first');
  await dlg().locator('#order-accept-license').check();
  await E.confirm(c, 'Accept and continue');
  await E.expectText(c.locator('dialog[open] .charge'), '$12.99');
  await E.shot(c, '03-order-charge-last');
  await E.confirm(c, 'Pay $12.99 and register');
  await E.expectText(c.locator('.notice-ok'), `Registration of ${FIRST} completed`);
});

await E.step('a pending order names the connection\'s real check interval (every minute in the demo)', async () => {
  await openRegister(ASYNC);
  // the agreement of this connection is accepted now: the charge comes at once
  await E.expectText(c.locator('dialog[open] .charge'), '$14.99');
  await E.confirm(c, 'Pay $14.99 and register');
  const pend = c.locator('.notice-wait');
  await E.expectText(pend, `Registration of ${ASYNC} is pending`);
  await E.expectText(pend, 'we check every minute');
  if ((await shown(pend)).includes('every hour')) throw new Error('still says every hour');
  await E.shot(c, '04-pending-interval');
});

async function transfer(name, code, price) {
  await c.goto(`${E.base}/#/transfers`);
  await c.fill('#transfer-domain', name);
  await c.locator('#transfer-domain').dispatchEvent('change');
  await c.locator('#transfer-term').waitFor();
  await c.fill('#transfer-auth', code);
  await c.getByRole('button', { name: 'Transfer', exact: true }).click();
  await E.confirm(c, `Pay ${price} and transfer`);
}

await E.step('a failed transfer says why in the transfers list, in plain words', async () => {
  await transfer(TAKEN, 'wrong-code', '$9.99');
  await E.expectText(c.locator('.notice-bad'), `Transfer of ${TAKEN} failed`);
  const row = c.locator('table.data-table tr', { hasText: TAKEN }).first();
  await E.expectText(row, 'Refunded');
  await E.expectText(row, 'cannot be transferred');
  await E.expectText(row, 'authorization code');
  if (/\b4\d\d\b/.test(await shown(row))) throw new Error('a registrar code reached the customer');
  await E.shot(c, '05-transfers-reason');
  // one more refused for good, and the first tried again with the right code
  await transfer(GONE, 'wrong-code', '$10.99');
  await E.expectText(c.locator('.notice-bad'), `Transfer of ${GONE} failed`);
  await transfer(TAKEN, 'transfer-me', '$9.99');
  await E.expectText(c.locator('.notice-wait'), `Transfer of ${TAKEN} is pending`);
});

await E.step('My Domains: live domains by default, one row per name, past attempts behind a filter, search and expiry', async () => {
  await c.goto(`${E.base}/#/domains`);
  await c.locator(`tr[data-domain="${FIRST}"]`).waitFor();
  // taken.com: a refused transfer and a running one - one live row
  if (await c.locator(`tr[data-domain="${TAKEN}"]`).count() !== 1) throw new Error(`${TAKEN} is not on one row`);
  await E.expectText(c.locator(`tr[data-domain="${TAKEN}"] .badge`), 'transferring');
  if (await c.locator('tr[data-status="failed"], tr[data-status="cancelled"]').count()) throw new Error('dead rows among the live');
  if (await c.locator(`tr[data-domain="${GONE}"]`).count()) throw new Error('the refused transfer is listed as a domain');
  await E.expectText(c.locator('#domains-range'), 'Showing 1–');
  await E.shot(c, '06-domains-live');
  await c.selectOption('#domains-view', 'past');
  await c.locator(`tr[data-domain="${GONE}"][data-status="failed"]`).waitFor();
  if (await c.locator(`tr[data-domain="${TAKEN}"]`).count()) throw new Error('a live name among the past attempts');
  await E.shot(c, '07-domains-past');
  await c.selectOption('#domains-view', 'live');
  await c.locator(`tr[data-domain="${FIRST}"]`).waitFor();
  await c.fill('#domains-q', 'cp-wait');
  await c.locator(`tr[data-domain="${FIRST}"]`).waitFor({ state: 'detached' });
  await c.locator(`tr[data-domain="${ASYNC}"]`).waitFor();
  await c.fill('#domains-q', '');
  await c.locator(`tr[data-domain="${FIRST}"]`).waitFor();
  await c.selectOption('#domains-expires', '30');
  await E.expectText(c.locator('.empty-state'), 'No domains match these filters');
  await c.selectOption('#domains-expires', '');
  await c.locator(`tr[data-domain="${FIRST}"]`).waitFor();
});

// the sim's view of a domain (its control API: GET /state)
const simDomain = async (name) => {
  const st = await E.ctl('GET', '/state');
  const d = st.domains && st.domains[name];
  if (!d) throw new Error(`the sim does not hold ${name}`);
  return d;
};
// setRows - the nameserver rows of the domain page set to list (rows
// removed or added through the page's own buttons)
async function setRows(list) {
  const form = c.locator('form.ns-form');
  while (await form.locator('.ns-row').count() > list.length) {
    await form.locator('.ns-row').last().getByRole('button', { name: /^Remove/ }).click();
  }
  while (await form.locator('.ns-row').count() < list.length) {
    await form.getByRole('button', { name: 'Add a nameserver' }).click();
  }
  for (let i = 0; i < list.length; i++) await form.getByLabel(`Nameserver ${i + 1}`, { exact: true }).fill(list[i]);
}
const NS = [`ns1.dns-${sfx}.net`, `ns2.dns-${sfx}.net`, `ns3.dns-${sfx}.net`];

await E.step('the domain page sets the nameservers: the sim holds them and the page reads them back', async () => {
  await c.goto(`${E.base}/#/domains/${FIRST}`);
  await c.locator('#nameservers .ns-list li').first().waitFor();
  await c.locator('#nameservers .ns-row input').first().waitFor();
  await setRows(NS.slice(0, 2));
  // a third row through "Add a nameserver", typed with the keyboard
  await c.getByRole('button', { name: 'Add a nameserver' }).click();
  const third = c.getByLabel('Nameserver 3', { exact: true });
  if (!await third.evaluate((el) => el === el.ownerDocument.activeElement)) throw new Error('the new row does not take the focus');
  await c.keyboard.type(NS[2]);
  await c.getByRole('button', { name: 'Save nameservers' }).click();
  await E.expectText(c.locator('#nameservers .change-outcome[data-state=succeeded]'), 'Nameservers: done');
  const held = (await simDomain(FIRST)).nameservers;
  if (JSON.stringify(held) !== JSON.stringify(NS)) throw new Error(`the sim holds ${JSON.stringify(held)}`);
  await E.expectText(c.locator('#nameservers .ns-list'), NS[2]);
  if (await c.locator('#nameservers .ns-list li').count() !== 3) throw new Error('the list read back is not the three set');
  await E.shot(c, '12-domain-nameservers-set');
});

await E.step('a child nameserver not created yet is refused with the registrar\'s message naming it; nothing changes', async () => {
  const child = `ns1.${FIRST}`;
  await setRows([child, NS[0]]);
  await c.getByRole('button', { name: 'Save nameservers' }).click();
  const out = c.locator('#nameservers .change-outcome[data-state=refused]');
  await E.expectText(out, 'refused');
  await E.expectText(out.locator('.registrar-answer'), child);
  const held = (await simDomain(FIRST)).nameservers;
  if (JSON.stringify(held) !== JSON.stringify(NS)) throw new Error(`the sim changed to ${JSON.stringify(held)}`);
  // the list is read back after the outcome shows: give a loaded machine
  // time to draw it before counting
  await c.locator('#nameservers .ns-list li').nth(2).waitFor({ timeout: 5000 }).catch(() => {});
  if (await c.locator('#nameservers .ns-list li').count() !== 3) throw new Error('the list read back changed');
  await E.shot(c, '13-domain-nameservers-refused');
});

await E.step('the registrar lock: turned on in the page, the sim then refuses a transfer away (409); off again', async () => {
  const sw = c.locator('#lock-switch');
  await E.expectText(c.locator('#lock .lock-state'), 'unlocked');
  await sw.focus();
  await c.keyboard.press('Space');
  await E.expectText(c.locator('#lock .change-outcome[data-state=succeeded]'), 'Lock: done');
  await E.expectText(c.locator('#lock .lock-state .badge'), 'locked');
  if (!await sw.isChecked()) throw new Error('the switch is not on');
  if ((await simDomain(FIRST)).locked !== 1) throw new Error('the sim does not hold the lock');
  const away = await E.ctl('POST', '/transfers/away', { domain: FIRST }).then(() => 'accepted', (e) => e.message);
  if (!/: 409 /.test(away)) throw new Error(`a transfer away while locked: ${away}`);
  await E.shot(c, '14-domain-locked');
  await sw.click();
  await E.expectText(c.locator('#lock .change-outcome[data-state=succeeded]'), 'Unlock: done');
  await E.expectText(c.locator('#lock .lock-state .badge'), 'unlocked');
  if ((await simDomain(FIRST)).locked !== 0) throw new Error('the sim still holds the lock');
});

await E.step('the auth code: shown only on "Show", a new one generated (after a confirmation) and shown, mailed', async () => {
  await c.reload();
  await c.locator('#auth-code-card').waitFor();
  if (await c.locator('#auth-code').count()) throw new Error('the code is shown before "Show"');
  await c.locator('#auth-code-card').getByRole('button', { name: 'Show' }).click();
  const before = (await simDomain(FIRST)).auth_info;
  await E.expectText(c.locator('#auth-code'), before);
  await E.shot(c, '15-domain-auth-code-shown');
  await c.getByRole('button', { name: 'Generate a new one' }).click();
  await E.expectText(dlg(), 'Generate a new auth code?');
  await E.shot(c, '16-domain-auth-code-confirm');
  await E.confirm(c, 'Generate a new code');
  await E.expectText(c.locator('#auth-code-card .change-outcome[data-state=succeeded]'), 'New auth code: done');
  const fresh = (await simDomain(FIRST)).auth_info;
  if (fresh === before || !/^[A-Za-z0-9]{16}$/.test(fresh)) throw new Error(`the sim holds ${fresh} (was ${before})`);
  await E.expectText(c.locator('#auth-code-card .auth-code-line'), 'New auth code:');
  if (await c.locator('#auth-code').textContent() !== fresh) throw new Error('the new code shown is not the sim\'s');
  await c.getByRole('button', { name: 'Send to the owner\'s e-mail' }).click();
  await E.expectText(c.locator('#auth-code-card .change-outcome[data-state=succeeded]'), 'Auth code e-mail: done');
  await E.shot(c, '17-domain-auth-code-new');
});

await E.step('the changes list: every change, newest first, with its state and the registrar\'s answer', async () => {
  const rows = c.locator('#changes tr[data-change]');
  await E.expectText(rows.first(), 'Auth code sent');
  const got = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.dataset.kind}:${tr.dataset.state}`));
  const want = ['auth_code_send:succeeded', 'auth_code:succeeded', 'lock:succeeded', 'lock:succeeded',
    'nameservers:failed', 'nameservers:succeeded'];
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`changes listed: ${got.join(', ')}`);
  const failed = c.locator('#changes tr[data-kind=nameservers][data-state=failed]');
  await E.expectText(failed.locator('.change-answer'), `ns1.${FIRST}`);
  await E.expectText(c.locator('#changes tr[data-kind=nameservers][data-state=succeeded] .change-asked'), NS.join(', '));
  await E.expectText(rows.first(), 'You');
  await E.shot(c, '18-domain-manage');
  await c.setViewportSize({ width: 390, height: 844 });
  await E.shot(c, '19-domain-manage-phone');
  await c.setViewportSize({ width: 1280, height: 860 });
});

await E.step('no funds: the Pay button is disabled and says to add funds; the API refuses in customer words', async () => {
  const me = await c.evaluate(async () => (await fetch('/api/v1/me')).json());
  const keep = 100; // leave 1.00
  const cut = me.account.balance - keep;
  await E.regmanCli('account', 'adjust', 'demo-customer', `-${amt(cut)}`, '--memo', 'e2e: spend the balance');
  try {
    await openRegister(POOR);
    await E.expectText(c.locator('#order-no-funds'), 'Add funds to your account first');
    const pay = dlg().getByRole('button', { name: 'Pay $12.99 and register' });
    if (!await pay.isDisabled()) throw new Error('Pay is enabled without the funds');
    await E.shot(c, '08-no-funds');
    await E.confirm(c, 'Go back');
    const msg = await c.evaluate(async (name) => {
      const api = await import('/assets/js/api.js');
      try {
        await api.post('/api/v1/domains/register', { name, term: 1 });
        return 'accepted';
      } catch (e) {
        return e.message;
      }
    }, POOR);
    if (!/Add funds/.test(msg) || /balance of|credit limit|demo-customer/.test(msg)) throw new Error(`refusal reads: ${msg}`);
  } finally {
    await E.regmanCli('account', 'adjust', 'demo-customer', amt(cut), '--memo', 'e2e: balance back');
  }
});

await E.step('a domain whose auto-renewal failed two days before expiry is flagged in the list and on its page', async () => {
  await c.goto(`${E.base}/#/domains`);
  await c.locator(`tr[data-domain="${FIRST}"] input.switch`).check();
  await E.expectText(c.locator('.notice-ok'), `Auto-renew of ${FIRST} is on`);
  const d = await c.evaluate(async (n) => (await fetch(`/api/v1/domains/${n}`)).json(), FIRST);
  const me = await c.evaluate(async () => (await fetch('/api/v1/me')).json());
  // the balance cannot pay the renewal: the automatic renewal waits for
  // funds while the expiry comes closer
  await E.regmanCli('account', 'adjust', 'demo-customer', `-${amt(me.account.balance)}`, '--memo', 'e2e: nothing left');
  const jump = d.expires_at - 2 * 86400 - Math.floor(Date.now() / 1000);
  fs.writeFileSync(clockFile, `${jump}\n`);
  await E.ctl('POST', '/clock/advance', { seconds: jump });
  const out = await E.regmanCli('lifecycle', 'run', 'renew');
  if (!/fund/i.test(out)) console.log(`# lifecycle: ${out.trim()}`);
  // the browser's clock moves with regman's; a year later the session has
  // ended: sign in again
  // (two days and two minutes before the expiry: the page says "in 2d"
  // however long the steps above took on a loaded machine)
  await c.clock.install({ time: new Date((d.expires_at - 2 * 86400 - 120) * 1000) });
  await c.goto(`${E.base}/#/login`);
  await c.reload();
  await signInCustomer();
  await c.goto(`${E.base}/#/domains`);
  const row = c.locator(`tr[data-domain="${FIRST}"]`);
  await row.waitFor();
  if (await row.getAttribute('data-needs-action') !== 'autorenew_failed') {
    throw new Error(`row not flagged: ${await row.getAttribute('data-needs-action')}`);
  }
  await E.expectText(row, 'Auto-renewal failed');
  await E.expectText(c.locator('#domains-attention'), `The automatic renewal of ${FIRST} did not go through`);
  await E.expectText(c.locator('#domains-attention'), 'in 2d');
  await E.shot(c, '09-domains-needs-action');
  await c.setViewportSize({ width: 390, height: 844 });
  await E.shot(c, '10-domains-phone');
  await c.setViewportSize({ width: 1280, height: 860 });
  await row.getByRole('link', { name: FIRST }).click();
  await E.expectText(c.locator('#domain-attention'), 'did not go through');
  await E.expectText(c.locator('#domain-attention'), 'Check your balance and renew it now');
  await E.shot(c, '11-domain-needs-action');
});

await E.step('WHOIS privacy: its yearly price shown, confirmed in a dialog naming the amount, charged, held at the sim', async () => {
  await E.regmanCli('tld', 'set', '.com', '--price', 'privacy:1=4.99');
  await c.goto(`${E.base}/#/domains/${FIRST}`);
  await c.reload(); // the same page as the step before: read the price anew
  const sw = c.locator('#privacy-switch');
  await E.expectText(c.locator('#privacy .privacy-state .badge'), 'disabled');
  await E.expectText(c.locator('#privacy .privacy-price'), '$4.99 a year, charged when you turn it on');
  // the step before left no funds: refused in plain words, nothing charged
  await sw.click();
  await E.expectText(c.locator('dialog[open] .charge'), '$4.99');
  await E.confirm(c, 'Turn on for $4.99');
  await E.expectText(c.locator('#privacy .change-outcome[data-state=refused]'), 'Your balance is too low for WHOIS privacy');
  await E.regmanCli('account', 'credit', 'demo-customer', '10', '--ref', `e2e-privacy-${FIRST}`);
  await sw.click();
  await E.expectText(c.locator('dialog[open] .charge'), '$4.99');
  await E.shot(c, '20-domain-privacy-confirm');
  await E.confirm(c, 'Turn on for $4.99');
  await E.expectText(c.locator('#privacy .change-outcome[data-state=succeeded]'), 'WHOIS privacy on: done');
  await E.expectText(c.locator('#privacy .change-charge'), 'Charged $4.99.');
  await E.expectText(c.locator('#privacy .privacy-state .badge'), 'enabled');
  if (!await sw.isChecked()) throw new Error('the privacy switch is not on');
  if ((await simDomain(FIRST)).privacy !== 'enabled') throw new Error('the sim does not hold privacy enabled');
  await E.shot(c, '20-domain-privacy-on');
});

await E.step('a child nameserver added with IPv4 and IPv6, listed, held at the sim', async () => {
  const host = `ns1.${FIRST}`;
  const card = c.locator('#hosts');
  await E.expectText(card, 'No child nameservers.');
  await card.locator('input.host-name').fill(host);
  await card.locator('input.host-ipv4').fill('192.0.2.10');
  await card.locator('input.host-ipv6').fill('2001:db8::10');
  await card.getByRole('button', { name: 'Add the host' }).click();
  await E.expectText(card.locator('.change-outcome[data-state=succeeded]'), `Host ${host}: done`);
  await E.expectText(card.locator(`tr[data-host="${host}"]`), '192.0.2.10');
  const held = (await E.ctl('GET', '/state')).hosts[host];
  if (!held || held.ipaddress.join(',') !== '192.0.2.10' || (held.ipv6 || []).join(',') !== '2001:db8::10') {
    throw new Error(`the sim holds ${JSON.stringify(held)}`);
  }
  // a bad address: the server's refusal shown plainly, nothing added
  await card.locator('input.host-name').fill(`ns2.${FIRST}`);
  await card.locator('input.host-ipv4').fill('300.1.1.1');
  await card.getByRole('button', { name: 'Add the host' }).click();
  await E.expectText(card.locator('.form-error'), 'not an IPv4 address');
  if ((await E.ctl('GET', '/state')).hosts[`ns2.${FIRST}`]) throw new Error('a bad host reached the sim');
  await E.shot(c, '21-domain-child-host');
});

await E.step('the owner contact changed (city and postal code), held at the sim; a bad phone refused by the server', async () => {
  const card = c.locator('#contacts');
  await E.expectText(card.locator('tr[data-contact=owner]'), 'Toronto');
  await card.locator('input.contact-phone').fill('4165550123');
  await card.getByRole('button', { name: 'Save the contact' }).click();
  await E.expectText(card.locator('.form-error'), 'phone');
  await card.locator('input.contact-phone').fill((await simDomain(FIRST)).contact_set.owner.phone);
  await card.locator('input.contact-city').fill('Ottawa');
  await card.locator('input.contact-postal_code').fill('K1A0B1');
  await card.getByRole('button', { name: 'Save the contact' }).click();
  await E.expectText(card.locator('.change-outcome[data-state=succeeded]'), 'Contact: done');
  await E.expectText(card.locator('tr[data-contact=owner]'), 'Ottawa');
  const owner = (await simDomain(FIRST)).contact_set.owner;
  if (owner.city !== 'Ottawa' || owner.postal_code !== 'K1A0B1') throw new Error(`the sim holds ${owner.city} ${owner.postal_code}`);
  await E.shot(c, '22-domain-contacts');
  await c.setViewportSize({ width: 390, height: 844 });
  await E.shot(c, '23-domain-sections-phone');
  await c.setViewportSize({ width: 1280, height: 860 });
});

await E.done();
