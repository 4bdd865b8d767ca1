// admin-resellers.js - the provider's resellers (docs/resellers.md): the
// list with each one's figures (balance with the provider, customers,
// sales, wholesale paid, margin) and a form to add one; and the wholesale
// price list, per TLD, for register, renew and transfer per term (term
// totals in minor units; a blank cell removes that price: resellers cannot
// sell it). A reseller's login is made with `regman login add USER --role
// reseller --account NAME`; its credit is the account's (Accounts page).

import { get, post, put } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, moneyInput, parseMoney, loading, errorBox, notice, table, field, input, busy, toolbar, card, priceTerms,
} from './ui.js';

// ---- Resellers ----------------------------------------------------------------

export function renderResellers(main) {
  const list = h('div', { class: 'list-slot' });
  const name = input({ name: 'name', id: 'reseller-name', required: true, maxlength: 64, pattern: '[A-Za-z0-9._@-]{1,64}', autocomplete: 'off' });
  const email = input({ name: 'email', id: 'reseller-email', type: 'email', maxlength: 254, autocomplete: 'off' });
  const limit = input({ name: 'credit_limit', id: 'reseller-credit-limit', inputmode: 'decimal', placeholder: '0.00', autocomplete: 'off' });
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add reseller');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Add a reseller' },
    h('div', { class: 'form-grid' },
      field('Name', name, 'Letters, digits and . _ @ - (up to 64).'), field('Email', email),
      field('Credit limit', limit, 'How far below zero the wholesale charges may take its balance.')),
    status, h('div', { class: 'form-actions' }, save));
  add(main,
    toolbar(h('a', { class: 'btn', href: '#/wholesale' }, 'Wholesale prices')),
    list,
    card('Add a reseller', form,
      h('p', { class: 'muted' }, 'Then credit it on its account page, and give it a login: ',
        h('code', {}, 'regman login add USER --role reseller --account NAME'), '.')));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = { name: name.value.trim() };
    name.removeAttribute('aria-invalid');
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(body.name)) {
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      add(status, errorBox('Name: letters, digits and . _ @ - (up to 64).'));
      return;
    }
    if (email.value.trim()) body.email = email.value.trim();
    if (limit.value.trim()) {
      const v = parseMoney(limit.value);
      if (v === null) {
        limit.focus();
        add(status, errorBox('Credit limit: enter an amount such as 50.00.'));
        return;
      }
      body.credit_limit = v;
    }
    await busy(save, 'Adding…', async () => {
      try {
        const r = await post('/api/v1/resellers', body);
        form.reset();
        add(status, notice(h('span', {}, `Reseller ${r.name} added. `,
          h('a', { href: `#/accounts/${r.id}` }, 'Credit its account'), '.'), 'ok'));
        load();
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  });

  async function load() {
    loading(list);
    try {
      const res = await get('/api/v1/resellers');
      fill(list, table([
        { title: 'Reseller', cell: (r) => h('a', { href: `#/accounts/${r.id}` }, r.name) },
        { title: 'Email', cell: (r) => r.email || '—' },
        { title: 'Balance', num: true, cell: (r) => h('span', { class: r.balance < 0 ? 'neg' : null }, money(r.balance)) },
        { title: 'Credit limit', num: true, cell: (r) => money(r.credit_limit) },
        { title: 'Customers', num: true, cell: (r) => String(r.customers) },
        { title: 'Sales', num: true, cell: (r) => money(r.sales) },
        { title: 'Wholesale paid', num: true, cell: (r) => money(r.wholesale_paid) },
        { title: 'Margin', num: true, cell: (r) => money(r.margin) },
        { title: 'Markup rule', num: true, cell: (r) => (r.markup_pct === null || r.markup_pct === undefined ? '—' : `${r.markup_pct}%`) },
      ], res.items, { caption: 'Resellers', empty: 'No resellers yet. Add one below.',
        rowAttrs: (r) => ({ 'data-reseller': r.name }) }));
    } catch (e) {
      fill(list, errorBox(e));
    }
  }
  load();
}

// ---- Wholesale prices -------------------------------------------------------

const OPS = [['register', 'Register'], ['renew', 'Renew'], ['transfer', 'Transfer']];

// byTld - the wholesale prices set (not those of the rule) as
// {tld: {op: {term: amount}}}.
function byTld(items) {
  const m = {};
  for (const it of items) {
    if (it.source === 'rule') continue;
    ((m[it.tld] = m[it.tld] || {})[it.operation] = m[it.tld][it.operation] || {})[String(it.term)] = it.wholesale;
  }
  return m;
}

export function renderWholesale(main, { path }) {
  const tld = path.split('/')[1];
  if (tld) return renderWholesaleForm(main, decodeURIComponent(tld));
  return renderWholesaleList(main);
}

function summary(prices, op) {
  const terms = priceTerms(prices, op);
  if (!terms.length) return h('span', { class: 'muted' }, 'not sold');
  return h('span', {}, `${money(prices[op][String(terms[0])])} / ${terms[0]}y`,
    terms.length > 1 ? h('span', { class: 'muted' }, ` +${terms.length - 1} term${terms.length > 2 ? 's' : ''}`) : null);
}

// ruleText - the rule in words.
function ruleText(rule) {
  if (!rule) return 'No rule: only the prices set below are sold to resellers.';
  return `The registrar's cost + ${rule.markup_pct} %${rule.add ? ` + ${money(rule.add)}` : ''}, rounded up to the cent, for what has no price set below.`;
}

// ruleCard - the rule that prices what has no wholesale price: the
// registrar's cost (regman tld import-prices, or read at an order) plus a
// markup and an amount.
function ruleCard(rule, reload) {
  const pct = input({ name: 'rule-markup', id: 'rule-markup', inputmode: 'decimal', class: 'price-input',
    value: rule ? String(rule.markup_pct) : '' });
  const addIn = input({ name: 'rule-add', id: 'rule-add', inputmode: 'decimal', class: 'price-input',
    value: rule && rule.add ? moneyInput(rule.add) : '' });
  const status = h('div', { 'aria-live': 'polite', class: 'form-status' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save the rule');
  const remove = rule ? h('button', { type: 'button', class: 'btn' }, 'Remove the rule') : null;
  const form = h('form', { class: 'form inline-form', id: 'wholesale-rule' },
    field('Markup over cost (%)', pct, '0 to 10000, two decimals at most.'),
    field('Plus (amount)', addIn, 'Optional, e.g. 0.50.'),
    h('div', { class: 'form-actions' }, save, remove));
  const send = async (btn, body) => {
    clear(status);
    await busy(btn, 'Saving…', async () => {
      try {
        const r = await put('/api/v1/wholesale', body);
        add(status, notice(r.rule ? 'Rule saved.' : 'Rule removed.', 'ok'));
        setTimeout(reload, 0);
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    pct.removeAttribute('aria-invalid');
    addIn.removeAttribute('aria-invalid');
    const p = pct.value.trim();
    if (!/^\d{1,5}(\.\d{1,2})?$/.test(p) || Number(p) > 10000) {
      pct.setAttribute('aria-invalid', 'true');
      pct.focus();
      add(status, errorBox('Markup: a percentage from 0 to 10000, such as 10 or 12.5.'));
      return;
    }
    const a = addIn.value.trim() === '' ? 0 : parseMoney(addIn.value);
    if (a === null) {
      addIn.setAttribute('aria-invalid', 'true');
      addIn.focus();
      add(status, errorBox('Plus: an amount such as 0.50, or nothing.'));
      return;
    }
    await send(save, { rule: { markup_pct: Number(p), add: a } });
  });
  if (remove) remove.addEventListener('click', () => send(remove, { rule: null }));
  return card('Rule for what has no price', h('p', { class: 'rule-now' }, ruleText(rule)), form, status);
}

async function renderWholesaleList(main) {
  const body = h('div', {});
  add(main,
    h('p', { class: 'muted page-intro' }, 'What resellers pay for each TLD, operation and term. Without a wholesale price (set, or by the rule) a reseller cannot sell it; a reseller\'s price is never below it.'),
    toolbar(h('a', { class: 'btn', href: '#/resellers' }, '← Resellers')), body);
  const load = async () => {
    loading(body);
    try {
      const [tlds, w] = await Promise.all([get('/api/v1/tlds?limit=500'), get('/api/v1/wholesale')]);
      listBody(body, tlds, w, load);
    } catch (e) {
      fill(body, errorBox(e));
    }
  };
  await load();
}

function listBody(body, tlds, w, reload) {
  const wp = byTld(w.items);
  const byRule = {};
  for (const it of w.items) if (it.source === 'rule') byRule[it.tld] = (byRule[it.tld] || 0) + 1;
  fill(body, ruleCard(w.rule, reload), table([
    { title: 'TLD', cell: (t) => h('a', { href: `#/wholesale/${encodeURIComponent(t.tld)}`, 'aria-label': `Wholesale prices of .${t.tld}` }, `.${t.tld}`) },
    ...OPS.map(([op, label]) => ({ title: `${label} (wholesale)`, cell: (t) => summary(wp[t.tld] || {}, op) })),
    { title: 'Rule', cell: (t) => (byRule[t.tld] ? `${byRule[t.tld]} by rule` : h('span', { class: 'muted' }, '—')) },
    { title: 'Register (your customers)', cell: (t) => summary(t.prices, 'register') },
  ], tlds.items, { caption: 'Wholesale prices', empty: 'No TLDs yet: add one under TLDs and Prices first.',
    rowAttrs: (t) => ({ 'data-tld': t.tld }) }));
}

async function renderWholesaleForm(main, name) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let tld;
  let prices;
  try {
    const [t, w] = await Promise.all([get(`/api/v1/tlds/${encodeURIComponent(name)}`), get('/api/v1/wholesale')]);
    tld = t;
    prices = byTld(w.items)[t.tld] || {};
  } catch (e) {
    fill(slot, errorBox(e), h('a', { href: '#/wholesale' }, 'Back to the list'));
    return;
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = `Wholesale prices of .${tld.tld}`;

  const cells = new Map();
  const grid = h('table', { class: 'price-grid' },
    h('caption', {}, 'Wholesale prices (term totals). A blank cell: resellers cannot sell it. The price your own customers pay is shown under each cell.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Term'), OPS.map(([, label]) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, Array.from({ length: 10 }, (_, i) => {
      const n = i + 1;
      return h('tr', {}, h('th', { scope: 'row' }, `${n} year${n > 1 ? 's' : ''}`), OPS.map(([op, label]) => {
        const v = prices[op] ? prices[op][String(n)] : undefined;
        const list = tld.prices[op] ? tld.prices[op][String(n)] : undefined;
        const el = input({ name: `wholesale-${op}-${n}`, id: `wholesale-${op}-${n}`, inputmode: 'decimal', class: 'price-input',
          'aria-label': `Wholesale ${label.toLowerCase()} price for ${n} year${n > 1 ? 's' : ''}`, placeholder: '—' });
        el.value = v === undefined ? '' : moneyInput(v);
        cells.set(`${op}:${n}`, { el, old: v });
        return h('td', {}, el, list === undefined ? null : h('div', { class: 'hint' }, `list ${money(list)}`));
      }));
    })));
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save wholesale prices');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': `Wholesale prices of .${tld.tld}` },
    h('div', { class: 'table-wrap' }, grid), status,
    h('div', { class: 'form-actions' }, save, h('a', { class: 'btn btn-quiet-dark', href: '#/wholesale' }, 'Back')));
  fill(slot, form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = {};
    let n = 0;
    for (const [key, c] of cells) {
      const [op, term] = key.split(':');
      const t = c.el.value.trim();
      c.el.removeAttribute('aria-invalid');
      const v = t === '' ? null : parseMoney(t);
      if (t !== '' && v === null) {
        c.el.setAttribute('aria-invalid', 'true');
        c.el.focus();
        add(status, errorBox(`${c.el.getAttribute('aria-label')}: "${t}" is not an amount (e.g. 10.00).`));
        return;
      }
      if ((v === null && c.old === undefined) || v === c.old) continue;
      (body[op] = body[op] || {})[term] = v;
      n++;
    }
    if (!n) {
      add(status, notice('Nothing changed.', 'info'));
      return;
    }
    await busy(save, 'Saving…', async () => {
      try {
        const res = await put('/api/v1/wholesale', { tld: tld.tld, prices: body });
        const now = byTld(res.items)[tld.tld] || {};
        for (const [key, c] of cells) {
          const [op, term] = key.split(':');
          c.old = now[op] ? now[op][term] : undefined;
          c.el.value = c.old === undefined ? '' : moneyInput(c.old);
        }
        add(status, notice(`Wholesale prices of .${tld.tld} saved (${n} change${n > 1 ? 's' : ''}).`, 'ok'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  });
}
