// admin-late.js - what happens after a refund the registrar did not
// confirm (design rule 9, core/watch.h), for administrators only:
//
// - Late Completions: orders the registrar completed after the customer
//   was refunded (GET /api/v1/operations?late=1). The provider holds the
//   domain (account provider:held) until the admin decides, per row and
//   behind a confirmation: assign (the customer gets it and pays again),
//   revoke (deleted at the registry), let expire (auto-renew off at the
//   registrar), or for a renewal absorb (the provider bears the cost).
//   Below, the orders still watched (?watch=watching), read-only.
// - Reconcile: the exposure report (GET /api/v1/reconcile): what the
//   registrar charged for orders the customers were refunded, with totals
//   and a since-date filter.

import { get, post } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, when, day, timeCell, loading, errorBox, notice, table, button, busy, confirmDialog,
  toolbar, opLabel, years, input, field, badge, qs,
} from './ui.js';
import { stopAnswer } from './admin-async.js';

const HELD = 'provider:held';

function costText(op) {
  return op.registrar_cost === null || op.registrar_cost === undefined
    ? 'an unknown amount' : money(op.registrar_cost);
}

// DECISIONS - each decision's button, dialog and result. The dialog says
// what happens to the customer, the registrar and the provider's money.
const DECISIONS = {
  assign: {
    label: 'Assign',
    title: (op) => `Give ${op.domain} to ${op.account}?`,
    body: (op) => [
      op.kind === 'renew'
        ? `The renewal counts as ordered: ${op.account} is charged ${money(op.amount)} again and keeps the domain with the expiry the registrar set.`
        : `${op.domain} moves from the provider's held account to ${op.account}, who is charged ${money(op.amount)} again and gets an email about it.`,
      `regman refuses if ${op.account}'s balance is too low; nothing changes then.`,
    ],
    confirm: (op) => `Charge ${money(op.amount)} and assign`,
    done: (op) => `${op.domain} assigned to ${op.account}, charged ${money(op.amount)}.`,
  },
  revoke: {
    label: 'Revoke',
    danger: true,
    title: (op) => `Revoke ${op.domain} at the registrar?`,
    body: (op) => [
      `regman asks the registrar to revoke ${op.domain}: the registry deletes the domain and nobody owns it any more. Nobody is charged.`,
      `What the registrar charged (${costText(op)}) stays in the exposure report. This cannot be undone.`,
    ],
    confirm: () => 'Revoke at the registrar',
    done: (op, r) => `${op.domain} revoked at the registrar${r.registrar_answer ? ` (${r.registrar_answer})` : ''}.`,
  },
  expire: {
    label: 'Let expire',
    title: (op) => `Let ${op.domain} expire?`,
    body: (op) => [
      `regman turns auto-renew off at the registrar. The provider keeps ${op.domain} in its held account until it expires; nobody is charged.`,
      `What the registrar charged (${costText(op)}) stays in the exposure report.`,
    ],
    confirm: () => 'Turn auto-renew off',
    done: (op) => `${op.domain} will expire: auto-renew is off at the registrar.`,
  },
  absorb: {
    label: 'Absorb',
    title: (op) => `Absorb the renewal of ${op.domain}?`,
    body: (op) => [
      `${op.account} keeps the domain with the expiry the registrar set, at no charge.`,
      `The provider bears what the registrar charged (${costText(op)}); it stays in the exposure report.`,
    ],
    confirm: () => 'Absorb the cost',
    done: (op) => `The renewal of ${op.domain} is absorbed.`,
  },
};

function decisionsFor(op) {
  return op.kind === 'renew' ? ['assign', 'absorb'] : ['assign', 'revoke', 'expire'];
}

function domainCell(op) {
  return h('div', { class: 'op-cell' },
    h('a', { href: `#/domains/${encodeURIComponent(op.domain)}` }, op.unicode_name || op.domain), h('br'),
    h('span', { class: 'muted' }, `${opLabel(op.kind)} ${years(op.term)} · #${op.id}`));
}

function customerCell(op) {
  return h('div', {}, h('a', { class: 'nowrap', href: `#/accounts/${op.account_id}` }, op.account), h('br'),
    h('span', { class: 'muted nowrap' }, `refunded ${money(op.amount)}`));
}

export function renderLate(main) {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const updated = h('span', { class: 'muted' });
  const refresh = button('Refresh', {}, () => load());
  const lateBody = h('div', { id: 'late-list' });
  const watchBody = h('div', { id: 'watch-list' });
  add(main,
    h('p', { class: 'lead' },
      'When you cancel an operation, or it runs out of time, the customer is refunded even if the registrar does not confirm the stop. ',
      'regman then keeps watching the order. If the registrar completes it anyway, it is a late completion: the domain is held in the provider\'s own account (',
      h('code', {}, HELD), ') until you decide what happens to it.'),
    toolbar(refresh, h('a', { href: '#/reconcile' }, 'Exposure report'), updated),
    status,
    h('h2', { class: 'section-title' }, 'Awaiting your decision'), lateBody,
    h('h2', { class: 'section-title' }, 'Still watched'),
    h('p', { class: 'muted' }, 'Refunded orders the registrar did not confirm as stopped. regman checks them regularly until the registrar\'s order ends (once a day after a month without news); nothing is needed from you unless one completes.'),
    watchBody);

  async function decide(kind, op, btn) {
    const d = DECISIONS[kind];
    const ok = await confirmDialog({ title: d.title(op), body: d.body(op), confirm: d.confirm(op), danger: d.danger });
    if (!ok) return;
    await busy(btn, `${d.label}…`, async () => {
      clear(status);
      try {
        const r = await post(`/api/v1/operations/${op.id}/late`, { action: kind });
        add(status, notice(d.done(op, r), 'ok'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
    load();
  }

  async function load() {
    if (!lateBody.firstChild) loading(lateBody);
    if (!watchBody.firstChild) loading(watchBody);
    let late;
    let watching;
    try {
      [late, watching] = await Promise.all([
        get('/api/v1/operations?late=1&limit=200'),
        get('/api/v1/operations?watch=watching&limit=200'),
      ]);
    } catch (e) {
      fill(lateBody, errorBox(e));
      clear(watchBody);
      return;
    }
    updated.textContent = `Updated ${when(Math.floor(Date.now() / 1000))}`;
    fill(lateBody, h('div', { class: 'tight-table' }, table([
      { title: 'Domain', cell: domainCell },
      { title: 'Customer', cell: customerCell },
      { title: 'Completed', cell: (op) => timeCell(op.late_at) },
      { title: 'Registrar cost', num: true, cell: (op) => money(op.registrar_cost) },
      { title: 'Stop answer', cell: (op) => h('span', { class: 'answer' }, stopAnswer(op.stop_answer) || '—') },
      { title: 'Decide', cell: (op) => h('div', { class: 'row-actions' }, decisionsFor(op).map((k) => {
        const d = DECISIONS[k];
        const b = button(d.label, {
          class: `btn btn-small${d.danger ? ' btn-danger-quiet' : ''}`,
          'aria-label': `${d.label} ${op.domain}`, 'data-action': k,
        }, () => decide(k, op, b));
        return b;
      })) },
    ], late.items, {
      caption: 'Late completions awaiting a decision',
      empty: 'No late completion awaits a decision.',
      rowAttrs: (op) => ({ 'data-op': op.id, 'data-domain': op.domain }),
    })));
    fill(watchBody, h('div', { class: 'tight-table' }, table([
      { title: 'Domain', cell: domainCell },
      { title: 'Customer', cell: customerCell },
      { title: 'Ended here', cell: (op) => h('span', {}, badge(op.state), ' ', timeCell(op.finished_at)) },
      { title: 'Stop answer', cell: (op) => h('span', { class: 'answer' }, stopAnswer(op.stop_answer) || 'no answer') },
      { title: 'Next check', cell: (op) => timeCell(op.watch_next_at) },
      { title: 'At risk', num: true, cell: (op) => money(op.registrar_cost) },
    ], watching.items, {
      caption: 'Watched orders',
      empty: 'No order is being watched.',
      rowAttrs: (op) => ({ 'data-op': op.id, 'data-domain': op.domain }),
    })));
  }
  load();
}

const WATCH_TEXT = {
  watching: 'watched', late: 'late, undecided', assigned: 'assigned', revoked: 'revoked',
  expiring: 'letting expire', absorbed: 'absorbed',
};

export function renderReconcile(main) {
  const since = input({ type: 'date', name: 'since' });
  const form = h('form', { class: 'filter-form reconcile-filter', 'aria-label': 'Filter the report' },
    field('Ended on or after', since, 'Empty: all time.'),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Show'),
      h('a', { class: 'btn', href: '#/late' }, 'Late completions')));
  const body = h('div', {});
  add(main,
    h('p', { class: 'lead' },
      'Orders refunded to the customer that the registrar completed, or may still complete. ',
      'Exposure is what the registrar charged and nobody paid back; at risk is what a still-watched order would cost if it completes.'),
    form, body);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });

  async function load() {
    loading(body);
    let rep;
    try {
      rep = await get(`/api/v1/reconcile${qs({ since: since.value })}`);
    } catch (e) {
      fill(body, errorBox(e));
      return;
    }
    const tiles = h('div', { class: 'tiles' },
      h('div', { class: 'tile', id: 'total-exposure' }, h('span', { class: 'tile-label' }, 'Exposure'),
        h('span', { class: 'tile-value' }, money(rep.total_exposure)), h('span', { class: 'tile-note' }, 'paid at the registrar, not recovered')),
      h('div', { class: 'tile', id: 'total-at-risk' }, h('span', { class: 'tile-label' }, 'At risk'),
        h('span', { class: 'tile-value' }, money(rep.total_at_risk)), h('span', { class: 'tile-note' }, 'if the watched orders complete')),
      h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Operations'),
        h('span', { class: 'tile-value' }, String(rep.count)),
        h('span', { class: 'tile-note' }, since.value ? `ended since ${since.value}` : 'all time')));
    const unknown = rep.unknown_cost
      ? notice(`The registrar's cost of ${rep.unknown_cost} operation${rep.unknown_cost === 1 ? ' is' : 's are'} unknown and counted as zero in the totals.`, 'warn')
      : null;
    fill(body, tiles, unknown, h('div', { class: 'tight-table' }, table([
      { title: 'Domain', cell: (o) => h('div', { class: 'op-cell' },
        h('a', { href: `#/domains/${encodeURIComponent(o.domain)}` }, o.domain), h('br'),
        h('span', { class: 'muted' }, `${opLabel(o.kind)} · #${o.id}`)) },
      { title: 'Customer', cell: (o) => h('span', { class: 'nowrap' }, o.account) },
      { title: 'Ended', cell: (o) => h('span', {}, badge(o.state), ' ', day(o.finished_at)) },
      { title: 'Now', cell: (o) => (o.watch === 'late'
        ? h('a', { class: 'nowrap', href: '#/late' }, WATCH_TEXT.late)
        : h('span', { class: 'nowrap' }, WATCH_TEXT[o.watch] || o.watch)) },
      { title: 'Refunded', num: true, cell: (o) => money(o.refunded) },
      { title: 'Registrar cost', num: true, cell: (o) => money(o.registrar_cost) },
      { title: 'Exposure', num: true, cell: (o) => money(o.exposure) },
      { title: 'At risk', num: true, cell: (o) => money(o.at_risk) },
    ], rep.operations, {
      caption: 'Refunded operations the registrar completed or may complete',
      empty: since.value ? `Nothing since ${since.value}.` : 'Nothing to reconcile: every refund was confirmed by the registrar.',
      rowAttrs: (o) => ({ 'data-op': o.id, 'data-domain': o.domain }),
    })));
  }
  load();
}
