// admin-bulk.js - Bulk actions: one action (renew, nameservers, lock,
// unlock, auto-renew on/off) on many domains at once - pasted names or
// every domain of an account - each domain its own operation with its own
// outcome (POST /api/v1/bulk). #/bulk/ID follows a run: a progress bar
// ("12 of 40") polled from GET /api/v1/bulk/{id} until the run is done,
// then the per-domain table and the summary.

import { get, post } from './api.js';
import { h, add, fill } from './dom.js';
import { when, loading, errorBox, table, field, select, input, button, busy, card, badge, notice } from './ui.js';

const ACTIONS = [
  ['renew', 'Renew'],
  ['ns', 'Set nameservers'],
  ['lock', 'Lock'],
  ['unlock', 'Unlock'],
  ['auto-renew-on', 'Auto-renew on'],
  ['auto-renew-off', 'Auto-renew off'],
];
const actionTitle = (a) => (ACTIONS.find(([v]) => v === a) || [a, a])[1];
const POLL_MS = 700;

// names - the pasted text as names: one per line (or separated by
// spaces or commas), '#' comments and blank lines ignored.
function names(text) {
  return text.split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .flatMap((l) => l.split(/[\s,]+/))
    .filter((n) => n !== '');
}

function summary(run) {
  return `${run.succeeded} succeeded, ${run.failed} failed, ${run.pending + run.unknown} pending/unknown`;
}

function itemsTable(run) {
  return table([
    { title: 'Domain', cell: (x) => h('a', { href: `#/domains/${encodeURIComponent(x.domain)}` }, x.domain) },
    { title: 'Outcome', cell: (x) => badge(x.state) },
    { title: 'Operation / change', cell: (x) => (x.operation ? `operation ${x.operation}` : x.change ? `change ${x.change}` : '—') },
    { title: 'Answer', cell: (x) => x.answer || '—' },
  ], run.items, { caption: 'Domains of this run', empty: 'No domains.', rowAttrs: (x) => ({ 'data-domain': x.domain, 'data-state': x.state }) });
}

// renderRun - one run, polled until done.
function renderRun(main, id) {
  const head = h('div', {});
  const bar = h('progress', { id: 'bulk-progress', class: 'bulk-progress', max: '1', value: '0', 'aria-labelledby': 'bulk-progress-label' });
  const label = h('p', { id: 'bulk-progress-label', class: 'progress-label', role: 'status', 'aria-live': 'polite' }, 'Starting…');
  const result = h('div', { class: 'bulk-result' });
  add(main, h('p', {}, h('a', { href: '#/bulk' }, '← All bulk actions')), head, card('Progress', bar, label), result);
  loading(result);

  async function poll() {
    if (!main.isConnected) return; // left the page
    let run;
    try {
      run = await get(`/api/v1/bulk/${id}`);
    } catch (e) {
      fill(result, errorBox(e));
      return;
    }
    fill(head, h('p', { class: 'lead' },
      `${actionTitle(run.action)} of ${run.total} domain${run.total === 1 ? '' : 's'}`,
      run.args && run.args.nameservers ? ` to ${run.args.nameservers.join(', ')}` : '',
      run.args && run.args.term ? ` for ${run.args.term} year${run.args.term === 1 ? '' : 's'}` : '',
      `, started ${when(run.created_at)} by ${run.actor}.`));
    bar.max = Math.max(run.total, 1);
    bar.value = run.done;
    const done = run.state === 'done';
    label.textContent = `${run.done} of ${run.total} done${done ? ` — ${summary(run)}` : ''}`;
    main.dataset.state = run.state;
    fill(result,
      done ? notice(summary(run), run.failed ? 'bad' : run.pending + run.unknown ? 'warn' : 'ok') : null,
      itemsTable(run));
    if (!done) setTimeout(poll, POLL_MS);
  }
  poll();
}

// renderStart - the form, and the runs so far.
function renderStart(main) {
  const action = select(ACTIONS, 'renew', { name: 'action', id: 'bulk-action' });
  const term = select([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((y) => [String(y), `${y} year${y === 1 ? '' : 's'}`]), '1', { name: 'term', id: 'bulk-term' });
  const ns = input({ name: 'nameservers', id: 'bulk-ns', placeholder: 'ns1.example.net, ns2.example.net', autocomplete: 'off' });
  const how = select([['names', 'Paste domain names'], ['account', 'Every domain of an account']], 'names', { name: 'selection', id: 'bulk-selection' });
  const text = h('textarea', { name: 'domains', id: 'bulk-domains', rows: '8', placeholder: 'example.com\nexample.net', spellcheck: 'false' });
  const account = select([['', 'Choose an account']], '', { name: 'account', id: 'bulk-account' });
  const tld = input({ name: 'tld', id: 'bulk-tld', placeholder: 'all TLDs', autocomplete: 'off' });
  const err = h('div', {});
  const termField = field('Term', term);
  const nsField = field('Nameservers', ns, '2 to 13 host names, separated by commas.');
  const namesField = field('Domains', text, 'One per line; lines starting with # are ignored.');
  const accountField = field('Account', account);
  const tldField = field('TLD', tld, 'Optional: only this TLD.');
  const start = button('Start', { class: 'btn btn-primary', id: 'bulk-start', type: 'submit' });
  const form = h('form', { class: 'card form', id: 'bulk-form', novalidate: true },
    h('h2', { class: 'card-title' }, 'New bulk action'),
    field('Action', action), termField, nsField, field('Domains to act on', how),
    namesField, accountField, tldField, err, start);

  function sync() {
    termField.hidden = action.value !== 'renew';
    nsField.hidden = action.value !== 'ns';
    namesField.hidden = how.value !== 'names';
    accountField.hidden = how.value !== 'account';
    tldField.hidden = how.value !== 'account';
  }
  action.addEventListener('change', sync);
  how.addEventListener('change', sync);
  sync();

  get('/api/v1/accounts?limit=500').then((as) => {
    for (const a of as.items) account.append(h('option', { value: a.name }, a.name));
  }, () => {});

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { action: action.value };
    if (action.value === 'renew') body.term = Number(term.value);
    if (action.value === 'ns') body.nameservers = ns.value.split(/[\s,]+/).filter((n) => n !== '');
    if (how.value === 'names') {
      body.domains = names(text.value);
      if (body.domains.length === 0) {
        fill(err, errorBox('Paste at least one domain name.'));
        return;
      }
    } else {
      if (!account.value) {
        fill(err, errorBox('Choose an account.'));
        return;
      }
      body.account = account.value;
      if (tld.value.trim()) body.tld = tld.value.trim();
    }
    fill(err);
    busy(start, 'Starting…', async () => {
      try {
        const run = await post('/api/v1/bulk', body);
        location.hash = `#/bulk/${run.id}`;
      } catch (e) {
        fill(err, errorBox(e));
      }
    });
  });

  const list = h('div', {});
  add(main,
    h('p', { class: 'lead' }, 'One action on many domains: each domain is its own operation with its own outcome, charged to its owner where the action costs money.'),
    form, h('h2', { class: 'section-title' }, 'Recent bulk actions'), list);
  loading(list);
  get('/api/v1/bulk?limit=50').then((res) => {
    fill(list, table([
      { title: 'Run', cell: (r) => h('a', { href: `#/bulk/${r.id}` }, `#${r.id}`) },
      { title: 'Started', cell: (r) => when(r.created_at) },
      { title: 'Action', cell: (r) => actionTitle(r.action) },
      { title: 'By', cell: (r) => r.actor },
      { title: 'State', cell: (r) => badge(r.state) },
      { title: 'Progress', cell: (r) => `${r.done} of ${r.total}` },
      { title: 'Outcome', cell: (r) => summary(r) },
    ], res.items, { caption: 'Bulk actions', empty: 'No bulk action yet.' }));
  }, (e) => fill(list, errorBox(e)));
}

export function renderBulk(main, { path }) {
  const m = /^bulk\/(\d+)$/.exec(path);
  if (m) renderRun(main, m[1]);
  else renderStart(main);
}
