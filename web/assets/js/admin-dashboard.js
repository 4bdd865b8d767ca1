// admin-dashboard.js - the provider's overview: a warning when late
// completions await a decision, figures now, operations per day, pending
// operations by age, revenue and refunds per day, revenue, registrar cost
// and margin per day and per TLD, and each registrar connection's balance
// (GET /api/v1/stats, the pending and late lists and each connection's
// balance, which the server asks for at most once a minute). A succeeded
// operation whose registrar cost is not known adds nothing to the cost:
// the margin shown is then an upper bound, and the page says so.

import { get } from './api.js';
import { h, add, fill } from './dom.js';
import { barChart, hbarChart } from './chart.js';
import { money, duration, loading, errorBox, card, select, toolbar, button, now, table } from './ui.js';
import { lateNotice } from './admin-async.js';

function dayLabel(d) {
  const date = new Date(d * 86400 * 1000);
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}`;
}

function tile(label, value, note, href) {
  const body = [h('span', { class: 'tile-label' }, label), h('span', { class: 'tile-value' }, value),
    note ? h('span', { class: 'tile-note' }, note) : null];
  return href ? h('a', { class: 'tile', href }, body) : h('div', { class: 'tile' }, body);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// marginText - the margin, marked as an upper bound when some cost is
// unknown.
function marginText(m, unknown) {
  return unknown ? `≤ ${money(m)}` : money(m);
}

// unknownText - how many succeeded operations have no known cost.
function unknownText(n) {
  return n ? plural(n, 'operation') : '–';
}

// marginCharts - revenue, registrar cost and margin per day, and the
// margin of each TLD: two charts for the dashboard's grid.
function marginCharts(stats, ds, labels) {
  const perDay = barChart({
    title: 'Revenue, registrar cost and margin per day',
    labels,
    format: (v) => money(Math.round(v)),
    integer: true,
    series: [
      { name: 'Revenue', values: ds.map((d) => Math.max(0, d.revenue || 0)) },
      { name: 'Registrar cost', values: ds.map((d) => d.cost || 0) },
      { name: 'Margin', values: ds.map((d) => Math.max(0, d.margin || 0)) },
    ],
    summary: `Over ${ds.length} days: revenue ${money(stats.revenue || 0)}, registrar cost ${money(stats.cost || 0)}, margin ${money(stats.margin || 0)}.`,
  });
  const tlds = stats.tlds || [];
  const rows = tlds.map((t) => ({
    label: `.${t.tld}`,
    value: Math.max(0, t.margin),
    series: t.margin < 0 ? 4 : 2,
    note: marginText(t.margin, t.cost_unknown),
  }));
  const perTld = hbarChart({
    title: 'Margin per TLD', rows, format: money, empty: 'No orders in this period.',
    summary: rows.map((r) => `${r.label}: ${r.note}`).join('; '),
  });
  return [perDay, perTld];
}

// marginTables - the same figures as tables: per TLD, and per day (the
// days with money, newest first).
function marginTables(stats, ds, period) {
  const unknown = stats.cost_unknown || 0;
  const tlds = stats.tlds || [];
  const tldTable = table([
    { title: 'TLD', cell: (t) => `.${t.tld}` },
    { title: 'Completed', num: true, cell: (t) => String(t.succeeded) },
    { title: 'Revenue', num: true, cell: (t) => money(t.revenue) },
    // none known: say so rather than show a cost of 0
    { title: 'Registrar cost', num: true, cell: (t) => (t.succeeded && t.cost_unknown === t.succeeded ? 'unknown' : money(t.cost)) },
    { title: 'Margin', num: true, cell: (t) => marginText(t.margin, t.cost_unknown) },
    { title: 'Cost unknown', num: true, cell: (t) => unknownText(t.cost_unknown) },
  ], tlds, { caption: 'Revenue, registrar cost and margin per TLD', empty: `No orders in the last ${period} days.` });
  const moneyDays = ds.filter((d) => d.revenue || d.cost || d.cost_unknown || d.refunded).reverse();
  const dayTable = table([
    { title: 'Day', cell: (d) => dayLabel(d.day) },
    { title: 'Revenue', num: true, cell: (d) => money(d.revenue || 0) },
    { title: 'Registrar cost', num: true, cell: (d) => money(d.cost || 0) },
    { title: 'Margin', num: true, cell: (d) => marginText(d.margin || 0, d.cost_unknown) },
    { title: 'Cost unknown', num: true, cell: (d) => unknownText(d.cost_unknown || 0) },
  ], moneyDays, { caption: 'Revenue, registrar cost and margin per day', empty: `No revenue or cost in the last ${period} days.` });
  const note = unknown
    ? h('p', { class: 'muted', id: 'margin-unknown' },
      `The registrar cost of ${plural(unknown, 'completed operation')} is not known and is not counted: a margin marked ≤ is at most that.`)
    : null;
  return h('div', { class: 'margins' },
    card(`Revenue, registrar cost and margin per TLD (${period} days)`, note, tldTable),
    card(`Revenue, registrar cost and margin per day (${period} days)`, dayTable));
}

const AGE_BUCKETS = [
  ['< 1 hour', 3600], ['1–6 hours', 6 * 3600], ['6–24 hours', 86400], ['1–3 days', 3 * 86400], ['> 3 days', Infinity],
];

export function renderDashboard(main) {
  const days = select([['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days']], '30',
    { id: 'dash-days', 'aria-label': 'Period' });
  const refresh = button('Refresh', {}, () => load());
  const body = h('div', { class: 'dashboard' });
  add(main, toolbar(h('label', { for: 'dash-days', class: 'sr-only' }, 'Period'), days, refresh), body);
  days.addEventListener('change', () => load());

  async function load() {
    loading(body, 'Loading figures…');
    let stats;
    let pending;
    let conns;
    let late;
    try {
      [stats, pending, conns, late] = await Promise.all([
        get(`/api/v1/stats?days=${days.value}`),
        get('/api/v1/operations?state=pending&limit=500'),
        get('/api/v1/connections?limit=20'),
        get('/api/v1/operations?late=1&limit=100'),
      ]);
    } catch (e) {
      fill(body, errorBox(e));
      return;
    }
    const ds = stats.days || [];
    const labels = ds.map((d) => dayLabel(d.day));
    // what succeeded: failed and cancelled attempts are not registrations
    const count = (d, kind) => (d.ops && d.ops[kind] ? d.ops[kind].succeeded : 0);
    const sum = (kind) => ds.reduce((a, d) => a + count(d, kind), 0);
    const refundsTotal = ds.reduce((a, d) => a + (d.refunded || 0), 0);
    const refundsCount = ds.reduce((a, d) => a + (d.refunds || 0), 0);

    const tiles = h('div', { class: 'tiles' },
      tile('Pending operations', String(stats.pending),
        stats.pending ? `oldest ${duration(stats.pending_oldest_age_s)}` : 'none waiting', '#/async'),
      tile('Active domains', String(stats.active_domains), null, '#/domains'),
      tile(`Registrations (${days.value} d)`, String(sum('register')), `${sum('renew')} renewals, ${sum('transfer')} transfers completed`),
      tile(`Revenue (${days.value} d)`, money(stats.revenue || 0), `${money(stats.charged || 0)} charged, ${money(stats.refunded || 0)} refunded`),
      tile(`Refunds (${days.value} d)`, money(refundsTotal), `${refundsCount} refund${refundsCount === 1 ? '' : 's'}`),
      tile(`Margin (${days.value} d)`, marginText(stats.margin || 0, stats.cost_unknown),
        `${money(stats.cost || 0)} registrar cost${stats.cost_unknown ? `, unknown for ${plural(stats.cost_unknown, 'operation')}` : ''}`),
      tile('Customer balances', money(stats.customer_balances), null, '#/accounts'));

    const opsChart = barChart({
      title: 'Completed registrations and renewals per day',
      labels,
      integer: true,
      series: [
        { name: 'Registrations', values: ds.map((d) => count(d, 'register')) },
        { name: 'Renewals', values: ds.map((d) => count(d, 'renew')) },
        { name: 'Transfers', values: ds.map((d) => count(d, 'transfer')) },
      ],
      summary: `Over ${ds.length} days: ${sum('register')} registrations, ${sum('renew')} renewals, ${sum('transfer')} transfers.`,
    });

    const t = now();
    const buckets = AGE_BUCKETS.map(([label]) => ({ label, value: 0 }));
    for (const op of pending.items) {
      const age = op.age_s !== undefined ? op.age_s : t - op.created_at;
      const i = AGE_BUCKETS.findIndex(([, lim]) => age < lim);
      buckets[i].value++;
    }
    const pendingChart = hbarChart({
      title: `Pending operations by age (${pending.items.length}${pending.page.next_offset !== null ? '+' : ''})`,
      rows: buckets.map((b) => ({ label: b.label, value: b.value, series: 3, note: String(b.value) })),
      summary: buckets.map((b) => `${b.label}: ${b.value}`).join(', '),
    });

    const refundChart = barChart({
      title: 'Refunds per day',
      labels,
      format: (v) => money(Math.round(v)),
      integer: true, // minor units: no tick between two cents
      series: [{ name: 'Refunded', values: ds.map((d) => d.refunded || 0) }],
      palette: 3,
      summary: `Refunded ${money(refundsTotal)} in ${refundsCount} refunds over ${ds.length} days.`,
    });

    const balanceSlot = h('div', {}, h('p', { class: 'muted' }, 'Asking each registrar for its balance…'));
    fill(body, late.items.length ? lateNotice(late) : null, tiles,
      h('div', { class: 'chart-grid-2' },
        card(null, opsChart), card(null, pendingChart), card(null, refundChart),
        card(null, balanceSlot), ...marginCharts(stats, ds, labels).map((c) => card(null, c))),
      marginTables(stats, ds, days.value));

    // one GET_BALANCE per connection (reused by the server for a minute),
    // in parallel; a failure is shown as such
    const results = await Promise.all(conns.items.map((c) =>
      get(`/api/v1/connections/${c.id}/balance`).then((r) => ({ c, r }), (e) => ({ c, r: { ok: false, message: e.message } }))));
    const rows = results.map(({ c, r }) => ({
      label: c.title,
      value: r.ok ? r.balance : 0,
      series: r.ok ? 1 : 4,
      note: r.ok ? money(r.balance) : `unavailable: ${r.message || 'no answer'}`,
    }));
    fill(balanceSlot, hbarChart({
      title: 'Registrar balance', rows, format: money, empty: 'No registrar connections yet.',
      summary: rows.map((r) => `${r.label}: ${r.note}`).join('; '),
    }));
  }
  load();
}
