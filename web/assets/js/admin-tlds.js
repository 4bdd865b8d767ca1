// admin-tlds.js - TLDs and prices: which connection serves each TLD, the
// orderable terms, the price of every operation and term (term totals in
// minor units; a blank cell removes that price) and the async windows a
// TLD may override (in minutes, hours or days). The list shows the terms
// a customer can actually buy: orderable and priced. WHOIS privacy has one
// yearly price (charged when it is turned on; blank: free), outside the
// term grid since it is never an orderable term.

import { get, put, del } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, moneyInput, parseMoney, loading, errorBox, notice, table, field, input, select,
  busy, confirmDialog, toolbar, button, priceTerms,
} from './ui.js';
import { durationInput, durationText } from './durations.js';

const OPS = [['register', 'Register'], ['renew', 'Renew'], ['transfer', 'Transfer']];
const WINDOWS = [
  ['first_check_s', 'First check after', '60'],
  ['poll_interval_s', 'Check every', '60'],
  ['deadline_s', 'Registration deadline', '3600'],
  ['transfer_deadline_s', 'Transfer deadline', '86400'],
];

let flash = null;

export function renderTlds(main, { path }) {
  const tld = path.split('/')[1];
  if (tld) return renderForm(main, tld === 'new' ? null : decodeURIComponent(tld));
  return renderList(main);
}

const EXPIRY_DAYS = [
  ['grace_days', 'Grace (days)'],
  ['redemption_days', 'Redemption (days)'],
  ['pending_delete_days', 'Pending delete (days)'],
];

function priceSummary(prices, op) {
  const terms = priceTerms(prices, op);
  if (!terms.length) return h('span', { class: 'muted' }, 'not sold');
  const first = terms[0];
  return h('span', {}, `${money(prices[op][first])} / ${first}y`,
    terms.length > 1 ? h('span', { class: 'muted' }, ` +${terms.length - 1} term${terms.length > 2 ? 's' : ''}`) : null);
}

function privacySummary(prices) {
  const v = prices && prices.privacy ? prices.privacy['1'] : undefined;
  return v === undefined ? h('span', { class: 'muted' }, 'free') : `${money(v)} / year`;
}

function renderList(main) {
  const body = h('div', {});
  add(main, toolbar(h('a', { class: 'btn btn-primary', href: '#/tlds/new' }, 'Add TLD')), body);
  loading(body);
  get('/api/v1/tlds?limit=500').then((res) => {
    fill(body, table([
      { title: 'TLD', cell: (t) => h('a', { href: `#/tlds/${encodeURIComponent(t.tld)}` }, `.${t.tld}`) },
      { title: 'Connection', cell: (t) => t.connection },
      { title: 'Terms on sale', cell: (t) => h('span', { 'data-terms': t.tld }, termsText(buyable(t))) },
      ...OPS.map(([op, label]) => ({ title: label, cell: (t) => priceSummary(t.prices, op) })),
      { title: 'WHOIS privacy', cell: (t) => privacySummary(t.prices) },
      { title: 'Checks', cell: (t) => `after ${durationText(t.first_check_s)}, every ${durationText(t.poll_interval_s)}` },
      { title: 'Deadline', cell: (t) => durationText(t.deadline_s) },
    ], res.items, { caption: 'TLDs and prices', empty: 'No TLDs yet. Add one and choose the connection that serves it.' }));
  }, (e) => fill(body, errorBox(e)));
}

// buyable - the terms a customer can register: orderable and priced.
function buyable(t) {
  const priced = new Set(priceTerms(t.prices, 'register'));
  return (t.terms || []).filter((n) => priced.has(n));
}

// termsText - [1, 2] -> "1 or 2 years", [1..5] -> "1–5 years", [1] -> "1 year".
function termsText(terms) {
  if (!terms || !terms.length) return h('span', { class: 'muted' }, 'none (no register price)');
  const sorted = [...terms].sort((a, b) => a - b);
  if (sorted.length === 1) return `${sorted[0]} year${sorted[0] === 1 ? '' : 's'}`;
  const contiguous = sorted.every((t, i) => i === 0 || t === sorted[i - 1] + 1);
  if (contiguous && sorted.length > 2) return `${sorted[0]}–${sorted[sorted.length - 1]} years`;
  return `${sorted.slice(0, -1).join(', ')} or ${sorted[sorted.length - 1]} years`;
}

async function renderForm(main, name) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let tld = null;
  let conns;
  try {
    conns = (await get('/api/v1/connections?limit=500')).items;
    if (name) tld = await get(`/api/v1/tlds/${encodeURIComponent(name)}`);
  } catch (e) {
    fill(slot, errorBox(e), h('a', { href: '#/tlds' }, 'Back to the list'));
    return;
  }
  if (!conns.length) {
    fill(slot, notice('Add a registrar connection first: every TLD is served by one.', 'info'),
      h('a', { class: 'btn btn-primary', href: '#/registrars/new' }, 'Add connection'));
    return;
  }

  const nameInput = input({ name: 'tld', required: true, maxlength: 63, placeholder: 'com', autocomplete: 'off' });
  const connSel = select(conns.map((c) => [String(c.id), c.title]), tld ? tld.connection_id : conns[0].id, { name: 'connection_id' });
  const termBoxes = [];
  const termSet = new Set(tld ? tld.terms : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const terms = h('fieldset', { class: 'form-group' }, h('legend', {}, 'Terms customers may order'),
    h('div', { class: 'term-boxes' }, Array.from({ length: 10 }, (_, i) => {
      const n = i + 1;
      const cb = h('input', { type: 'checkbox', id: `term-${n}`, value: String(n), checked: termSet.has(n) });
      termBoxes.push(cb);
      return h('label', { class: 'term-box', for: `term-${n}` }, cb, `${n}y`);
    })));

  const cells = new Map();
  const grid = h('table', { class: 'price-grid' },
    h('caption', {}, 'Prices (term totals). A blank cell means the operation is not sold for that term.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Term'), OPS.map(([, label]) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, Array.from({ length: 10 }, (_, i) => {
      const n = i + 1;
      return h('tr', {}, h('th', { scope: 'row' }, `${n} year${n > 1 ? 's' : ''}`), OPS.map(([op, label]) => {
        const v = tld && tld.prices[op] ? tld.prices[op][String(n)] : undefined;
        const el = input({ name: `price-${op}-${n}`, inputmode: 'decimal', class: 'price-input',
          'aria-label': `${label} price for ${n} year${n > 1 ? 's' : ''}`, placeholder: '—' });
        el.value = v === undefined ? '' : moneyInput(v);
        cells.set(`${op}:${n}`, { el, old: v });
        return h('td', {}, el);
      }));
    })));

  const oldPrivacy = tld && tld.prices.privacy ? tld.prices.privacy['1'] : undefined;
  const privacyInput = input({ name: 'price-privacy-1', id: 'price-privacy-1', inputmode: 'decimal', class: 'price-input',
    'aria-label': 'WHOIS privacy price per year', placeholder: 'free' });
  privacyInput.value = oldPrivacy === undefined ? '' : moneyInput(oldPrivacy);
  const privacyField = field('WHOIS privacy, per year', privacyInput,
    'Charged when a customer turns privacy on (refunded if the registrar refuses). Blank: free.');

  const winInputs = new Map();
  const windows = h('fieldset', { class: 'form-group' }, h('legend', {}, 'Asynchronous windows (blank: the connection\'s)'),
    h('div', { class: 'form-grid' }, WINDOWS.map(([key, label, unit]) => {
      const o = tld && tld.overrides ? tld.overrides[key] : null;
      const d = durationInput({ name: key, seconds: o, label, unit,
        placeholder: tld ? durationText(tld[key]) : '' });
      d.number.id = `tld-${key}`;
      winInputs.set(key, d);
      return h('div', { class: 'field' }, h('label', { for: d.number.id }, label), d.el,
        tld ? h('p', { class: 'hint' }, o === null || o === undefined ? `Blank: the connection's ${durationText(tld[key])}.` : 'Overrides the connection; blank to use the connection\'s window.') : null);
    })));

  // after expiry: days (blank: the TLD's default, docs/expiry.md) and fees
  // (blank: none)
  const ex = tld && tld.expiry ? tld.expiry : null;
  const ov = tld && tld.overrides ? tld.overrides : {};
  const dayInputs = EXPIRY_DAYS.map(([key, label]) => {
    const el = input({ name: key, id: `tld-${key}`, inputmode: 'numeric', class: 'days-input',
      placeholder: ex ? `${ex[key]} (default)` : 'default' });
    el.value = ov[key] === null || ov[key] === undefined ? '' : String(ov[key]);
    return [key, label, el];
  });
  const graceFee = input({ name: 'grace_fee', id: 'tld-grace_fee', inputmode: 'decimal', class: 'price-input', placeholder: 'none' });
  graceFee.value = ex && ex.grace_fee ? moneyInput(ex.grace_fee) : '';
  const restoreFee = input({ name: 'restore_fee', id: 'tld-restore_fee', inputmode: 'decimal', class: 'price-input', placeholder: 'not offered' });
  restoreFee.value = ex && ex.restore_fee !== null && ex.restore_fee !== undefined ? moneyInput(ex.restore_fee) : '';
  const expiry = h('fieldset', { class: 'form-group expiry-group' }, h('legend', {}, 'After expiry'),
    h('p', { class: 'hint' }, 'How long an expired domain can still be renewed (grace) or restored (redemption) before the registry deletes it, and what that costs on top of the renewal. Blank days: the TLD\'s usual rule.'),
    h('div', { class: 'form-grid' },
      dayInputs.map(([, label, el]) => field(label, el)),
      field('Grace fee (on top of the renewal)', graceFee, 'Blank: none.'),
      field('Restore fee', restoreFee, 'Blank: restores are not offered.')));

  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  if (flash) {
    add(status, notice(flash, 'ok'));
    flash = null;
  }
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, tld ? 'Save prices' : 'Add TLD');
  const actions = [save];
  if (tld) {
    actions.push(button('Remove TLD', { class: 'btn btn-danger-quiet' }, async () => {
      if (!await confirmDialog({ title: `Remove .${tld.tld}?`, danger: true, confirm: 'Remove',
        body: 'Customers can no longer order it. A TLD with live domains cannot be removed.' })) return;
      try {
        await del(`/api/v1/tlds/${encodeURIComponent(tld.tld)}`);
        location.hash = '#/tlds';
      } catch (e) {
        fill(status, errorBox(e));
      }
    }));
  }
  actions.push(h('a', { class: 'btn btn-quiet-dark', href: '#/tlds' }, 'Back'));

  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      tld ? h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'TLD'), h('strong', { class: 'tld-name' }, `.${tld.tld}`))
        : field('TLD', nameInput, 'Without the leading dot, e.g. com or co.uk.'),
      field('Served by connection', connSel)),
    terms, h('div', { class: 'table-wrap' }, grid), privacyField, windows, expiry, status,
    h('div', { class: 'form-actions' }, actions));
  fill(slot, form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = { connection_id: Number(connSel.value) };
    body.terms = termBoxes.filter((b) => b.checked).map((b) => Number(b.value));
    if (!body.terms.length) {
      add(status, errorBox('Choose at least one term.'));
      return;
    }
    const prices = {};
    for (const [key, { el, old }] of cells) {
      const [op, n] = key.split(':');
      const t = el.value.trim();
      el.removeAttribute('aria-invalid');
      let v = null;
      if (t !== '') {
        v = parseMoney(t);
        if (v === null) {
          el.setAttribute('aria-invalid', 'true');
          el.focus();
          add(status, errorBox(`${el.getAttribute('aria-label')}: "${t}" is not an amount (e.g. 12.99).`));
          return;
        }
      }
      if (v === null && old === undefined) continue;
      if (v === old) continue;
      (prices[op] = prices[op] || {})[n] = v;
    }
    {
      const t = privacyInput.value.trim();
      privacyInput.removeAttribute('aria-invalid');
      const v = t === '' ? null : parseMoney(t);
      if (t !== '' && v === null) {
        privacyInput.setAttribute('aria-invalid', 'true');
        privacyInput.focus();
        add(status, errorBox(`WHOIS privacy price: "${t}" is not an amount (e.g. 4.99).`));
        return;
      }
      if (!(v === null && oldPrivacy === undefined) && v !== oldPrivacy) prices.privacy = { 1: v };
    }
    if (Object.keys(prices).length) body.prices = prices;
    for (const [key, d] of winInputs) {
      const s = d.seconds();
      if (Number.isNaN(s)) {
        d.number.focus();
        add(status, errorBox(`${WINDOWS.find((w) => w[0] === key)[1]}: a number of minutes, hours or days is expected.`));
        return;
      }
      const v = s === undefined ? null : s;
      const old = tld && tld.overrides ? tld.overrides[key] : null;
      if (v !== old) body[key] = v;
    }
    const exBody = {};
    for (const [key, label, el] of dayInputs) {
      const t = el.value.trim();
      el.removeAttribute('aria-invalid');
      const v = t === '' ? null : Number(t);
      if (v !== null && !(Number.isInteger(v) && v >= 0 && v <= 365)) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        add(status, errorBox(`${label}: a whole number of days from 0 to 365.`));
        return;
      }
      if (v !== (ov[key] === undefined ? null : ov[key])) exBody[key] = v;
    }
    for (const [key, label, el, old] of [['grace_fee', 'Grace fee', graceFee, ex && ex.grace_fee ? ex.grace_fee : null],
      ['restore_fee', 'Restore fee', restoreFee, ex && ex.restore_fee !== undefined ? ex.restore_fee : null]]) {
      const t = el.value.trim();
      el.removeAttribute('aria-invalid');
      const v = t === '' ? null : parseMoney(t);
      if (t !== '' && v === null) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        add(status, errorBox(`${label}: "${t}" is not an amount (e.g. 80.00).`));
        return;
      }
      if (v !== old) exBody[key] = v;
    }
    if (Object.keys(exBody).length) body.expiry = exBody;
    const tname = tld ? tld.tld : nameInput.value.trim().replace(/^\./, '').toLowerCase();
    if (!tname) {
      nameInput.focus();
      add(status, errorBox('Enter the TLD.'));
      return;
    }
    await busy(save, 'Saving…', async () => {
      try {
        const saved = await put(`/api/v1/tlds/${encodeURIComponent(tname)}`, body);
        flash = `.${saved.tld} saved: served by ${saved.connection}.`;
        if (tld) {
          fill(main, h('h1', { class: 'page-title' }, 'TLDs and Prices'));
          renderForm(main, saved.tld);
        } else {
          location.hash = `#/tlds/${encodeURIComponent(saved.tld)}`;
        }
      } catch (e) {
        add(status, errorBox(e));
      }
    });
  });
}
