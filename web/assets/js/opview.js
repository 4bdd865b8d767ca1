// opview.js - how an operation is shown in both panels: its timeline
// (created, sent, checks, finished) and, while the registrar has not
// confirmed it, an honest statement of what that means for the money.

import { h } from './dom.js';
import { money, when, relative, badge, opLabel, years, duration, every, sentence } from './ui.js';

// pendingText - what a pending operation means, in plain words.
export function pendingText(op) {
  const what = { register: 'registration', renew: 'renewal', transfer: 'transfer', privacy: 'WHOIS privacy', restore: 'restore' }[op.kind] || 'operation';
  const next = op.next_check_at ? ` The next check is ${relative(op.next_check_at)} (${when(op.next_check_at)}).` : '';
  const wait = op.kind === 'transfer'
    ? 'Transfers take several days: the current registrar and the owner have to approve it.'
    : op.kind === 'privacy'
      ? `The registrar's answer was lost; it is never asked twice — we read the privacy setting there ${every(op.check_interval_s)} until it tells.`
      : `Waiting for the registry — we check ${every(op.check_interval_s)} until it answers.`;
  return `${wait}${next} You have been charged ${money(op.amount)}; if the ${what} fails you are refunded in full.`;
}

export function pendingNotice(op) {
  return h('div', { class: 'notice notice-wait', role: 'status' },
    h('strong', {}, `${opLabel(op.kind)} of ${op.unicode_name || op.domain} is pending. `), pendingText(op));
}

// outcomeNotice - the answer of register / renew / transfer (201 or 202).
export function outcomeNotice(out) {
  const op = out.operation;
  const name = op.unicode_name || op.domain;
  if (out.state === 'succeeded') {
    return h('div', { class: 'notice notice-ok', role: 'status' },
      h('strong', {}, `${opLabel(op.kind)} of ${name} completed. `),
      `Charged ${money(out.amount)}.${out.expires_at ? ` It now expires on ${when(out.expires_at)}.` : ''}`);
  }
  if (out.state === 'pending') return pendingNotice(op);
  // a customer reads the plain reason; an admin the registrar's own
  const why = op.customer_reason !== undefined && !('watch' in op) ? sentence(op.customer_reason) : (out.reason || '');
  return h('div', { class: 'notice notice-bad', role: 'alert' },
    h('strong', {}, `${opLabel(op.kind)} of ${name} ${out.state.replace('_', ' ')}. `),
    `${why}${out.refunded ? ` The ${money(out.amount)} charged has been refunded.` : ''}`);
}

// timeline - operations oldest first as a list of steps.
export function timeline(ops, { admin = false } = {}) {
  if (!ops || !ops.length) return h('p', { class: 'muted' }, 'No operations yet.');
  return h('ol', { class: 'timeline' }, ops.map((op) => {
    const steps = [
      ['Ordered', when(op.created_at)],
      op.sent_at ? ['Sent to the registrar', when(op.sent_at)] : null,
      op.checks ? ['Checks', `${op.checks}, last ${when(op.last_check_at)}`] : null,
      op.state === 'pending' && op.next_check_at ? ['Next check', `${when(op.next_check_at)} (${relative(op.next_check_at)})`] : null,
      op.state === 'pending' && op.deadline_at ? ['Deadline', `${when(op.deadline_at)} (${relative(op.deadline_at)})`] : null,
      op.finished_at ? ['Finished', `${when(op.finished_at)} after ${duration(op.finished_at - op.created_at)}`] : null,
      admin && op.last_answer ? ['Last registrar answer', op.last_answer] : null,
      admin && op.order_id ? ['Registrar order', op.order_id] : null,
      op.transfer_status ? ['Transfer status', op.transfer_status] : null,
    ].filter(Boolean);
    return h('li', { class: `timeline-item timeline-${op.state}` },
      h('div', { class: 'timeline-head' },
        h('strong', {}, `${opLabel(op.kind)}, ${years(op.term)}`), badge(op.state),
        h('span', { class: 'muted' }, `#${op.id} · ${money(op.amount)}${['failed', 'timed_out', 'cancelled'].includes(op.state) ? ' (refunded)' : ''}`)),
      op.state === 'pending' && !admin ? h('p', { class: 'timeline-note' }, pendingText(op)) : null,
      admin && op.pending_reason && op.state !== 'succeeded'
        ? h('p', { class: 'timeline-note' }, op.pending_reason) : null,
      !admin && op.customer_reason ? h('p', { class: 'timeline-note' }, sentence(op.customer_reason)) : null,
      h('dl', { class: 'facts facts-compact' }, steps.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }));
}
