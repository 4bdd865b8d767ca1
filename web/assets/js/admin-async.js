// admin-async.js - the Async Manager: every pending operation with its
// age, checks, next check, deadline and the registrar's last answer, and
// per row check (poll now), reset (a new deadline from now) and cancel
// (asked of the registrar first; refund, domain removed), each behind a
// confirmation dialog. A cancel the registrar did not confirm is shown as
// a warning: the order stays watched (design rule 9, admin-late.js).
// A check or deadline already past is shown as overdue (until the next
// sweep), measured by the server's clock. Below, the operations that
// went through pending and ended in the last 7 days, with their outcome.
// Above them, each registrar connection's event stream: healthy (the
// registrar's events settle operations; per-operation checks are the
// fallback) or polling at the interval and why, with the events about
// orders or domains regman does not know.

import { get, post } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, when, duration, timeCell, loading, errorBox, notice, table, button, busy, confirmDialog,
  toolbar, opLabel, input, field, years, badge, duration as dur, now,
} from './ui.js';

// overdueCell - a time that should have come: "overdue 9m" (the
// absolute time as its title); otherwise the ordinary time cell.
// serverNow: the server's clock, so a skewed browser does not hide it.
export function overdueCell(epoch, serverNow, what = 'overdue') {
  if (epoch === null || epoch === undefined || epoch > serverNow) return timeCell(epoch);
  const late = serverNow - epoch;
  return h('span', { class: 'overdue', 'data-overdue': 'true', title: `${what} since ${when(epoch)}` },
    h('strong', {}, what), late >= 60 ? ` by ${dur(late)}` : '');
}

// outcomeNote - what an ended operation meant for the money.
function outcomeNote(op) {
  if (op.state === 'succeeded') return 'completed, charge kept';
  return op.refunded ? `${money(op.amount)} refunded` : 'not refunded';
}

const ACTIONS = {
  check: {
    label: 'Check',
    title: (op) => `Check ${op.domain} now?`,
    body: () => 'regman asks the registrar about this operation now (read-only calls). If the registrar has settled it, the operation settles here too.',
    confirm: 'Check now',
    done: (r) => `Checked ${r.operation.domain}: ${r.state}${r.operation.last_answer ? ` — ${r.operation.last_answer}` : ''}.`,
  },
  reset: {
    label: 'Reset',
    title: (op) => `Reset the waiting window of ${op.domain}?`,
    body: (op) => `The deadline (now ${when(op.deadline_at)}) starts again from now, and the next check runs soon. The customer stays charged ${money(op.amount)} while it waits.`,
    confirm: 'Reset',
    done: (r) => `Reset ${r.operation.domain}: new deadline ${when(r.operation.deadline_at)}, next check ${when(r.operation.next_check_at)}.`,
  },
  cancel: {
    label: 'Cancel',
    danger: true,
    title: (op) => `Cancel the ${opLabel(op.kind).toLowerCase()} of ${op.domain}?`,
    body: (op) => [
      'regman first asks the registrar to stop the order. If the registrar has already completed it, the operation succeeds instead and nothing is refunded.',
      `Otherwise regman removes the domain and refunds ${money(op.amount)} to ${op.account}. This cannot be undone. If the registrar does not confirm the stop, regman keeps watching the order and alerts you if it completes later.`,
    ],
    confirm: 'Cancel and refund',
    done: (r) => `Cancelled ${r.operation.domain}; ${r.refunded ? `${money(r.amount)} refunded` : 'nothing to refund'}.`,
  },
};

// stopAnswer - the registrar's answer without the command in front
// ("PROCESS_PENDING cancel: 465 Order is ..." -> "465 Order is ...").
export function stopAnswer(text) {
  return String(text || '').replace(/^[A-Z_]+(?: [a-z_]+)?: /, '').trim();
}

// cancelNotice - what a cancel did, by what the registrar said: a
// confirmed stop is a success; a refused or unanswered one a warning (the
// order is watched); an order the registrar had completed a success of
// another kind (nothing refunded).
function cancelNotice(r) {
  const op = r.operation;
  const said = stopAnswer(r.registrar_answer);
  if (r.state === 'succeeded') {
    return notice(`The registrar had already completed the ${opLabel(op.kind).toLowerCase()} of ${op.domain}, so it succeeded instead of being cancelled. Nothing was refunded.${said ? ` Registrar: ${said}.` : ''}`, 'ok');
  }
  if (op.watch === 'watching') {
    return notice([
      h('strong', {}, `Cancelled ${op.domain}, but the registrar did not confirm the cancel${said ? ` (${said})` : ''}.`),
      ` The customer was refunded ${money(r.amount)}; regman keeps watching the order and will alert you if it completes. `,
      h('a', { href: '#/late' }, 'Late completions and watched orders'),
    ], 'warn');
  }
  return notice(`${ACTIONS.cancel.done(r)}${said ? ` The registrar confirmed the cancel: ${said}.` : ''}`, 'ok');
}

// lateNotice - the warning that late completions await a decision.
export function lateNotice(late) {
  const n = late.items.length;
  const more = late.page && late.page.next_offset !== null && late.page.next_offset !== undefined ? '+' : '';
  return notice([
    h('strong', {}, `${n}${more} late completion${n === 1 && !more ? '' : 's'} await${n === 1 && !more ? 's' : ''} your decision. `),
    'The registrar completed an order after its customer was refunded; the provider holds the domain until you decide. ',
    h('a', { href: '#/late' }, 'Decide now'),
  ], 'warn');
}

export function renderAsync(main) {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const updated = h('span', { class: 'muted' });
  const refresh = button('Refresh', {}, () => load());
  const body = h('div', {});
  const lateSlot = h('div', {});
  const streamsSlot = h('div', {});
  const endedBody = h('div', {});
  add(main,
    h('p', { class: 'lead' }, 'Operations the registrar has not confirmed yet. The customer is charged while they wait; a failed, timed-out or cancelled operation is refunded.'),
    toolbar(refresh, updated), lateSlot, streamsSlot,
    h('h2', { class: 'section-title', id: 'pending-title' }, 'Pending operations'),
    status, body,
    h('h2', { class: 'section-title', id: 'recently-ended' }, 'Recently ended (7 days)'),
    h('p', { class: 'muted' }, 'Operations that waited here and have ended since: completed, failed, timed out or cancelled, with the reason.'),
    endedBody);

  async function act(kind, op, btn) {
    const a = ACTIONS[kind];
    let reason = null;
    let extra = null;
    if (kind === 'cancel') {
      reason = input({ name: 'reason', maxlength: 500, autocomplete: 'off', placeholder: 'e.g. customer asked' });
      extra = field('Reason (kept with the operation)', reason);
    }
    const ok = await confirmDialog({ title: a.title(op), body: a.body(op), confirm: a.confirm, danger: a.danger, extra });
    if (!ok) return;
    await busy(btn, `${a.label}…`, async () => {
      clear(status);
      try {
        const body = kind === 'cancel' && reason.value.trim() ? { reason: reason.value.trim() } : undefined;
        const r = await post(`/api/v1/operations/${op.id}/${kind}`, body);
        add(status, kind === 'cancel' ? cancelNotice(r)
          : notice(a.done(r), r.state === 'pending' || r.state === 'succeeded' ? 'ok' : 'info'));
      } catch (e) {
        add(status, errorBox(e));
      }
    });
    load();
  }

  async function load() {
    if (!body.firstChild) loading(body);
    try {
      const [res, late, ended, streams] = await Promise.all([
        get('/api/v1/operations?state=pending&limit=500'),
        get('/api/v1/operations?late=1&limit=100').catch(() => null),
        get('/api/v1/async/ended?days=7&limit=200').catch((e) => ({ error: e })),
        get('/api/v1/events/streams').catch((e) => ({ error: e })),
      ]);
      renderStreams(streams);
      // the server's clock: age_s is measured by it
      const first = res.items[0];
      const serverNow = first && first.age_s !== undefined ? first.created_at + first.age_s : now();
      renderEnded(ended);
      fill(lateSlot, late && late.items.length ? lateNotice(late) : null);
      updated.textContent = `Updated ${when(Math.floor(Date.now() / 1000))}`;
      fill(body, table([
        { title: 'Operation', cell: (op) => h('div', { class: 'op-cell' },
          h('a', { href: `#/domains/${encodeURIComponent(op.domain)}` }, op.unicode_name || op.domain), h('br'),
          h('span', { class: 'muted' }, `${opLabel(op.kind)} ${years(op.term)} · #${op.id} · ${op.account}`)) },
        { title: 'Charged', num: true, cell: (op) => money(op.amount) },
        { title: 'Age', cell: (op) => duration(op.age_s) },
        { title: 'Checks', cell: (op) => h('span', {}, String(op.checks),
          op.last_check_at ? h('span', { class: 'muted' }, ' · last ', timeCell(op.last_check_at)) : null) },
        { title: 'Next check', cell: (op) => overdueCell(op.next_check_at, serverNow) },
        { title: 'Deadline', cell: (op) => overdueCell(op.deadline_at, serverNow, 'passed') },
        { title: 'Last answer', cell: (op) => h('span', { class: 'answer' }, op.last_answer || op.pending_reason || '—') },
        { title: 'Actions', cell: (op) => {
          const btns = ['check', 'reset', 'cancel'].map((k) => {
            const b = button(ACTIONS[k].label, {
              class: `btn btn-small${ACTIONS[k].danger ? ' btn-danger-quiet' : ''}`,
              'aria-label': `${ACTIONS[k].label} ${op.domain}`, 'data-action': k,
            }, () => act(k, op, b));
            return b;
          });
          return h('div', { class: 'row-actions' }, btns);
        } },
      ], res.items, {
        caption: 'Pending operations',
        empty: 'Nothing is pending: the registrar has confirmed every operation.',
        rowAttrs: (op) => ({ 'data-op': op.id, 'data-domain': op.domain }),
      }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }

  function renderStreams(streams) {
    if (streams.error) {
      fill(streamsSlot, errorBox(streams.error));
      return;
    }
    const on = streams.items.filter((c) => c.events);
    // a connection whose stream was never read yet (added since the last
    // sweep) is waiting, not failing
    const down = on.filter((c) => !c.healthy && c.last_poll_at);
    fill(streamsSlot, h('section', { id: 'event-streams', 'aria-labelledby': 'streams-title' },
      h('h2', { class: 'section-title', id: 'streams-title' }, 'Registrar event streams'),
      down.length ? notice([
        h('strong', {}, `${down.length} event stream${down.length === 1 ? ' is' : 's are'} not healthy: `),
        'regman checks each pending operation of ',
        down.length === 1 ? 'that connection' : 'those connections',
        ' at its poll interval until the stream answers again.',
      ], 'warn') : null,
      table([
        { title: 'Connection', cell: (c) => h('strong', {}, c.connection) },
        { title: 'Stream', cell: (c) => (!c.events ? h('span', { class: 'muted' }, 'off')
          : c.healthy ? badge('healthy') : badge('fallback')) },
        { title: 'Why', cell: (c) => h('span', { class: 'answer' }, c.events ? c.why : 'events are off for this connection: every operation is polled') },
        { title: 'Last read', cell: (c) => timeCell(c.last_ok_at) },
        { title: 'Received', num: true, cell: (c) => String(c.received) },
        { title: 'Unknown', num: true, cell: (c) => String(c.unknown) },
      ], streams.items, {
        caption: 'Event streams by connection',
        empty: 'No registrar connection yet.',
        rowAttrs: (c) => ({ 'data-stream': c.connection, 'data-healthy': String(c.healthy) }),
      })));
  }

  function renderEnded(ended) {
    if (ended.error) {
      fill(endedBody, errorBox(ended.error));
      return;
    }
    fill(endedBody, table([
      { title: 'Operation', cell: (op) => h('div', { class: 'op-cell' },
        h('a', { href: `#/domains/${encodeURIComponent(op.domain)}` }, op.unicode_name || op.domain), h('br'),
        h('span', { class: 'muted' }, `${opLabel(op.kind)} ${years(op.term)} · #${op.id} · ${op.account}`)) },
      { title: 'Outcome', cell: (op) => h('span', {}, badge(op.state), h('br'),
        h('span', { class: 'muted' }, outcomeNote(op))) },
      { title: 'Charged', num: true, cell: (op) => money(op.amount) },
      { title: 'Ended', cell: (op) => timeCell(op.finished_at) },
      { title: 'Waited', cell: (op) => dur((op.finished_at || 0) - op.created_at) },
      { title: 'Reason', cell: (op) => h('span', { class: 'answer' },
        op.pending_reason || op.last_answer || '—',
        op.stop_answer ? h('span', { class: 'muted' }, h('br'), `Registrar's answer to the stop: ${stopAnswer(op.stop_answer)}`) : null) },
    ], ended.items, {
      caption: 'Recently ended operations',
      empty: 'No operation that waited here has ended in the last 7 days.',
      rowAttrs: (op) => ({ 'data-ended-op': op.id, 'data-ended-domain': op.domain, 'data-state': op.state }),
    }));
  }
  load();
}
