// admin-acceptances.js - License Acceptances: every recorded acceptance of
// a connection's license agreement (who, which account, which
// connection, the domain searched, when, from which address and the
// SHA-256 of the text accepted), filtered by account and connection
// (#/acceptances?account_id=N, #/acceptances?connection_id=N), with a
// CSV export that follows the filters.

import { get } from './api.js';
import { h, add, fill } from './dom.js';
import { when, loading, errorBox, table, field, select, toolbar, pager, qs } from './ui.js';

// filtersOf - the page's filters from its path ("acceptances?account_id=3").
function filtersOf(path) {
  const q = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
  const f = {};
  for (const k of ['account_id', 'connection_id']) {
    if (/^\d+$/.test(q.get(k) || '')) f[k] = q.get(k);
  }
  return f;
}

export function renderAcceptances(main, { path }) {
  const f = filtersOf(path);
  const body = h('div', {});
  const acct = select([['', 'Any account']], f.account_id || '', { name: 'account_id', id: 'acc-account' });
  const conn = select([['', 'Any connection']], f.connection_id || '', { name: 'connection_id', id: 'acc-connection' });
  const csv = h('a', { class: 'btn', href: `/api/v1/license-acceptances.csv${qs(f)}`, download: 'license-acceptances.csv' }, 'Export CSV');
  add(main,
    h('p', { class: 'lead' }, 'Each time a customer accepts a license agreement, regman records when, from which address, the login and the SHA-256 of the exact text accepted.'),
    toolbar(field('Account', acct), field('Connection', conn), csv), body);

  // the choices: accounts and connections by name (the current filter
  // stays choosable even when it is not among the first 500)
  Promise.all([get('/api/v1/accounts?limit=500'), get('/api/v1/connections?limit=500')]).then(([as, cs]) => {
    for (const a of as.items) {
      acct.append(h('option', { value: String(a.id), selected: String(a.id) === f.account_id }, a.name));
    }
    for (const c of cs.items) {
      conn.append(h('option', { value: String(c.id), selected: String(c.id) === f.connection_id }, c.title));
    }
    if (f.account_id && !as.items.some((a) => String(a.id) === f.account_id)) {
      acct.append(h('option', { value: f.account_id, selected: true }, `account #${f.account_id}`));
    }
  }, () => {});
  const go = () => {
    const nf = {};
    if (acct.value) nf.account_id = acct.value;
    if (conn.value) nf.connection_id = conn.value;
    location.hash = `#/acceptances${qs(nf)}`;
  };
  acct.addEventListener('change', go);
  conn.addEventListener('change', go);

  let offset = 0;
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/license-acceptances${qs(Object.assign({}, f, { offset, limit: 50 }))}`);
      fill(body, table([
        { title: 'Accepted', cell: (x) => when(x.accepted_at) },
        { title: 'Account', cell: (x) => h('a', { href: `#/accounts/${x.account_id}` }, x.account) },
        { title: 'Login', cell: (x) => x.username || '—' },
        { title: 'Connection', cell: (x) => (x.connection_id ? h('a', { href: `#/registrars/${x.connection_id}` }, x.connection) : '—') },
        { title: 'Domain', cell: (x) => x.domain || '—' },
        { title: 'Address', cell: (x) => h('code', {}, x.client_ip || '—') },
        { title: 'Text accepted (SHA-256)', cell: (x) => h('code', { class: 'hash', title: x.license_sha256 }, x.license_sha256) },
      ], res.items, {
        caption: 'License acceptances',
        empty: Object.keys(f).length ? 'No acceptance recorded for this filter.' : 'No license acceptance recorded yet.',
        rowAttrs: (x) => ({ 'data-acceptance': x.id }),
      }), pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}
