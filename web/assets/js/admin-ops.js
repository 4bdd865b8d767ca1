// admin-ops.js - the read-mostly admin pages: domains (search, detail with
// the operation timeline, its registrar log and the domain's nameservers,
// lock and auth code), jobs, the mail outbox
// (with retry) and the registrar log (filters, CSV export).

import { get, post } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  when, day, timeCell, loading, errorBox, notice, table, field, input, select, button, busy,
  toolbar, card, dl, pager, qs, badge, confirmDialog, money,
} from './ui.js';
import { timeline } from './opview.js';
import { manageSections } from './manage.js';

const DOMAIN_STATES = ['registering', 'transferring', 'renewing', 'active', 'expired', 'redemption', 'restoring',
  'pending_delete', 'deleted', 'failed', 'cancelled', 'missing', 'transferred_away'];

export function renderDomains(main, { path }) {
  const name = path.split('/').slice(1).join('/');
  if (name) return renderAdminDomainDetail(main, decodeURIComponent(name));
  const q = input({ type: 'search', name: 'q', placeholder: 'Part of the name', 'aria-label': 'Search domains', maxlength: 253 });
  const st = select([['', 'Any status'], ...DOMAIN_STATES.map((s) => [s, s.replace(/_/g, ' ')])], '', { 'aria-label': 'Status', name: 'status' });
  const form = h('form', { class: 'search-form', role: 'search' }, q, st, h('button', { type: 'submit', class: 'btn' }, 'Search'));
  const body = h('div', {});
  add(main, toolbar(form), body);
  let offset = 0;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    offset = 0;
    load();
  });
  st.addEventListener('change', () => { offset = 0; load(); });
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/domains${qs({ q: q.value.trim().toLowerCase(), status: st.value, offset, limit: 50 })}`);
      fill(body, table([
        { title: 'Domain', cell: (d) => h('a', { href: `#/domains/${encodeURIComponent(d.name)}` }, d.unicode_name || d.name) },
        { title: 'Status', cell: (d) => badge(d.status) },
        { title: 'Account', cell: (d) => h('a', { href: `#/accounts/${d.account_id}` }, d.account) },
        { title: 'Connection', cell: (d) => d.connection || '—' },
        { title: 'Expires', cell: (d) => day(d.expires_at) },
        { title: 'Auto-renew', cell: (d) => (d.auto_renew ? 'on' : 'off') },
      ], res.items, { caption: 'Domains', empty: q.value || st.value ? 'No domain matches.' : 'No domains yet.' }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

// renderAdminDomainDetail - an admin's view of one domain: its account and
// connection, the operation timeline with the registrar's side, its
// nameservers, lock, auth code and changes (acting for the customer),
// links on.
// carried: the outcome of the action that led to this refresh, kept.
async function renderAdminDomainDetail(main, name, carried = null) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let d;
  try {
    d = await get(`/api/v1/domains/${encodeURIComponent(name)}`);
  } catch (e) {
    fill(slot, errorBox(e), h('a', { href: '#/domains' }, 'Back to domains'));
    return;
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = d.unicode_name || d.name;
  const log = h('div', {});
  fill(slot, 
    h('p', {}, h('a', { href: '#/domains' }, '← All domains')),
    carried ? h('div', { class: 'action-outcome', id: 'action-outcome' }, carried) : null,
    h('div', { class: 'detail-grid' },
      card('Domain', dl([
        ['Status', badge(d.status)],
        ['Account', h('a', { href: `#/accounts/${d.account_id}` }, d.account)],
        ['Connection', d.connection ? h('a', { href: `#/registrars/${d.connection_id}` }, d.connection) : '—'],
        ['Expires', when(d.expires_at)],
        d.renewable_until ? ['Renewable until', h('span', { class: 'phase-date', 'data-phase': 'renewable' }, when(d.renewable_until),
          d.grace_renew_price !== null && d.grace_renew_price !== undefined && d.grace_fee
            ? h('span', { class: 'muted' }, ` · in grace 1 year is ${money(d.grace_renew_price)} (grace fee ${money(d.grace_fee)})`) : null)] : null,
        d.restorable_until ? ['Restorable until', h('span', { class: 'phase-date', 'data-phase': 'restorable' }, when(d.restorable_until),
          h('span', { class: 'muted' }, d.restore_price !== null && d.restore_price !== undefined
            ? ` · restore ${money(d.restore_price)} (fee ${money(d.restore_fee)} + 1 year)` : ' · restores not offered for this TLD'))] : null,
        d.deleted_after ? ['Deleted after', h('span', { class: 'phase-date', 'data-phase': 'deleted' }, when(d.deleted_after))] : null,
        d.renewable_until || d.restorable_until || d.deleted_after
          ? ['Dates after expiry', h('span', { id: 'phase-source' }, d.phase_from_registrar
            ? "the registrar's, read at the last sync" : "from the TLD's days (the registrar has not stated them)")] : null,
        ['Auto-renew', d.auto_renew ? 'on' : 'off'],
        ['Added', when(d.created_at)],
        d.pending ? ['Pending', h('a', { href: '#/async' }, 'yes — see the Async Manager')] : null,
        d.transfer_away ? ['Transfer away', h('span', { class: 'away-pending' },
          `pending at the registrar (${d.transfer_away.status.replace(/_/g, ' ')}), seen ${day(d.transfer_away.seen_at)}`)] : null,
      ])),
      card('Operations', timeline(d.operations, { admin: true }))),
    manageSections(d, { admin: true }),
    ['active', 'expired', 'redemption', 'restoring', 'pending_delete', 'missing'].includes(d.status) ? card('For the customer', adminActs(d, (said) => {
      // the status and dates changed: the page again, the outcome on top
      fill(main, h('h1', { class: 'page-title' }, d.unicode_name || d.name));
      renderAdminDomainDetail(main, d.name, said);
    })) : null,
    card('Actions', domainLinks(d)),
    card('Registrar log', log));
  reglogList(log, { domain: d.name }, { compact: true });
}

// adminActs - what the admin does for the customer: sync the domain with
// the registrar now, or give it to another account (nothing changes at
// the registrar; its renewals are charged to the new owner).
// done(notice) re-renders the page after a renewal or restore.
function adminActs(d, done) {
  const base = `/api/v1/domains/${encodeURIComponent(d.name)}`;
  const out = h('div', { 'aria-live': 'polite' });
  const syncBtn = button('Sync with the registrar now', { class: 'btn', 'data-act': 'sync' }, async () => {
    await busy(syncBtn, 'Syncing…', async () => {
      try {
        const r = await post(`${base}/sync`);
        const said = [`The registrar answered: ${r.status.replace(/_/g, ' ')}, expires ${day(r.expires)}, ${r.locked ? 'locked' : 'unlocked'}.`];
        if (r.transfer_away) said.push(`A transfer to another registrar is pending (${r.transfer_away.replace(/_/g, ' ')}).`);
        if (r.registrar_auto_renew_turned_off) said.push("The registrar's own auto-renew was on and is now off: regman renews this domain.");
        fill(out, notice(said.join(' ')));
      } catch (e) {
        fill(out, errorBox(e));
      }
    });
  });
  const to = input({ name: 'account', maxlength: 64, required: true, autocomplete: 'off' });
  const why = input({ name: 'reason', maxlength: 500 });
  const moveBtn = h('button', { type: 'submit', class: 'btn' }, 'Move');
  const form = h('form', { class: 'move-form' },
    field('Move to account', to, 'The customer account that owns the domain from now on; its renewals are charged there. Nothing changes at the registrar.'),
    field('Reason (optional)', why), moveBtn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const account = to.value.trim();
    if (!account) return;
    const ok = await confirmDialog({ title: `Move ${d.unicode_name || d.name}?`, body: `From ${d.account} to ${account}.`, confirm: 'Move' });
    if (!ok) return;
    await busy(moveBtn, 'Moving…', async () => {
      try {
        const r = await post(`${base}/move`, { account, reason: why.value.trim() || undefined });
        fill(out, notice(`Moved from ${r.from} to ${r.to}.`));
      } catch (e) {
        fill(out, errorBox(e));
      }
    });
  });
  // renew for the customer: charged to the owner, recorded as the admin's
  const term = select([1, 2, 3, 5, 10].map((t) => [t, `${t} year${t > 1 ? 's' : ''}`]), 1, { name: 'renew_term' });
  const renewBtn = h('button', { type: 'submit', class: 'btn' }, `Renew for ${d.account}`);
  const renewForm = h('form', { class: 'renew-for-form inline-form' }, field('Renew for', term), renewBtn);
  renewForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = Number(term.value);
    await busy(renewBtn, 'Renewing…', async () => {
      try {
        const tl = await get(`/api/v1/tlds/${encodeURIComponent(d.tld)}`);
        const price = tl.prices && tl.prices.renew ? tl.prices.renew[String(t)] : undefined;
        if (price === undefined || price === null) {
          fill(out, errorBox(`No renewal price for ${t} year${t > 1 ? 's' : ''} on .${d.tld}.`));
          return;
        }
        // in grace the renewal carries the TLD's grace fee
        const fee = d.status === 'expired' ? Number(d.grace_fee || 0) : 0;
        const amount = price + fee;
        const ok = await confirmDialog({
          title: `Renew ${d.unicode_name || d.name}?`,
          body: `For ${t} year${t > 1 ? 's' : ''}, charged to ${d.account}: ${money(amount)}`
            + `${fee ? ` (renewal ${money(price)} + grace fee ${money(fee)})` : ''}. Recorded as done by an admin.`,
          confirm: `Charge ${money(amount)}`,
        });
        if (!ok) return;
        const r = await post(`${base}/renew`, { term: t });
        fill(out, notice(`Renewal for ${d.account}: ${r.outcome}${r.refunded ? ', refunded' : ''}. Charged ${money(r.amount)}.`,
          r.outcome === 'succeeded' || r.outcome === 'pending' ? 'ok' : 'warn'));
      } catch (e) {
        fill(out, errorBox(e));
      }
    });
  });
  // restore for the customer, in redemption: the restore fee plus a year
  const canRestore = d.status === 'redemption' && d.restore_price !== null && d.restore_price !== undefined;
  const restoreBtn = canRestore ? button(`Restore for ${d.account}`, { class: 'btn', 'data-act': 'restore' }, async () => {
    const ok = await confirmDialog({
      title: `Restore ${d.unicode_name || d.name}?`,
      body: `In redemption until ${when(d.restorable_until)}. Charged to ${d.account}: ${money(d.restore_price)} `
        + `(restore fee ${money(d.restore_fee)} + one year's renewal ${money(d.restore_price - d.restore_fee)}); `
        + 'the registry adds the year to the old expiry. Recorded as done by an admin.',
      confirm: `Charge ${money(d.restore_price)} and restore`,
    });
    if (!ok) return;
    await busy(restoreBtn, 'Restoring…', async () => {
      try {
        const r = await post(`${base}/restore`, {});
        const said = notice(`Restore for ${d.account}: ${r.outcome}${r.refunded ? ', refunded' : ''}. Charged ${money(r.amount)}.`
          + `${r.expires_at ? ` It now expires ${when(r.expires_at)}.` : ''}`,
        r.outcome === 'succeeded' || r.outcome === 'pending' ? 'ok' : 'warn');
        fill(out, said);
        if (r.outcome === 'succeeded' || r.outcome === 'pending') done(said);
      } catch (e) {
        fill(out, errorBox(e));
      }
    });
  }) : null;
  return h('div', { class: 'admin-acts' }, h('p', {}, syncBtn),
    ['active', 'expired'].includes(d.status) ? renewForm : null,
    restoreBtn ? h('p', { class: 'restore-for' }, restoreBtn) : null,
    d.status === 'redemption' && !canRestore ? h('p', { class: 'muted' }, `In redemption; .${d.tld} has no restore fee, so restores are not offered (set one on the TLD page).`) : null,
    form, out);
}

// domainLinks - where an admin goes from a domain: its registrar log (all
// of it, and per operation), the Async Manager while it waits, the
// account and the connection.
function domainLinks(d) {
  const ops = d.operations || [];
  const q = encodeURIComponent(d.name);
  return h('div', { class: 'domain-links' },
    h('ul', { class: 'link-list' },
      h('li', {}, h('a', { href: `#/reglog?domain=${q}` }, 'Registrar log of this domain'), ' · ',
        h('a', { href: `/api/v1/registrar-log.csv?domain=${q}`, download: `registrar-log-${d.name}.csv` }, 'CSV')),
      d.pending ? h('li', {}, h('a', { href: '#/async' }, 'Async Manager: check, reset or cancel the pending operation')) : null,
      h('li', {}, h('a', { href: `#/accounts/${d.account_id}` }, `Account ${d.account}`)),
      d.connection_id ? h('li', {}, h('a', { href: `#/registrars/${d.connection_id}` }, `Connection ${d.connection}`)) : null),
    ops.length ? h('h3', { class: 'card-subtitle' }, 'Operations') : null,
    ops.length ? h('ul', { class: 'link-list' }, ops.map((op) => h('li', { 'data-op': op.id },
      `#${op.id} ${op.kind} · `, badge(op.state), ' · ',
      h('a', { href: `#/reglog?operation_id=${op.id}` }, 'its registrar log')))) : null);
}

// reglogList - the registrar log filtered; used by the log page and the
// domain detail.
export function reglogList(el, filters, { compact = false } = {}) {
  let offset = 0;
  async function load() {
    loading(el);
    try {
      const res = await get(`/api/v1/registrar-log${qs(Object.assign({}, filters, { offset, limit: compact ? 20 : 50 }))}`);
      fill(el, table([
        { title: 'When', cell: (r) => when(r.at) },
        { title: 'Action', cell: (r) => h('code', {}, `${r.action} ${r.object}`) },
        compact ? null : { title: 'Domain', cell: (r) => r.domain || '—' },
        { title: 'Op', cell: (r) => (r.operation_id ? `#${r.operation_id}` : '—') },
        { title: 'Outcome', cell: (r) => h('span', {}, r.outcome, r.http_status ? h('span', { class: 'muted' }, ` · HTTP ${r.http_status}`) : null) },
        { title: 'Time', num: true, cell: (r) => `${r.duration_ms} ms` },
        { title: 'Exchange', cell: (r) => h('details', { class: 'xml' },
          h('summary', {}, 'Request and response'),
          h('h3', {}, 'Request'), h('pre', {}, r.request || '—'),
          h('h3', {}, 'Response'), h('pre', {}, r.response || '—')) },
      ].filter(Boolean), res.items, { caption: 'Registrar log', empty: 'No registrar requests recorded.' }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(el, errorBox(e));
    }
  }
  load();
}

// renderReglog - the log with its filters; #/reglog?domain=example.com
// (or ?operation_id=N, ?action=X) opens it filtered.
export function renderReglog(main, { path } = { path: 'reglog' }) {
  const given = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
  const domain = input({ name: 'domain', placeholder: 'example.com', maxlength: 253, autocomplete: 'off' });
  const op = input({ name: 'operation_id', inputmode: 'numeric', maxlength: 18, autocomplete: 'off' });
  const action = input({ name: 'action', placeholder: 'SW_REGISTER', maxlength: 64, autocomplete: 'off' });
  domain.value = given.get('domain') || '';
  op.value = given.get('operation_id') || '';
  action.value = given.get('action') || '';
  const csv = h('a', { class: 'btn', href: '/api/v1/registrar-log.csv', download: 'registrar-log.csv' }, 'Export CSV');
  const form = h('form', { class: 'filter-form' },
    field('Domain', domain), field('Operation id', op), field('Action', action),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Filter'), csv));
  const body = h('div', {});
  add(main, form, body);
  const filters = () => {
    const f = {};
    if (domain.value.trim()) f.domain = domain.value.trim().toLowerCase();
    if (/^\d+$/.test(op.value.trim())) f.operation_id = op.value.trim();
    if (action.value.trim()) f.action = action.value.trim().toUpperCase();
    return f;
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = filters();
    csv.setAttribute('href', `/api/v1/registrar-log.csv${qs(f)}`);
    reglogList(body, f);
  });
  csv.setAttribute('href', `/api/v1/registrar-log.csv${qs(filters())}`);
  reglogList(body, filters());
}

export function renderJobs(main) {
  const st = select([['', 'All jobs'], ['ready', 'Ready'], ['held', 'Held']], '', { 'aria-label': 'State', name: 'state' });
  const body = h('div', {});
  add(main, h('p', { class: 'lead' }, 'Background work: async sweeps, expiry warnings, auto-renewals, mail delivery and registrar-log pruning. Read-only.'),
    toolbar(st, button('Refresh', {}, () => load())), body);
  let offset = 0;
  st.addEventListener('change', () => { offset = 0; load(); });
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/jobs${qs({ state: st.value, offset, limit: 50 })}`);
      fill(body, table([
        { title: 'Job', cell: (j) => h('span', {}, h('code', {}, j.kind), j.dedup_key ? h('span', { class: 'muted' }, ` ${j.dedup_key}`) : null) },
        { title: 'State', cell: (j) => (j.running ? badge('running') : badge(j.state)) },
        { title: 'Runs', cell: (j) => timeCell(j.run_at) },
        { title: 'Attempts', num: true, cell: (j) => String(j.attempts) },
        { title: 'Lease', cell: (j) => (j.lease_owner ? `${j.lease_owner} until ${when(j.lease_expires_at)}` : '—') },
        { title: 'Last error', cell: (j) => (j.last_error ? h('span', { class: 'neg' }, j.last_error) : '—') },
      ], res.items, { caption: 'Jobs', empty: 'No jobs.' }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

export function renderMail(main, { path }) {
  const id = path.split('/')[1];
  if (id) return renderOneMail(main, Number(id));
  const st = select([['', 'All mail'], ['queued', 'Queued'], ['sent', 'Sent'], ['failed', 'Failed']], '', { 'aria-label': 'State', name: 'state' });
  const status = h('div', { 'aria-live': 'polite' });
  const body = h('div', {});
  add(main, toolbar(st, button('Refresh', {}, () => load())), status, body);
  let offset = 0;
  st.addEventListener('change', () => { offset = 0; load(); });
  async function retry(m, btn) {
    if (!await confirmDialog({ title: 'Send this mail again now?', confirm: 'Send again',
      body: `"${m.subject}" to ${m.to}` })) return;
    await busy(btn, 'Sending…', async () => {
      clear(status);
      try {
        const r = await post(`/api/v1/mail/${m.id}/retry`);
        add(status, notice(`Mail #${r.id}: ${r.state}${r.last_error ? ` — ${r.last_error}` : ''}.`, r.state === 'sent' ? 'ok' : 'info'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
    load();
  }
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/mail${qs({ state: st.value, offset, limit: 50 })}`);
      fill(body, table([
        { title: 'Subject', cell: (m) => h('div', { class: 'subject-cell' }, h('a', { href: `#/mail/${m.id}` }, m.subject),
          m.last_error ? h('div', { class: 'neg' }, m.last_error) : null) },
        { title: 'To', cell: (m) => m.to },
        { title: 'State', cell: (m) => badge(m.state) },
        { title: 'Attempts', num: true, cell: (m) => String(m.attempts) },
        { title: 'Queued', cell: (m) => timeCell(m.created_at) },
        { title: 'Sent / next try', cell: (m) => (m.sent_at ? timeCell(m.sent_at) : timeCell(m.next_attempt_at)) },
        { title: '', cell: (m) => {
          if (m.state === 'sent') return '';
          const b = button('Retry', { class: 'btn btn-small', 'aria-label': `Retry mail ${m.id}` }, () => retry(m, b));
          return b;
        } },
      ], res.items, { caption: 'Mail outbox', empty: 'The outbox is empty.' }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

async function renderOneMail(main, id) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  try {
    const m = await get(`/api/v1/mail/${id}`);
    fill(slot, h('p', {}, h('a', { href: '#/mail' }, '← Outbox')),
      card(m.subject, dl([
        ['To', m.to], ['State', badge(m.state)], ['Message id', h('code', {}, m.message_id)],
        ['Queued', when(m.created_at)], ['Sent', when(m.sent_at)], ['Attempts', String(m.attempts)],
        m.last_error ? ['Last error', m.last_error] : null,
      ]), h('pre', { class: 'mail-body' }, m.body || '')));
  } catch (e) {
    fill(slot, errorBox(e));
  }
}
