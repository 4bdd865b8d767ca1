// admin-unknown.js - the domains a registrar holds for one of our
// connections that regman does not know, as the last portfolio sync found
// them (GET /api/v1/unknown-domains), each with "Adopt into account"
// (POST /api/v1/connections/{id}/import, the API of `regman import
// --only`). A section of the Domain Registrars page.

import { get, post } from './api.js';
import { h, add, fill, clear } from './dom.js';
import { day, when, loading, errorBox, notice, table, button, busy, confirmDialog, field, input, pager } from './ui.js';

let listSeq = 0;

// findAccount - the customer account named exactly name, or null.
async function findAccount(name) {
  const res = await get(`/api/v1/accounts?q=${encodeURIComponent(name)}&limit=500`);
  return res.items.find((a) => a.name === name && a.kind === 'customer') || null;
}

export function unknownSection() {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const body = h('div', {});
  const section = h('section', { id: 'unknown-domains', 'aria-labelledby': 'unknown-title' },
    h('h2', { class: 'section-title', id: 'unknown-title' }, 'Unknown at the registrar'),
    h('p', { class: 'muted' },
      'Domains a registrar holds for one of these connections that regman does not know, with the ' +
      'registrar\'s expiry date, as each connection\'s last portfolio sync found them (daily, or by ' +
      'hand with regman lifecycle run sync). Adopt one into a customer account to manage it here; ' +
      'nothing is charged.'),
    status, body);
  let offset = 0;

  async function load() {
    loading(body, 'Loading unknown domains…');
    let res;
    try {
      res = await get(`/api/v1/unknown-domains?limit=50&offset=${offset}`);
    } catch (e) {
      fill(body, errorBox(e));
      return;
    }
    fill(body, table([
      { title: 'Domain', cell: (u) => h('strong', {}, u.name) },
      { title: 'Connection', cell: (u) => u.connection },
      { title: 'Registrar expiry', cell: (u) => day(u.expires_at) },
      { title: 'First seen', cell: (u) => when(u.first_seen_at) },
      { title: 'Last sync', cell: (u) => when(u.last_seen_at) },
      { title: '', cell: (u) => {
        const b = button('Adopt into account', { class: 'btn btn-small', 'data-action': 'adopt', 'aria-label': `Adopt ${u.name} into an account` },
          () => adopt(u, b));
        return b;
      } },
    ], res.items, {
      caption: 'Domains at the registrar unknown here',
      empty: 'Every domain the registrars list is known here (as of the last sync).',
      rowAttrs: (u) => ({ 'data-domain': u.name }),
    }), pager(res.page, offset, (o) => { offset = o; load(); }));
  }

  async function adopt(u, btn) {
    const listId = `unknown-accounts-${++listSeq}`;
    const acct = input({ name: 'account', list: listId, autocomplete: 'off' });
    const options = h('datalist', { id: listId });
    get('/api/v1/accounts?limit=500').then((res) => {
      add(options, res.items.filter((a) => a.kind === 'customer').map((a) => h('option', { value: a.name })));
    }, () => {});
    const ok = await confirmDialog({
      title: `Adopt ${u.name}?`,
      body: [
        `${u.name} becomes a domain of the account you name, with the registrar's expiry date ` +
          `${day(u.expires_at)}, on the connection ${u.connection}.`,
        'Nothing is charged; the registrar is asked only for its list of domains.',
      ],
      confirm: 'Adopt',
      extra: h('div', {}, field('Customer account', acct, 'The account\'s name.'), options),
      check: () => (acct.value.trim() ? null : 'Name the account that will own the domain.'),
    });
    if (!ok) return;
    const name = acct.value.trim();
    clear(status);
    await busy(btn, 'Adopting…', async () => {
      try {
        const a = await findAccount(name);
        if (!a) {
          add(status, notice(`There is no customer account named ${name}.`, 'bad'));
          return;
        }
        const r = await post(`/api/v1/connections/${u.connection_id}/import`, { account_id: a.id, names: [u.name] });
        add(status, notice(r.adopted
          ? `Adopted ${u.name} into account ${r.account}.`
          : `${u.name} is known here already; nothing adopted.`, r.adopted ? 'ok' : 'info'));
        await load();
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  }

  load();
  return section;
}
