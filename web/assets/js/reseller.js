// reseller.js - the reseller's sections of the customer panel (a login
// with role reseller, docs/resellers.md): its figures with the provider,
// its price list over the provider's wholesale prices (a price per row,
// never below wholesale, and the markup rule for what it did not price),
// its own customers (add, credit with a reference of its own, a login,
// their contact details, their domains), its customers' orders (read-only)
// and its settings (its own agreement and nameservers). Its own domains,
// orders, balance and history are the customer sections it has like any
// customer.

import { get, post, put } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, moneyInput, parseMoney, loading, errorBox, notice, table, field, input, busy,
  card, dl, day, when, badge, opLabel, years, select, toolbar, pager, qs, button, sentence,
} from './ui.js';
import { contactForm } from './customer-pages.js';

const NS_MIN = 2;
const NS_MAX = 13;

export const resellerSections = [
  { id: 'reseller', title: 'Reseller: Overview', nav: 'Overview', group: 'Reseller', render: renderOverview,
    description: 'Your balance with the provider, your customers, what they paid and what you paid for it.' },
  { id: 'reseller-prices', title: 'Reseller: Prices', nav: 'Prices', group: 'Reseller', render: renderPrices,
    description: 'The provider\'s wholesale prices, your prices and what your customers pay.' },
  { id: 'reseller-customers', title: 'Reseller: Customers', nav: 'Customers', group: 'Reseller', render: renderCustomers,
    description: 'Your customers: add one, credit it, give it a login, set its contact details and see its domains.' },
  { id: 'reseller-orders', title: 'Reseller: Orders of your customers', nav: 'Customers\' orders', group: 'Reseller', render: renderOrders,
    description: 'What your customers ordered, newest first, with those still waiting for the registry.' },
  { id: 'reseller-settings', title: 'Reseller: Settings', nav: 'Settings', group: 'Reseller', render: renderSettings,
    description: 'Your own agreement, which your customers accept before they order, and the nameservers their new domains get.' },
];

function tile(label, value, attrs = {}, note = null) {
  return h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, label),
    h('span', Object.assign({ class: 'tile-value' }, attrs), value),
    note ? h('span', { class: 'tile-note' }, note) : null);
}

// ---- Overview ---------------------------------------------------------------

export async function renderOverview(main) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let f;
  try {
    f = await get('/api/v1/reseller');
  } catch (e) {
    fill(slot, errorBox(e));
    return;
  }
  fill(slot,
    h('h2', { class: 'section-title' }, 'With the provider'),
    h('div', { class: 'tiles', id: 'reseller-account' },
      tile('Balance', money(f.balance), { id: 'reseller-balance', class: `tile-value${f.balance < 0 ? ' neg' : ''}` }),
      tile('Credit limit', money(f.credit_limit), { id: 'reseller-credit-limit' }, 'How far below zero your balance may go.')),
    h('h2', { class: 'section-title' }, 'Your business'),
    h('div', { class: 'tiles', id: 'reseller-figures' },
      tile('Customers', String(f.customers), { id: 'reseller-customers' }),
      tile('Sales', money(f.sales), { id: 'reseller-sales' }, 'What your customers paid, net of refunds.'),
      tile('Wholesale paid', money(f.wholesale_paid), { id: 'reseller-wholesale' }, 'What you paid the provider for it.'),
      tile('Margin', money(f.margin), { id: 'reseller-margin', class: `tile-value${f.margin < 0 ? ' neg' : ''}` })),
    card('Where to go',
      h('ul', { class: 'plain-list' },
        h('li', {}, h('a', { href: '#/reseller-prices' }, 'Prices'), ': set what your customers pay',
          f.markup_pct === null || f.markup_pct === undefined ? '' : ` (your markup rule: ${f.markup_pct}% over wholesale)`, '.'),
        h('li', {}, h('a', { href: '#/reseller-customers' }, 'Customers'), ': add, credit and give logins to your customers, and set their contact details.'),
        h('li', {}, h('a', { href: '#/reseller-orders' }, 'Customers\' orders'), ': what your customers ordered, and what still waits for the registry.'),
        h('li', {}, h('a', { href: '#/reseller-settings' }, 'Settings'), ': your own agreement and the nameservers your customers\' new domains get.'),
        h('li', {}, h('a', { href: '#/balance' }, 'Balance and History'), ': every charge and credit of your account with the provider.'),
        h('li', {}, h('a', { href: '#/orders' }, 'Orders'), ': your own orders. Cancelling an order is the provider\'s.'))));
}

// ---- Prices -----------------------------------------------------------------

export function renderPrices(main) {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite', id: 'prices-status' });
  const markupSlot = h('div', {});
  const listSlot = h('div', { class: 'list-slot' });
  add(main,
    h('p', { class: 'muted page-intro' }, 'Your customers pay your price where you set one; elsewhere the provider\'s wholesale price plus your markup (rounded up to the cent). Without either, an item is not sold to your customers. A price is never below wholesale.'),
    markupSlot, status, listSlot);
  loading(listSlot, 'Loading your prices…');

  const show = (res) => {
    fill(markupSlot, markupForm(res.markup_pct, status, show));
    fill(listSlot, priceTable(res.items, status, show));
  };
  get('/api/v1/reseller/prices').then(show, (e) => fill(listSlot, errorBox(e)));
}

function itemLabel(it) {
  return `.${it.tld} ${opLabel(it.operation).toLowerCase()}, ${years(it.term)}`;
}

function markupForm(pct, status, show) {
  const has = pct !== null && pct !== undefined;
  const el = input({ name: 'markup_pct', id: 'markup-pct', inputmode: 'decimal', class: 'price-input', placeholder: 'none', autocomplete: 'off' });
  el.value = has ? String(pct) : '';
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Set markup');
  const clearBtn = has ? h('button', { type: 'button', class: 'btn', id: 'markup-clear' }, 'Remove rule') : null;
  const form = h('form', { class: 'form inline-form', novalidate: true, 'aria-label': 'Markup rule' },
    field('Markup over wholesale (%)', el, has ? `Now ${pct}%: applies where you set no price.` : 'No rule: only what you price is sold.'),
    h('div', { class: 'form-actions' }, save, clearBtn));
  const send = async (btn, value) => {
    clear(status);
    await busy(btn, 'Saving…', async () => {
      try {
        const res = await put('/api/v1/reseller/prices', { markup_pct: value });
        show(res);
        add(status, notice(value === null ? 'Markup rule removed: only what you priced is sold.'
          : `Markup set to ${value}% over wholesale.`, 'ok'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = el.value.trim();
    el.removeAttribute('aria-invalid');
    if (!/^\d{1,5}(\.\d{1,2})?$/.test(t) || Number(t) > 10000) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      fill(status, errorBox('Markup: a percentage from 0 to 10000 with up to 2 decimals, e.g. 20 or 12.5.'));
      return;
    }
    send(save, Number(t));
  });
  if (clearBtn) clearBtn.addEventListener('click', () => send(clearBtn, null));
  return card('Markup rule', form);
}

function priceTable(items, status, show) {
  if (!items.length) {
    return h('div', { class: 'card empty-state' }, h('p', {}, 'The provider has no wholesale prices for you yet: nothing can be sold. Ask your provider.'));
  }
  const send = async (it, value, btn, el) => {
    clear(status);
    await busy(btn, 'Saving…', async () => {
      try {
        const res = await put('/api/v1/reseller/prices', { tld: it.tld, prices: { [it.operation]: { [String(it.term)]: value } } });
        show(res);
        const now = res.items.find((x) => x.tld === it.tld && x.operation === it.operation && x.term === it.term);
        const pays = now && now.price !== null ? `customers pay ${money(now.price)}` : 'not sold to your customers';
        add(status, notice(value === null ? `${itemLabel(it)}: your price removed; ${pays}.`
          : `${itemLabel(it)}: your price is ${money(value)}; ${pays}.`, 'ok'));
      } catch (e) {
        if (el) el.setAttribute('aria-invalid', 'true');
        add(status, errorBox(e)); // the server's message names the item
      }
    });
  };
  const yourCell = (it) => {
    const label = itemLabel(it);
    const key = `${it.tld}-${it.operation}-${it.term}`;
    const el = input({ name: `retail-${key}`, id: `retail-${key}`, inputmode: 'decimal', class: 'price-input',
      'aria-label': `Your price for ${label}`, placeholder: '—', autocomplete: 'off' });
    el.value = it.retail === null || it.retail === undefined ? '' : moneyInput(it.retail);
    const save = h('button', { type: 'submit', class: 'btn btn-small', 'aria-label': `Save your price for ${label}` }, 'Save');
    const clearBtn = it.retail === null || it.retail === undefined ? null
      : h('button', { type: 'button', class: 'btn btn-small btn-quiet-dark', 'aria-label': `Remove your price for ${label}` }, 'Remove');
    const form = h('form', { class: 'price-row-form', novalidate: true }, el, save, clearBtn);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clear(status);
      el.removeAttribute('aria-invalid');
      const t = el.value.trim();
      const v = t === '' ? null : parseMoney(t);
      if (t === '' && (it.retail === null || it.retail === undefined)) {
        el.focus();
        add(status, errorBox(`${label}: enter your price, e.g. ${moneyInput(it.wholesale + 500)}.`));
        return;
      }
      if (t !== '' && v === null) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        add(status, errorBox(`${label}: "${t}" is not an amount (e.g. 15.00).`));
        return;
      }
      if (v !== null && v < it.wholesale) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        add(status, errorBox(`${label}: ${money(v)} is below the wholesale price ${money(it.wholesale)}; you cannot sell below what you pay.`));
        return;
      }
      send(it, v, save, el);
    });
    if (clearBtn) clearBtn.addEventListener('click', () => send(it, null, clearBtn, null));
    return form;
  };
  return table([
    { title: 'TLD', cell: (it) => `.${it.tld}` },
    { title: 'Operation', cell: (it) => opLabel(it.operation) },
    { title: 'Term', cell: (it) => years(it.term) },
    { title: 'Wholesale', num: true, cell: (it) => money(it.wholesale) },
    { title: 'Your price', cell: yourCell },
    { title: 'Customers pay', num: true, cell: (it) => (it.price === null || it.price === undefined
      ? h('span', { class: 'muted' }, 'not sold')
      : h('span', {}, money(it.price), it.retail === null || it.retail === undefined ? h('span', { class: 'muted' }, ' (markup)') : null)) },
  ], items, { caption: 'Your prices', rowAttrs: (it) => ({ class: 'price-row', 'data-item': `${it.tld}:${it.operation}:${it.term}` }) });
}

// ---- Customers --------------------------------------------------------------

export function renderCustomers(main, { path }) {
  const id = path.split('/')[1];
  if (id) return renderCustomer(main, Number(id));
  return renderCustomerList(main);
}

function renderCustomerList(main) {
  const list = h('div', { class: 'list-slot' });
  const name = input({ name: 'name', id: 'customer-name', required: true, maxlength: 64, pattern: '[A-Za-z0-9._@-]{1,64}', autocomplete: 'off' });
  const email = input({ name: 'email', id: 'customer-email', type: 'email', maxlength: 254, autocomplete: 'off' });
  const limit = input({ name: 'credit_limit', id: 'customer-credit-limit', inputmode: 'decimal', placeholder: '0.00', autocomplete: 'off' });
  const auto = h('input', { type: 'checkbox', name: 'auto_renew', id: 'customer-auto-renew' });
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add customer');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Add a customer' },
    h('div', { class: 'form-grid' },
      field('Name', name, 'Letters, digits and . _ @ - (up to 64).'),
      field('Email', email, 'Where its order confirmations and expiry warnings go.'),
      field('Credit limit', limit, 'How far below zero its orders may take its balance.'),
      field('Renew its domains automatically', auto)),
    status, h('div', { class: 'form-actions' }, save));
  add(main, h('h2', { class: 'section-title' }, 'Your customers'), list, card('Add a customer', form));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = { name: name.value.trim(), auto_renew: auto.checked };
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(body.name)) {
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      add(status, errorBox('Name: letters, digits and . _ @ - (up to 64).'));
      return;
    }
    name.removeAttribute('aria-invalid');
    if (email.value.trim()) body.email = email.value.trim();
    if (limit.value.trim()) {
      const v = parseMoney(limit.value);
      if (v === null) {
        limit.setAttribute('aria-invalid', 'true');
        limit.focus();
        add(status, errorBox('Credit limit: enter an amount such as 50.00.'));
        return;
      }
      body.credit_limit = v;
    }
    await busy(save, 'Adding…', async () => {
      try {
        const a = await post('/api/v1/reseller/customers', body);
        form.reset();
        add(status, notice(h('span', {}, `Customer ${a.name} added. `,
          h('a', { href: `#/reseller-customers/${a.id}` }, `Credit it and give it a login`), '.'), 'ok'));
        load();
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  });

  async function load() {
    loading(list);
    try {
      const res = await get('/api/v1/reseller/customers');
      fill(list, table([
        { title: 'Customer', cell: (a) => h('a', { href: `#/reseller-customers/${a.id}` }, a.name) },
        { title: 'Email', cell: (a) => a.email || '—' },
        { title: 'Domains', num: true, cell: (a) => String(a.domains) },
        { title: 'Balance', num: true, cell: (a) => h('span', { class: a.balance < 0 ? 'neg' : null }, money(a.balance)) },
        { title: 'Credit limit', num: true, cell: (a) => money(a.credit_limit) },
        { title: 'Since', cell: (a) => day(a.created_at) },
      ], res.items, { caption: 'Your customers', empty: 'No customers yet. Add one below.',
        rowAttrs: (a) => ({ 'data-customer': a.name }) }));
    } catch (e) {
      fill(list, errorBox(e));
    }
  }
  load();
}

async function renderCustomer(main, id) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let acct;
  const refresh = async () => {
    const res = await get('/api/v1/reseller/customers');
    const a = res.items.find((x) => x.id === id);
    if (!a) throw new Error('No such customer.');
    return a;
  };
  try {
    acct = await refresh();
  } catch (e) {
    fill(slot, errorBox(e), h('p', {}, h('a', { href: '#/reseller-customers' }, '← All customers')));
    return;
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = `Customer ${acct.name}`;
  document.title = `Customer ${acct.name} — regman Domains`;

  const facts = h('div', {});
  const showFacts = () => fill(facts, dl([
    ['Balance', h('strong', { class: `balance${acct.balance < 0 ? ' neg' : ''}`, id: 'customer-account-balance' }, money(acct.balance))],
    ['Credit limit', money(acct.credit_limit)],
    ['Email', acct.email || '—'],
    ['Domains', String(acct.domains)],
    ['Auto-renew', acct.auto_renew ? 'on' : 'off'],
    ['Customer since', day(acct.created_at)],
  ]));
  showFacts();

  // credit: money the reseller received from its customer, under a
  // reference of its own (the same reference twice credits once)
  const amount = input({ name: 'amount', id: 'credit-amount', inputmode: 'decimal', required: true, placeholder: '50.00', autocomplete: 'off', class: 'price-input' });
  const ref = input({ name: 'ref', id: 'credit-ref', required: true, maxlength: 200, autocomplete: 'off' });
  const memo = input({ name: 'memo', id: 'credit-memo', maxlength: 500, autocomplete: 'off' });
  const creditStatus = h('div', { 'aria-live': 'polite' });
  const creditBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Credit');
  const creditForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Credit this customer' },
    field('Amount received', amount),
    field('Reference', ref, 'Yours, e.g. the payment\'s reference: the same reference twice credits once.'),
    field('Memo', memo), creditStatus, h('div', { class: 'form-actions' }, creditBtn));
  amount.addEventListener('input', () => {
    const v = parseMoney(amount.value);
    creditBtn.textContent = v ? `Credit ${money(v)}` : 'Credit';
  });
  creditForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(creditStatus);
    const v = parseMoney(amount.value);
    amount.removeAttribute('aria-invalid');
    ref.removeAttribute('aria-invalid');
    if (!v) {
      amount.setAttribute('aria-invalid', 'true');
      amount.focus();
      add(creditStatus, errorBox('Enter the amount received, e.g. 50.00.'));
      return;
    }
    if (!ref.value.trim()) {
      ref.setAttribute('aria-invalid', 'true');
      ref.focus();
      add(creditStatus, errorBox('Enter a reference for this payment.'));
      return;
    }
    const body = { amount: v, ref: ref.value.trim() };
    if (memo.value.trim()) body.memo = memo.value.trim();
    await busy(creditBtn, 'Crediting…', async () => {
      try {
        const r = await post(`/api/v1/reseller/customers/${id}/credit`, body);
        acct = Object.assign(acct, r);
        showFacts();
        add(creditStatus, notice(r.replayed ? `Already credited with reference ${body.ref}; nothing changed. Balance ${money(r.balance)}.`
          : `Credited ${money(v)}. Balance ${money(r.balance)}.`, r.replayed ? 'info' : 'ok'));
        creditForm.reset();
      } catch (e) {
        add(creditStatus, errorBox(e));
      }
    });
    creditBtn.textContent = 'Credit';
  });

  // a login for the customer: it signs in here and sees the reseller's prices
  const user = input({ name: 'username', id: 'login-new-username', required: true, maxlength: 64, autocomplete: 'off', pattern: '[A-Za-z0-9._@-]{1,64}' });
  const pass = input({ name: 'password', id: 'login-new-password', type: 'password', required: true, minlength: 10, maxlength: 1024, autocomplete: 'new-password' });
  const loginStatus = h('div', { 'aria-live': 'polite' });
  const loginBtn = h('button', { type: 'submit', class: 'btn' }, 'Create login');
  const loginForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Create a login for this customer' },
    field('Username', user, 'Letters, digits and . _ @ -'),
    field('Password', pass, 'At least 10 characters. Give it to your customer yourself.'),
    loginStatus, h('div', { class: 'form-actions' }, loginBtn));
  loginForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(loginStatus);
    const u = user.value.trim();
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(u)) {
      user.focus();
      add(loginStatus, errorBox('Username: letters, digits and . _ @ - (up to 64).'));
      return;
    }
    if (pass.value.length < 10) {
      pass.focus();
      add(loginStatus, errorBox('The password needs at least 10 characters.'));
      return;
    }
    await busy(loginBtn, 'Creating…', async () => {
      try {
        const r = await post(`/api/v1/reseller/customers/${id}/logins`, { username: u, password: pass.value });
        add(loginStatus, notice(`Login ${r.username} created: ${acct.name} signs in with it at this address.`, 'ok'));
        loginForm.reset();
      } catch (e) {
        add(loginStatus, errorBox(e));
      }
    });
  });

  // its owner contact: the details its registrations carry (it may also
  // change them itself after signing in)
  const contact = h('div', { id: 'customer-contact' });
  const contactPath = `/api/v1/reseller/customers/${id}/contacts/owner`;
  const showContact = async () => {
    loading(contact);
    let cur = null;
    try {
      cur = await get(contactPath);
    } catch (e) {
      if (e.status !== 404) {
        fill(contact, errorBox(e));
        return;
      }
    }
    const setText = `The owner of ${acct.name}'s new registrations and transfers. ${acct.name} can change them too after signing in.`;
    const intro = h('p', { class: 'muted', id: 'customer-contact-intro' }, cur ? setText
      : `Not set yet: ${acct.name} needs them before its first registration. Set them here, or ${acct.name} enters them after signing in.`);
    fill(contact, intro, contactForm(contactPath, cur, () => { intro.textContent = setText; }, null));
  };

  const domains = h('div', {});
  fill(slot,
    h('p', {}, h('a', { href: '#/reseller-customers' }, '← All customers')),
    h('div', { class: 'detail-grid' },
      h('div', { class: 'stack' }, card('Summary', facts), card('Domains', domains), card('Owner contact', contact)),
      h('div', { class: 'stack' }, card('Credit', creditForm),
        card('Login', h('p', { class: 'muted' }, 'Your customer signs in with its own login and orders at your prices.'), loginForm))));
  showContact();
  loading(domains);
  try {
    const res = await get(`/api/v1/reseller/customers/${id}/domains?limit=100`);
    fill(domains, table([
      { title: 'Domain', cell: (d) => d.unicode_name || d.name },
      { title: 'Status', cell: (d) => badge(d.status) },
      { title: 'Expires', cell: (d) => day(d.expires_at) },
      { title: 'Auto-renew', cell: (d) => (d.auto_renew ? 'on' : 'off') },
    ], res.items, { caption: `Domains of ${acct.name}`, empty: 'No domains yet.' }));
  } catch (e) {
    fill(domains, errorBox(e));
  }
}

// ---- Orders of its customers ------------------------------------------------

export function renderOrders(main) {
  const body = h('div', {});
  const st = select([['', 'All orders'], ['pending', 'Pending (waiting for the registry)'], ['succeeded', 'Completed'],
    ['failed', 'Failed'], ['timed_out', 'Timed out'], ['cancelled', 'Cancelled']], '', { 'aria-label': 'Show', name: 'state', id: 'orders-state' });
  add(main,
    h('p', { class: 'muted page-intro' }, 'Every order of your customers, newest first, with the price they paid you. An order the registry has not confirmed yet is pending: the provider checks it until it completes or times out (and is refunded). Only the provider can cancel one; ask them.'),
    toolbar(st), body);
  let offset = 0;
  st.addEventListener('change', () => { offset = 0; load(); });
  async function load() {
    loading(body, 'Loading your customers\' orders…');
    try {
      const res = await get(`/api/v1/reseller/operations${qs({ state: st.value, offset, limit: 50 })}`);
      const ended = (op) => ['failed', 'timed_out', 'cancelled'].includes(op.state);
      fill(body, table([
        { title: 'Domain', cell: (op) => op.unicode_name || op.domain },
        { title: 'Customer', cell: (op) => h('a', { href: `#/reseller-customers/${op.account_id}` }, op.account) },
        { title: 'Order', cell: (op) => `${opLabel(op.kind)}, ${years(op.term)}` },
        { title: 'State', cell: (op) => badge(op.state) },
        { title: 'Amount', num: true, cell: (op) => h('span', {}, money(op.amount), ended(op) ? h('span', { class: 'muted' }, ' refunded') : null) },
        { title: 'Ordered', cell: (op) => when(op.created_at) },
        { title: 'Details', cell: (op) => (op.state === 'pending'
          ? h('span', { class: 'muted' }, 'Waiting for the registry; the provider checks it.')
          : (op.state === 'succeeded' ? '—' : sentence(op.customer_reason) || '—')) },
      ], res.items, { caption: 'Orders of your customers',
        empty: st.value === 'pending' ? 'No order of your customers is waiting for the registry.' : 'Your customers have ordered nothing yet.',
        rowAttrs: (op) => ({ 'data-domain': op.domain, 'data-state': op.state }) }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

// ---- Settings ---------------------------------------------------------------

export async function renderSettings(main) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let f;
  try {
    f = await get('/api/v1/reseller');
  } catch (e) {
    fill(slot, errorBox(e));
    return;
  }
  fill(slot, h('div', { class: 'stack' }, agreementCard(f), nameserversCard(f)));
}

function agreementCard(f) {
  const now = h('div', { id: 'reseller-license-now', 'aria-live': 'polite' });
  const text = h('textarea', { name: 'license_text', id: 'reseller-license', rows: '10', maxlength: '65536', spellcheck: 'true' });
  const status = h('div', { 'aria-live': 'polite', id: 'license-status' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save agreement');
  const remove = h('button', { type: 'button', class: 'btn', id: 'license-remove' }, 'Remove agreement');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Your agreement' },
    field('Agreement text', text, 'Plain text; a blank line starts a new paragraph. Your customers accept it after the registrar\'s agreement before they order; when you change it, they are asked to accept it again.'),
    status, h('div', { class: 'form-actions' }, remove, save));
  const show = (lt) => {
    text.value = lt || '';
    remove.hidden = !lt;
    fill(now, lt ? h('p', {}, `Your customers are shown your agreement (${lt.length} characters) after the registrar's.`)
      : h('p', { class: 'muted' }, 'None: your customers accept only the registrar\'s agreement.'));
  };
  show(f.license_text);
  const send = async (btn, value) => {
    clear(status);
    await busy(btn, 'Saving…', async () => {
      try {
        const r = await put('/api/v1/reseller/settings', { license_text: value });
        show(r.license_text);
        add(status, notice(r.license_text ? 'Agreement saved: your customers accept it with their next order.'
          : 'Agreement removed: your customers accept only the registrar\'s.', 'ok'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = text.value.replace(/\r\n?/g, '\n');
    send(save, t.trim() ? t : null);
  });
  remove.addEventListener('click', () => send(remove, null));
  return card('Your agreement', now, form);
}

function nameserversCard(f) {
  const now = h('div', { id: 'reseller-ns-now', 'aria-live': 'polite' });
  const rows = h('ol', { class: 'ns-rows' });
  const status = h('div', { 'aria-live': 'polite', id: 'ns-status' });
  const addBtn = button('Add a nameserver', { class: 'btn btn-small ns-add' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save nameservers');
  const reset = h('button', { type: 'button', class: 'btn', id: 'ns-default' }, 'Use the provider\'s');
  const form = h('form', { class: 'form ns-form', novalidate: true, 'aria-label': 'Your nameservers' },
    h('p', { class: 'hint' }, `From ${NS_MIN} to ${NS_MAX} host names, e.g. ns1.example.net. Your customers' new domains get them when the order names none; domains they already have keep theirs.`),
    rows, status, h('div', { class: 'form-actions' }, addBtn, reset, save));

  function renumber() {
    const items = [...rows.children];
    items.forEach((li, i) => {
      li.querySelector('label').textContent = `Nameserver ${i + 1}`;
      li.querySelector('input').placeholder = `ns${i + 1}.example.net`;
      const rm = li.querySelector('.ns-remove');
      rm.setAttribute('aria-label', `Remove nameserver ${i + 1}`);
      rm.disabled = items.length <= NS_MIN;
    });
    addBtn.disabled = items.length >= NS_MAX;
  }
  function addRow(value, focus) {
    const el = input({ name: 'nameserver', maxlength: 253, autocomplete: 'off', spellcheck: 'false', class: 'ns-input' });
    el.value = value || '';
    const li = h('li', { class: 'ns-row' });
    const rm = button('Remove', { class: 'btn btn-small btn-danger-quiet ns-remove' }, () => {
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber();
      next?.querySelector('input')?.focus();
    });
    add(li, field('Nameserver', el), rm);
    rows.append(li);
    renumber();
    if (focus) el.focus();
  }
  const show = (list) => {
    clear(rows);
    for (const n of list.slice(0, NS_MAX)) addRow(n, false);
    while (rows.children.length < NS_MIN) addRow('', false);
    reset.hidden = !list.length;
    fill(now, list.length
      ? [h('p', {}, 'Your customers\' new domains get:'), h('ul', { class: 'ns-list', 'aria-label': 'Your nameservers now' }, list.map((n) => h('li', {}, h('code', {}, n))))]
      : h('p', { class: 'muted' }, 'None set: your customers\' new domains get the provider\'s nameservers.'));
  };
  show(f.nameservers || []);
  addBtn.addEventListener('click', () => addRow('', true));

  const send = async (btn, list) => {
    clear(status);
    await busy(btn, 'Saving…', async () => {
      try {
        const r = await put('/api/v1/reseller/settings', { nameservers: list });
        show(r.nameservers);
        add(status, notice(r.nameservers.length ? `Nameservers saved: ${r.nameservers.join(', ')}.`
          : 'Your customers\' new domains get the provider\'s nameservers again.', 'ok'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(status);
    const inputs = [...rows.querySelectorAll('input')];
    inputs.forEach((el) => el.removeAttribute('aria-invalid'));
    const list = inputs.map((el) => el.value.trim().toLowerCase().replace(/\.$/, ''));
    const bad = (el, msg) => {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      add(status, errorBox(msg));
    };
    const empty = inputs.find((el, i) => !list[i]);
    if (empty) return bad(empty, 'Fill in every nameserver, or remove the empty row.');
    const host = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
    const notHost = inputs.find((el, i) => !host.test(list[i]));
    if (notHost) return bad(notHost, `${notHost.value.trim()} is not a host name (e.g. ns1.example.net).`);
    const dup = inputs.find((el, i) => list.indexOf(list[i]) !== i);
    if (dup) return bad(dup, `${dup.value.trim()} is given twice.`);
    if (list.length < NS_MIN || list.length > NS_MAX) return add(status, errorBox(`Give from ${NS_MIN} to ${NS_MAX} nameservers.`));
    return send(save, list);
  });
  reset.addEventListener('click', () => send(reset, []));
  return card('Your nameservers', now, form);
}
