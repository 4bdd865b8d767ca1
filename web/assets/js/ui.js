// ui.js - the pieces both panels build their pages from: money and time
// formatting (integer minor units and epoch seconds, as the API sends
// them), tables, honest loading / empty / error states, status badges,
// form fields and a modal confirmation dialog.

import { h, fill } from './dom.js';

let currency = 'USD';
const symbols = { USD: '$', CAD: 'CA$', EUR: '€', GBP: '£', AUD: 'A$' };

export function setCurrency(code) {
  if (code) currency = code;
}

// money - minor units as text, by integer arithmetic only (no floats).
export function money(minor) {
  if (minor === null || minor === undefined) return '—';
  const n = Math.trunc(Number(minor));
  const neg = n < 0;
  const abs = Math.abs(n);
  const major = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  const sym = symbols[currency];
  const text = sym ? `${sym}${major}.${cents}` : `${major}.${cents} ${currency}`;
  return neg ? `−${text}` : text;
}

// parseMoney - "12", "12.5", "12.50", "1,200.00" as minor units, or null
// when the text is not an amount. Parsed as text so 0.1 + 0.2 never
// happens to anyone's balance.
export function parseMoney(text, { signed = false } = {}) {
  const t = String(text).trim().replace(/,/g, '');
  const m = /^([-+]?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m || (m[1] === '-' && !signed)) return null;
  const v = Number(m[2]) * 100 + Number((m[3] || '0').padEnd(2, '0'));
  return m[1] === '-' ? -v : v;
}

// moneyInput - minor units as the text an input shows ("12.99").
export function moneyInput(minor) {
  if (minor === null || minor === undefined) return '';
  const abs = Math.abs(minor);
  return `${minor < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

// when - epoch seconds as "2026-11-28 14:05 UTC".
export function when(epoch) {
  if (epoch === null || epoch === undefined) return '—';
  const d = new Date(epoch * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function day(epoch) {
  if (epoch === null || epoch === undefined) return '—';
  const d = new Date(epoch * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

// duration - seconds as "3d 4h", "2h 5m", "45s".
export function duration(s) {
  if (s === null || s === undefined) return '—';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${m % 60}m`;
  if (hrs >= 24 * 60) return `${Math.round(hrs / 24)} days`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

export function now() {
  return Math.floor(Date.now() / 1000);
}

// relative - "in 5m" / "3m ago" next to an absolute time.
export function relative(epoch) {
  if (epoch === null || epoch === undefined) return '—';
  const d = epoch - now();
  if (Math.abs(d) < 30) return 'now';
  return d > 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

export function timeCell(epoch) {
  if (epoch === null || epoch === undefined) return '—';
  return h('time', { datetime: new Date(epoch * 1000).toISOString(), title: when(epoch) },
    relative(epoch));
}

const tone = {
  active: 'ok', succeeded: 'ok', sent: 'ok', available: 'ok', completed: 'ok', credit: 'ok', refund: 'ok',
  pending: 'wait', registering: 'wait', transferring: 'wait', renewing: 'wait', queued: 'wait',
  sending: 'wait', new: 'wait', ready: 'info', held: 'warn', charge: 'info', adjust: 'info',
  failed: 'bad', timed_out: 'bad', cancelled: 'bad', expired: 'warn', missing: 'bad',
  redemption: 'bad', restoring: 'wait', pending_delete: 'bad', deleted: 'bad',
  taken: 'bad', transferred_away: 'bad', healthy: 'ok', fallback: 'warn',
  locked: 'ok', unlocked: 'warn', unknown: 'warn', refused: 'bad',
};

export function badge(state) {
  const text = String(state || '—').replace(/_/g, ' ');
  return h('span', { class: `badge badge-${tone[state] || 'info'}` }, text);
}

export function loading(el, what = 'Loading…') {
  fill(el, h('p', { class: 'state-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what));
}

export function errorBox(e) {
  return h('div', { class: 'form-error', role: 'alert' }, e && e.message ? e.message : String(e));
}

export function notice(text, kind = 'ok') {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'bad' || kind === 'warn' ? 'alert' : 'status' }, text);
}

// table - columns: [{title, num, cell(row) -> node|text}]; rows: array.
export function table(columns, rows, { caption, empty = 'Nothing here yet.', rowAttrs } = {}) {
  if (!rows || rows.length === 0) {
    return h('div', { class: 'card empty-state' }, h('p', {}, empty));
  }
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)));
  const body = rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
    columns.map((c) => h('td', { class: c.num ? 'num' : null, 'data-label': c.title }, c.cell(r)))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data-table' }, caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, head), h('tbody', {}, body)));
}

let fieldSeq = 0;

// field - a labelled control; returns { wrap, input }.
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const wrap = control.type === 'checkbox'
    ? h('div', { class: 'field field-check' }, control, h('label', { for: id }, label), hintEl)
    : h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
  return wrap;
}

export function input(attrs) {
  return h('input', Object.assign({ type: 'text' }, attrs));
}

export function select(options, value, attrs) {
  const el = h('select', attrs || {},
    options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value) }, text)));
  return el;
}

export function button(text, attrs, onClick) {
  const b = h('button', Object.assign({ type: 'button', class: 'btn' }, attrs || {}), text);
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

// busy - disable a button while fn runs, restoring its label after.
export async function busy(btn, label, fn) {
  const old = btn.textContent;
  btn.disabled = true;
  btn.textContent = label;
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.textContent = old;
  }
}

// confirmDialog - a modal <dialog>; resolves to true (confirmed) or
// false. `extra` is an optional node (e.g. an input) placed in the body;
// `check` returns an error text to keep the dialog open.
// `blocked: true` shows the confirm button disabled (the body says why).
export function confirmDialog({ title, body, confirm = 'Confirm', danger = false, extra = null, check = null, blocked = false }) {
  return new Promise((resolve) => {
    const titleId = `dlg${++fieldSeq}`;
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const ok = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, disabled: blocked }, confirm);
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Go back');
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h2', { id: titleId }, title),
      (Array.isArray(body) ? body : [body]).map((b) => (b instanceof Node ? b : h('p', {}, b))),
      extra, err,
      h('div', { class: 'dialog-actions' }, cancel, ok));
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
    let result = false;
    form.addEventListener('submit', (ev) => {
      if (check) {
        const msg = check();
        if (msg) {
          ev.preventDefault();
          err.textContent = msg;
          err.hidden = false;
          return;
        }
      }
      result = true;
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    (extra && extra.querySelector ? extra.querySelector('input,textarea,select') : null)?.focus();
  });
}

// pageHeader - a page's action bar under its title.
export function toolbar(...items) {
  return h('div', { class: 'toolbar' }, items);
}

// pager - "Newer / Older" for the API's keyset paging.
export function pager(page, offset, go) {
  if (!page) return null;
  const prev = offset > 0 ? button('← Newer', {}, () => go(Math.max(0, offset - page.limit))) : null;
  const next = page.next_offset !== null && page.next_offset !== undefined
    ? button('Older →', {}, () => go(page.next_offset)) : null;
  if (!prev && !next) return null;
  return h('div', { class: 'pager' }, prev, next);
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', { class: 'card-title' }, title) : null, children);
}

export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function opLabel(kind) {
  return { register: 'Registration', renew: 'Renewal', transfer: 'Transfer', privacy: 'WHOIS privacy', restore: 'Restore' }[kind] || kind;
}

// priceTerms - the terms with a price for one operation, ascending.
export function priceTerms(prices, op) {
  return Object.keys((prices && prices[op]) || {}).map(Number).sort((a, b) => a - b);
}

export function years(n) {
  return `${n}\u00a0year${n === 1 ? '' : 's'}`; // never broken across lines
}

// agreementText - a license agreement as its author wrote it: paragraphs
// at blank lines, single line breaks kept (CSS white-space), always as
// text, never as HTML.
export function agreementText(text) {
  if (!text) return [h('p', { class: 'muted' }, 'This registrar has no separate agreement.')];
  return text.replace(/\r\n?/g, '\n').trim().split(/\n{2,}/).map((p) => h('p', { class: 'agreement-para' }, p));
}

// every - a check interval in seconds as words: "every minute".
export function every(s) {
  if (!s || s <= 0) return 'regularly';
  if (s < 60) return `every ${s} seconds`;
  if (s === 60) return 'every minute';
  if (s < 3600) return `every ${Math.round(s / 60)} minutes`;
  if (s === 3600) return 'every hour';
  if (s < 86400) return `every ${Math.round(s / 3600)} hours`;
  return s === 86400 ? 'every day' : `every ${Math.round(s / 86400)} days`;
}

// sentence - a lower-case clause from the API as a sentence.
export function sentence(t) {
  if (!t) return '';
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
