// admin-import-prices.js - "Import prices from the registrar" on a
// registrar connection's page: the registrar's prices (GET_PRICE) of the
// connection's TLDs (or of those named) read as costs, and the prices the
// rule proposes (cost + markup % + an amount, rounded up to the cents
// given, e.g. .99), first as a preview that changes nothing (POST
// /api/v1/connections/{id}/import-prices with apply false), then, with
// "Apply these prices", the same request with apply true: the proposals
// that differ become the TLD prices, all or none (docs/api.md).

import { post } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, parseMoney, when, loading, errorBox, notice, table, field, input, busy, badge, opLabel, years, sentence,
} from './ui.js';

function amount(m) {
  return m === null || m === undefined ? h('span', { class: 'muted' }, '—') : money(m);
}

function change(row) {
  if (row.status !== 'read' || row.proposed === null || row.proposed === undefined) return h('span', { class: 'muted' }, '—');
  if (!row.changed) return h('span', { class: 'muted nowrap' }, 'no change');
  if (row.old === null || row.old === undefined) return h('strong', {}, 'new price');
  const d = row.proposed - row.old;
  return h('strong', { class: d < 0 ? 'neg' : null }, `${d < 0 ? '−' : '+'}${money(Math.abs(d))}`);
}

// resultTable - one row per TLD, operation and term: the registrar's cost,
// the price now, the proposal and the difference.
function resultTable(res, applied) {
  return table([
    { title: 'TLD', cell: (r) => `.${r.tld}` },
    { title: 'Operation', cell: (r) => opLabel(r.operation) },
    { title: 'Term', cell: (r) => years(r.term) },
    { title: 'Status', cell: (r) => badge(r.status) },
    { title: 'Registrar cost', num: true, cell: (r) => amount(r.cost) },
    { title: applied ? 'Price before' : 'Current price', num: true, cell: (r) => amount(r.old) },
    { title: applied ? 'Price now' : 'Proposed price', num: true, cell: (r) => amount(r.proposed) },
    { title: 'Change', num: true, cell: change },
    // the notes say why an item was skipped: a column only when there are some
    res.rows.some((r) => r.note) ? { title: 'Note', cell: (r) => (r.note ? h('span', { class: 'muted' }, r.note) : '') } : null,
  ].filter(Boolean), res.rows, {
    caption: applied ? 'Prices applied from the registrar' : 'Prices proposed from the registrar\'s costs',
    empty: 'The registrar answered no prices for these TLDs.',
    rowAttrs: (r) => ({ class: r.changed ? 'import-row import-changed' : 'import-row', 'data-item': `${r.tld}:${r.operation}:${r.term}`,
      'data-status': r.status, 'data-changed': r.changed ? '1' : '0' }),
  });
}

function summary(res) {
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  const read = `${n(res.read, 'price', 'prices')} read from ${res.connection || 'the registrar'} ${res.read_at ? when(res.read_at) : ''}`.trim();
  const skipped = res.skipped ? `; ${n(res.skipped, 'item', 'items')} skipped (premium or refused, see the notes)` : '';
  return res.applied
    ? `Applied: ${n(res.changed, 'price', 'prices')} changed. ${read}${skipped}.`
    : `Preview, nothing changed yet: ${n(res.changed, 'price', 'prices')} would change. ${read}${skipped}.`;
}

export function importPricesCard(conn) {
  const tlds = input({ name: 'tlds', id: 'import-tlds', autocomplete: 'off', spellcheck: 'false', placeholder: 'every TLD of this connection' });
  const markup = input({ name: 'markup_pct', id: 'import-markup', inputmode: 'decimal', autocomplete: 'off', class: 'price-input', placeholder: '0' });
  const plus = input({ name: 'add', id: 'import-add', inputmode: 'decimal', autocomplete: 'off', class: 'price-input', placeholder: '0.00' });
  const round = input({ name: 'round', id: 'import-round', autocomplete: 'off', class: 'price-input', placeholder: 'none', maxlength: 3 });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite', id: 'import-status' });
  const result = h('div', { id: 'import-result' });
  const preview = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Preview prices');
  const controls = { tlds, markup_pct: markup, add: plus, round };
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Import prices from the registrar' },
    h('p', { class: 'muted' }, 'Reads what the registrar charges (its cost to you) for registration and renewal in every term the TLD offers and for a one-year transfer, and proposes your prices from it. The preview changes nothing; you apply it after checking.'),
    h('div', { class: 'form-grid' },
      field('TLDs', tlds, `Blank: all ${conn.tlds} TLD(s) of this connection; or some, e.g. .com .net`),
      field('Markup (%)', markup, 'Added to the cost, e.g. 30 or 12.5. Blank: none.'),
      field('Add an amount', plus, 'Added after the markup, e.g. 0.50. Blank: none.'),
      field('Round up to cents', round, 'E.g. .99: 11.05 becomes 11.99. Blank: to the cent.')),
    status, h('div', { class: 'form-actions' }, preview));

  let previewed = null; // the body of the preview on show
  const stale = () => {
    if (!previewed) return;
    previewed = null;
    fill(result, notice('The rule changed: preview again before applying.', 'info'));
  };
  for (const el of Object.values(controls)) el.addEventListener('input', stale);

  function invalid(key, msg) {
    const el = key && controls[key];
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
    }
    add(status, errorBox(msg));
  }

  // body - the request from the form, or null (the error shown)
  function body() {
    for (const el of Object.values(controls)) el.removeAttribute('aria-invalid');
    const b = { apply: false };
    const list = tlds.value.split(/[\s,]+/).filter(Boolean).map((t) => (t.startsWith('.') ? t : `.${t}`).toLowerCase());
    if (list.length) b.tlds = list;
    const m = markup.value.trim().replace(/%$/, '');
    if (m) {
      if (!/^\d{1,4}(\.\d{1,2})?$/.test(m) || Number(m) > 1000) return invalid('markup_pct', 'Markup: a percentage from 0 to 1000, e.g. 30 or 12.5.');
      b.markup_pct = m;
    }
    if (plus.value.trim()) {
      const v = parseMoney(plus.value);
      if (v === null) return invalid('add', 'Add an amount: e.g. 0.50.');
      b.add = v;
    }
    const r = round.value.trim();
    if (r) {
      if (!/^\.?\d{2}$/.test(r)) return invalid('round', 'Round up to cents: two digits such as .99 or .95.');
      b.round = r.startsWith('.') ? r : `.${r}`;
    }
    return b;
  }

  async function run(btn, b, label) {
    clear(status);
    loading(result, b.apply ? 'Applying the prices…' : 'Asking the registrar for its prices…');
    await busy(btn, label, async () => {
      try {
        const res = await post(`/api/v1/connections/${conn.id}/import-prices`, b);
        show(res, b);
      } catch (e) {
        clear(result);
        previewed = null;
        if (e.status === 502) {
          add(status, h('div', { class: 'form-error', role: 'alert' },
            h('strong', {}, 'The registrar did not answer; no price was changed.'), ' ', sentence(e.message)));
        } else {
          invalid(e.field === 'markup_pct' || e.field === 'add' || e.field === 'round' || e.field === 'tlds' ? e.field : null, e.message);
        }
      }
    });
  }

  function show(res, b) {
    const kind = res.applied ? 'ok' : 'info';
    if (res.applied || !res.changed) {
      previewed = null;
      fill(result, notice(res.applied || res.rows.length ? summary(res) : 'The registrar answered no prices.', kind),
        res.applied ? null : h('p', { class: 'muted' }, 'Every price already matches the proposal: nothing to apply.'),
        resultTable(res, res.applied));
      return;
    }
    previewed = b;
    const apply = h('button', { type: 'button', class: 'btn btn-primary', id: 'import-apply' }, `Apply these prices (${res.changed})`);
    apply.addEventListener('click', () => {
      if (!previewed) return;
      run(apply, Object.assign({}, previewed, { apply: true }), 'Applying…');
    });
    fill(result, notice(summary(res), kind), resultTable(res, false),
      h('div', { class: 'form-actions' }, apply,
        h('span', { class: 'muted' }, 'Sets the changed prices as the TLD prices your customers pay, all at once.')));
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(status);
    const b = body();
    if (b) run(preview, b, 'Reading…');
  });
  return h('section', { class: 'card import-prices', id: 'import-prices' }, h('h2', { class: 'card-title' }, 'Import prices from the registrar'), form, result);
}

