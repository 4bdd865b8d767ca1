// admin-accounts.js - customer accounts: search and add; one account with
// its balance, credit (money received, in a dialog from the Credit button
// by the balance; a payment reference makes a retry harmless), signed
// adjustment, credit limit, its domains and the ledger history.

import { get, post, put } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, moneyInput, parseMoney, when, loading, errorBox, notice, table, field, input, busy,
  toolbar, card, dl, pager, qs, badge, day, confirmDialog, select,
} from './ui.js';

export function renderAccounts(main, { path }) {
  const id = path.split('/')[1];
  if (id === 'new') return renderNew(main);
  if (id) return renderDetail(main, Number(id));
  return renderList(main);
}

function renderList(main) {
  const q = input({ type: 'search', name: 'q', placeholder: 'Name or email', 'aria-label': 'Search accounts', maxlength: 254 });
  const form = h('form', { class: 'search-form', role: 'search' }, q, h('button', { type: 'submit', class: 'btn' }, 'Search'));
  const body = h('div', {});
  add(main, toolbar(form, h('a', { class: 'btn btn-primary', href: '#/accounts/new' }, 'Add account')), body);
  let offset = 0;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    offset = 0;
    load();
  });
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/accounts${qs({ q: q.value.trim(), offset, limit: 50 })}`);
      fill(body, table([
        { title: 'Account', cell: (a) => h('a', { href: `#/accounts/${a.id}` }, a.name) },
        { title: 'Email', cell: (a) => a.email || '—' },
        { title: 'Domains', num: true, cell: (a) => String(a.domains) },
        { title: 'Balance', num: true, cell: (a) => h('span', { class: a.balance < 0 ? 'neg' : null }, money(a.balance)) },
        { title: 'Credit limit', num: true, cell: (a) => money(a.credit_limit) },
        { title: 'Since', cell: (a) => day(a.created_at) },
      ], res.items, { caption: 'Customer accounts', empty: q.value ? 'No account matches.' : 'No customer accounts yet.' }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

function renderNew(main) {
  const name = input({ name: 'name', required: true, maxlength: 64, pattern: '[A-Za-z0-9._@-]{1,64}', autocomplete: 'off' });
  const email = input({ name: 'email', type: 'email', maxlength: 254, autocomplete: 'off' });
  const limit = input({ name: 'credit_limit', inputmode: 'decimal', placeholder: '0.00' });
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add account');
  const form = h('form', { class: 'form form-narrow card', novalidate: true },
    field('Name', name, 'Letters, digits and . _ @ - (up to 64).'), field('Email', email),
    field('Credit limit', limit, 'How far below zero charges may take the balance.'), status,
    h('div', { class: 'form-actions' }, save, h('a', { class: 'btn btn-quiet-dark', href: '#/accounts' }, 'Back')));
  add(main, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = { name: name.value.trim() };
    if (email.value.trim()) body.email = email.value.trim();
    if (limit.value.trim()) {
      const v = parseMoney(limit.value);
      if (v === null) {
        add(status, errorBox('Credit limit: enter an amount such as 50.00.'));
        return;
      }
      body.credit_limit = v;
    }
    await busy(save, 'Adding…', async () => {
      try {
        const a = await post('/api/v1/accounts', body);
        location.hash = `#/accounts/${a.id}`;
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  });
}

async function renderDetail(main, id) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let acct;
  try {
    acct = await get(`/api/v1/accounts/${id}`);
  } catch (e) {
    fill(slot, errorBox(e), h('a', { href: '#/accounts' }, 'Back to accounts'));
    return;
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = `Account ${acct.name}`;

  const facts = h('div', {});
  const history = h('div', {});
  const domains = h('div', {});
  const showFacts = () => fill(facts, dl([
    ['Balance', h('strong', { class: `balance${acct.balance < 0 ? ' neg' : ''}`, id: 'account-balance' }, money(acct.balance))],
    ['Credit limit', money(acct.credit_limit)],
    ['Email', acct.email || '—'],
    ['Domains', String(acct.domains)],
    ['Owner contact', acct.has_owner_contact ? 'set' : 'not set (needed to register)'],
    ['Auto-renew default', acct.auto_renew ? 'on' : 'off'],
    ['Customer since', when(acct.created_at)],
  ]));
  showFacts();

  // credit: one button by the balance opens a dialog for the money
  // received; its confirm button names the amount, the balance after shows
  const creditStatus = h('div', { 'aria-live': 'polite' });
  const creditBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'credit-account' }, 'Credit account');
  creditBtn.addEventListener('click', async () => {
    clear(creditStatus);
    const amount = input({ name: 'amount', inputmode: 'decimal', required: true, placeholder: '50.00', autocomplete: 'off' });
    const ref = input({ name: 'ref', maxlength: 200, autocomplete: 'off' });
    const memo = input({ name: 'memo', maxlength: 500, autocomplete: 'off' });
    const after = h('p', { class: 'muted credit-after', 'aria-live': 'polite' }, `Balance now ${money(acct.balance)}.`);
    const extra = h('div', { class: 'form' },
      field('Amount received', amount),
      field('Payment reference', ref, 'Optional, e.g. the bank transfer\'s reference; the same reference twice credits once.'),
      field('Memo', memo), after);
    amount.addEventListener('input', () => {
      const v = parseMoney(amount.value);
      const ok = extra.closest('form')?.querySelector('button[type=submit]');
      if (ok) ok.textContent = v ? `Credit ${money(v)}` : 'Credit';
      after.textContent = v ? `The balance becomes ${money(acct.balance + v)}.` : `Balance now ${money(acct.balance)}.`;
    });
    const go = await confirmDialog({ title: `Credit ${acct.name}`, confirm: 'Credit', extra,
      body: 'Money received from the customer, added to its balance.',
      check: () => (parseMoney(amount.value) ? null : 'Enter the amount received, e.g. 50.00.') });
    if (!go) return;
    const v = parseMoney(amount.value);
    const body = { amount: v };
    if (ref.value.trim()) body.ref = ref.value.trim();
    if (memo.value.trim()) body.memo = memo.value.trim();
    await busy(creditBtn, 'Crediting…', async () => {
      try {
        const r = await post(`/api/v1/accounts/${id}/credit`, body);
        acct = Object.assign(acct, r);
        showFacts();
        add(creditStatus, notice(r.replayed ? `Already credited with this reference; nothing changed. Balance ${money(r.balance)}.`
          : `Credited ${money(v)}. Balance ${money(r.balance)}.`, r.replayed ? 'info' : 'ok'));
        loadHistory(0);
      } catch (e) {
        add(creditStatus, errorBox(e));
      }
    });
  });

  // adjust
  const adjAmount = input({ name: 'adjust_amount', inputmode: 'decimal', placeholder: '-5.00', autocomplete: 'off' });
  const adjMemo = input({ name: 'adjust_memo', maxlength: 500, required: true, autocomplete: 'off' });
  const adjStatus = h('div', { 'aria-live': 'polite' });
  const adjBtn = h('button', { type: 'submit', class: 'btn' }, 'Adjust');
  const adjForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Adjust' },
    field('Amount (negative to take)', adjAmount), field('Reason', adjMemo), adjStatus,
    h('div', { class: 'form-actions' }, adjBtn));
  adjForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(adjStatus);
    const v = parseMoney(adjAmount.value, { signed: true });
    if (!v || !adjMemo.value.trim()) {
      add(adjStatus, errorBox('Enter a non-zero amount and the reason.'));
      return;
    }
    if (!await confirmDialog({ title: 'Adjust the balance?', confirm: 'Adjust',
      body: `${money(v)} for ${acct.name}: the balance becomes ${money(acct.balance + v)}.` })) return;
    await busy(adjBtn, 'Adjusting…', async () => {
      try {
        const r = await post(`/api/v1/accounts/${id}/adjust`, { amount: v, memo: adjMemo.value.trim() });
        acct = Object.assign(acct, r);
        showFacts();
        add(adjStatus, notice(`Adjusted by ${money(v)}. Balance ${money(r.balance)}.`, 'ok'));
        adjAmount.value = adjMemo.value = '';
        loadHistory(0);
      } catch (e) {
        add(adjStatus, errorBox(e));
      }
    });
  });

  // credit limit
  const lim = input({ name: 'credit_limit', inputmode: 'decimal' });
  lim.value = moneyInput(acct.credit_limit);
  const limStatus = h('div', { 'aria-live': 'polite' });
  const limBtn = h('button', { type: 'submit', class: 'btn' }, 'Set limit');
  const limForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Credit limit' },
    field('Credit limit', lim, 'How far below zero charges may go.'), limStatus, h('div', { class: 'form-actions' }, limBtn));
  limForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(limStatus);
    const v = parseMoney(lim.value);
    if (v === null) {
      add(limStatus, errorBox('Enter an amount, e.g. 0.00.'));
      return;
    }
    await busy(limBtn, 'Saving…', async () => {
      try {
        acct = Object.assign(acct, await put(`/api/v1/accounts/${id}/limit`, { credit_limit: v }));
        showFacts();
        add(limStatus, notice('Credit limit saved.', 'ok'));
      } catch (e) {
        add(limStatus, errorBox(e));
      }
    });
  });

  async function loadHistory(offset) {
    loading(history);
    try {
      const res = await get(`/api/v1/accounts/${id}/history${qs({ offset, limit: 25 })}`);
      fill(history, table([
        { title: 'When', cell: (l) => when(l.at) },
        { title: 'Kind', cell: (l) => badge(l.kind) },
        { title: 'Memo', cell: (l) => l.memo || l.ref || '—' },
        { title: 'Operation', cell: (l) => (l.operation_id ? `#${l.operation_id}` : '—') },
        { title: 'Amount', num: true, cell: (l) => h('span', { class: l.amount < 0 ? 'neg' : 'pos' }, money(l.amount)) },
        { title: 'Balance after', num: true, cell: (l) => money(l.balance_after) },
      ], res.items, { caption: 'Ledger history', empty: 'No money has moved on this account yet.' }),
      pager(res.page, offset, loadHistory));
    } catch (e) {
      fill(history, errorBox(e));
    }
  }

  async function loadDomains() {
    try {
      const res = await get(`/api/v1/domains${qs({ account_id: id, limit: 20 })}`);
      fill(domains, table([
        { title: 'Domain', cell: (d) => h('a', { href: `#/domains/${encodeURIComponent(d.name)}` }, d.unicode_name || d.name) },
        { title: 'Status', cell: (d) => badge(d.status) },
        { title: 'Expires', cell: (d) => day(d.expires_at) },
      ], res.items, { empty: 'No domains.' }));
    } catch (e) {
      fill(domains, errorBox(e));
    }
  }

  const order = orderForm(acct, async () => {
    loadHistory(0);
    loadDomains();
    try {
      acct = Object.assign(acct, await get(`/api/v1/accounts/${id}`));
      showFacts();
    } catch (e) {
      add(facts, errorBox(e));
    }
  });
  fill(slot, 
    h('p', {}, h('a', { href: '#/accounts' }, '← All accounts')),
    h('div', { class: 'detail-grid' },
      card('Summary', facts, h('div', { class: 'form-actions' }, creditBtn), creditStatus,
        h('p', {}, h('a', { href: `#/acceptances?account_id=${id}` }, 'License acceptances of this account'))),
      card('Adjust', adjForm, h('hr', {}), limForm)),
    card('Order for this customer', order),
    card('Domains', domains),
    card('History', history));
  loadHistory(0);
  loadDomains();
}

const KIND_WORDS = { register: 'Register', transfer: 'Transfer in' };

// orderForm - the admin registers or transfers a domain for the customer:
// charged to the account like its own order, recorded as the admin's
// (requested_by admin). The price comes from a lookup first and is named
// in the confirmation.
function orderForm(acct, done) {
  const name = input({ name: 'order_name', maxlength: 253, placeholder: 'example.com', autocomplete: 'off', spellcheck: 'false', required: true });
  const kind = select(Object.entries(KIND_WORDS), 'register', { name: 'order_kind' });
  const term = select([1, 2, 3, 5, 10].map((t) => [t, `${t} year${t > 1 ? 's' : ''}`]), 1, { name: 'order_term' });
  const auth = input({ name: 'order_auth', maxlength: 64, autocomplete: 'off' });
  const authField = field('Auth code', auth, 'From the registrar the domain comes from.');
  authField.hidden = true;
  kind.addEventListener('change', () => { authField.hidden = kind.value !== 'transfer'; });
  const out = h('div', { 'aria-live': 'polite', class: 'order-out' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, `Order for ${acct.name}`);
  const form = h('form', { class: 'form order-form', novalidate: true, 'aria-label': 'Order for this customer' },
    h('p', { class: 'muted' }, `Charged to ${acct.name}'s balance like its own order, and recorded as done by an admin.`),
    field('Domain', name), field('Order', kind), field('Term', term), authField,
    h('div', { class: 'form-actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const dn = name.value.trim().toLowerCase();
    const k = kind.value;
    const t = Number(term.value);
    if (!dn) { add(out, errorBox('Enter the domain name.')); return; }
    if (k === 'transfer' && !auth.value.trim()) { add(out, errorBox('A transfer needs the auth code.')); return; }
    await busy(btn, 'Checking…', async () => {
      let lk;
      try {
        lk = await get(`/api/v1/lookup${qs({ name: dn })}`);
      } catch (e) {
        add(out, errorBox(e));
        return;
      }
      if (k === 'register' && !lk.available) {
        add(out, errorBox(`${lk.unicode_name || dn} is not available (${lk.availability.replace(/_/g, ' ')}).`));
        return;
      }
      const amount = lk.prices && lk.prices[k] ? lk.prices[k][String(t)] : undefined;
      if (amount === undefined || amount === null) {
        add(out, errorBox(`No ${k} price for ${t} year${t > 1 ? 's' : ''} on .${lk.tld}.`));
        return;
      }
      const ok = await confirmDialog({
        title: `${KIND_WORDS[k]} ${lk.unicode_name || dn}?`,
        body: `For ${t} year${t > 1 ? 's' : ''}, charged to ${acct.name}: ${money(amount)}.`,
        confirm: `Charge ${money(amount)}`,
      });
      if (!ok) return;
      try {
        const body = { name: dn, term: t, account_id: acct.id };
        if (k === 'transfer') body.auth_code = auth.value.trim();
        const r = await post(`/api/v1/domains/${k}`, body);
        const words = r.outcome === 'succeeded' ? 'done' : r.outcome === 'pending' ? 'pending: the Async Manager follows it' : `${r.outcome}${r.refunded ? ', refunded' : ''}`;
        add(out, notice(h('span', {}, `${KIND_WORDS[k]} of `,
          h('a', { href: `#/domains/${encodeURIComponent(lk.domain)}` }, lk.unicode_name || dn),
          ` for ${acct.name}: ${words}. Charged ${money(r.amount)}.`), r.outcome === 'succeeded' || r.outcome === 'pending' ? 'ok' : 'warn'));
        name.value = '';
        auth.value = '';
        done();
      } catch (e) {
        add(out, errorBox(e));
      }
    });
  });
  return form;
}
