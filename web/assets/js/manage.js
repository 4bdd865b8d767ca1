// manage.js - a domain's management after the sale, the same in both
// panels (a customer on its own domains, the admin on any): its
// nameservers, its registrar lock, its EPP auth code and the list of
// changes asked for. Every read asks the registrar through the API; a
// change answers succeeded (200), unknown (202: the registrar's answer
// was lost and could not be settled) or refused (409: the registrar's
// own words, naming e.g. the bad nameserver).

import { get, put, post } from './api.js';
import { h, clear, add, fill } from './dom.js';
import { when, loading, errorBox, table, field, input, button, busy, confirmDialog, card, pager, qs, badge } from './ui.js';

const NS_MIN = 2;
const NS_MAX = 13;
const CHANGES_PAGE = 20;

const KINDS = {
  nameservers: 'Nameservers', lock: 'Registrar lock', auth_code: 'New auth code', auth_code_send: 'Auth code sent by e-mail',
  host_create: 'Child nameserver added', host_modify: 'Child nameserver changed', host_delete: 'Child nameserver removed',
};

// changeNotice - what became of a change: the API's answer (200 / 202),
// or the error it threw (409 refused: the registrar's answer).
export function changeNotice(what, res, err) {
  if (err) {
    if (err.status === 409 && err.code === 'refused') {
      return h('div', { class: 'notice notice-bad change-outcome', role: 'alert', 'data-state': 'refused' },
        h('strong', {}, `${what}: refused. `), 'The registrar answered: ', h('span', { class: 'registrar-answer' }, err.message),
        h('p', { class: 'change-after' }, 'Nothing was changed.'));
    }
    return errorBox(err);
  }
  if (res && res.state === 'succeeded') {
    return h('div', { class: 'notice notice-ok change-outcome', role: 'status', 'data-state': 'succeeded' },
      h('strong', {}, `${what}: done. `), 'The registrar confirmed the change.');
  }
  return h('div', { class: 'notice notice-warn change-outcome', role: 'alert', 'data-state': 'unknown' },
    h('strong', {}, `${what}: not confirmed. `),
    'The registrar\'s answer was lost; we could not confirm the change. It is not sent again: ',
    'check what the registrar holds now (shown here) before asking again.');
}

// change - run one change; the outcome rendered into out. Resolves to the
// answer, or null when refused or failed.
async function change(what, out, fn) {
  clear(out);
  try {
    const r = await fn();
    add(out, changeNotice(what, r, null));
    return r;
  } catch (e) {
    add(out, changeNotice(what, null, e));
    return null;
  }
}

// ---- nameservers ------------------------------------------------------------

function nameserversCard(base, onChanged) {
  const current = h('div', { class: 'ns-current', 'aria-live': 'polite' });
  const rows = h('ol', { class: 'ns-rows' });
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  const addBtn = button('Add a nameserver', { class: 'btn btn-small ns-add' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save nameservers');
  const form = h('form', { class: 'form ns-form', novalidate: true, 'aria-label': 'Change the nameservers' },
    h('h3', { class: 'card-subtitle' }, 'Change them'),
    h('p', { class: 'hint' }, `From ${NS_MIN} to ${NS_MAX} host names, e.g. ns1.example.net.`),
    rows, h('div', { class: 'form-actions' }, addBtn, save), out);

  function renumber() {
    const items = [...rows.children];
    items.forEach((li, i) => {
      li.querySelector('label').textContent = `Nameserver ${i + 1}`;
      const rm = li.querySelector('.ns-remove');
      rm.setAttribute('aria-label', `Remove nameserver ${i + 1}`);
      rm.disabled = items.length <= NS_MIN;
    });
    addBtn.disabled = items.length >= NS_MAX;
  }
  function addRow(value, focus) {
    const el = input({ name: 'nameserver', maxlength: 253, autocomplete: 'off', spellcheck: 'false', class: 'ns-input', placeholder: 'ns1.example.net' });
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
  function setRows(list) {
    clear(rows);
    for (const n of list.slice(0, NS_MAX)) addRow(n, false);
    while (rows.children.length < NS_MIN) addRow('', false);
  }
  addBtn.addEventListener('click', () => addRow('', true));

  async function load(resetRows) {
    loading(current, 'Asking the registrar…');
    try {
      const r = await get(`${base}/nameservers`);
      fill(current, r.nameservers.length
        ? h('ul', { class: 'ns-list', 'aria-label': 'Nameservers now' }, r.nameservers.map((n) => h('li', {}, h('code', {}, n))))
        : h('p', { class: 'muted' }, 'The registrar holds no nameservers for this domain.'));
      if (resetRows) setRows(r.nameservers);
    } catch (e) {
      fill(current, errorBox(e));
      if (resetRows && !rows.children.length) setRows([]);
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const inputs = [...rows.querySelectorAll('input')];
    inputs.forEach((el) => el.removeAttribute('aria-invalid'));
    const list = inputs.map((el) => el.value.trim().toLowerCase().replace(/\.$/, ''));
    const bad = (el, msg) => {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      add(out, errorBox(msg));
    };
    const empty = inputs.find((el, i) => !list[i]);
    if (empty) return bad(empty, 'Fill in every nameserver, or remove the empty row.');
    const dup = inputs.find((el, i) => list.indexOf(list[i]) !== i);
    if (dup) return bad(dup, `${dup.value.trim()} is given twice.`);
    if (list.length < NS_MIN || list.length > NS_MAX) return add(out, errorBox(`Give from ${NS_MIN} to ${NS_MAX} nameservers.`));
    await busy(save, 'Saving…', async () => {
      const r = await change('Nameservers', out, () => put(`${base}/nameservers`, { nameservers: list }));
      await load(r !== null);
    });
    onChanged();
  });

  load(true);
  const c = card('Nameservers',
    h('p', { class: 'muted' }, 'The servers that answer for this domain on the internet.'),
    h('h3', { class: 'card-subtitle' }, 'Now at the registrar'), current, form);
  c.id = 'nameservers';
  return c;
}

// ---- registrar lock ---------------------------------------------------------

function lockCard(base, onChanged) {
  const state = h('div', { class: 'lock-state', 'aria-live': 'polite' });
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  const sw = h('input', { type: 'checkbox', role: 'switch', class: 'switch', id: 'lock-switch', disabled: true });
  const swText = h('span', { class: 'switch-text' }, '…');
  const sayState = (locked) => {
    sw.checked = locked;
    swText.textContent = locked ? 'On' : 'Off';
    fill(state, badge(locked ? 'locked' : 'unlocked'), ' ',
      locked ? 'No transfer to another registrar is possible while it is locked.'
        : 'It can be transferred to another registrar with its auth code.');
  };
  async function load() {
    sw.disabled = true;
    loading(state, 'Asking the registrar…');
    try {
      const r = await get(`${base}/lock`);
      sayState(r.locked);
      sw.disabled = false;
    } catch (e) {
      fill(state, errorBox(e));
    }
  }
  sw.addEventListener('change', async () => {
    const want = sw.checked;
    sw.disabled = true;
    swText.textContent = want ? 'Locking…' : 'Unlocking…';
    await change(want ? 'Lock' : 'Unlock', out, () => put(`${base}/lock`, { locked: want }));
    await load();
    onChanged();
  });
  load();
  const c = card('Registrar lock',
    h('p', { class: 'muted' }, 'A locked domain cannot be transferred away to another registrar. Unlock it only when you move it yourself.'),
    state,
    h('div', { class: 'field-check' }, h('label', { class: 'switch-wrap', for: 'lock-switch' }, sw,
      h('span', {}, 'Registrar lock'), swText)),
    out);
  c.id = 'lock';
  return c;
}

// ---- auth code --------------------------------------------------------------

function authCodeCard(base, onChanged) {
  const shown = h('div', { class: 'auth-code-slot', 'aria-live': 'polite' });
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  const showCode = (code, note) => fill(shown, h('p', { class: 'auth-code-line' },
    h('span', { class: 'muted' }, note), ' ', h('code', { class: 'auth-code', id: 'auth-code' }, code)));
  const showBtn = button('Show');
  const sendBtn = button('Send to the owner\'s e-mail');
  const newBtn = button('Generate a new one', { class: 'btn btn-danger-quiet' });
  let open = false;
  showBtn.addEventListener('click', async () => {
    if (open) {
      clear(shown);
      open = false;
      showBtn.textContent = 'Show';
      return;
    }
    await busy(showBtn, 'Asking the registrar…', async () => {
      try {
        const r = await get(`${base}/auth-code`);
        showCode(r.auth_code, 'Auth code:');
        open = true;
      } catch (e) {
        fill(shown, errorBox(e));
      }
    });
    showBtn.textContent = open ? 'Hide' : 'Show';
  });
  sendBtn.addEventListener('click', async () => {
    await busy(sendBtn, 'Sending…', () => change('Auth code e-mail', out, () => post(`${base}/auth-code/send`)));
    onChanged();
  });
  newBtn.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Generate a new auth code?',
      body: ['The registrar replaces the code with a new random one. The current code stops working, also for a transfer already started with it.'],
      confirm: 'Generate a new code',
      danger: true,
    });
    if (!ok) return;
    await busy(newBtn, 'Generating…', async () => {
      const r = await change('New auth code', out, () => post(`${base}/auth-code/reset`));
      if (r && r.auth_code) {
        showCode(r.auth_code, r.state === 'succeeded' ? 'New auth code:' : 'Asked for (not confirmed):');
        open = true;
        showBtn.textContent = 'Hide';
      }
    });
    onChanged();
  });
  const c = card('Auth code (EPP code)',
    h('p', { class: 'muted' }, 'Needed to transfer the domain to another registrar. Keep it secret; it is fetched from the registrar only when you ask.'),
    shown, h('div', { class: 'form-actions auth-actions' }, showBtn, sendBtn, newBtn), out);
  c.id = 'auth-code-card';
  return c;
}

// ---- changes ----------------------------------------------------------------

// asked - a change's request (JSON text) in words.
function asked(row) {
  let r;
  try {
    r = JSON.parse(row.request || '{}');
  } catch {
    return row.request || '—';
  }
  if (Array.isArray(r.nameservers)) {
    return r.nameservers.map((n, i) => h('span', { class: 'host' }, n, i < r.nameservers.length - 1 ? ', ' : ''));
  }
  if (typeof r.lock === 'boolean') return r.lock ? 'Lock' : 'Unlock';
  if (row.kind === 'auth_code') return r.auth_code === 'given' ? 'A code given by the owner' : 'A random code';
  if (row.kind === 'auth_code_send') return 'Mail it to the domain\'s contact';
  if (r.host) return [r.host, r.ipv4, r.ipv6, r.rename ? `renamed to ${r.rename}` : null].filter(Boolean).join(', ');
  const parts = Object.entries(r).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
  return parts.length ? parts.join('; ') : '—';
}

function changesCard(base, { admin }) {
  const body = h('div', { class: 'changes-body' });
  let offset = 0;
  async function load() {
    loading(body);
    try {
      const res = await get(`${base}/changes${qs({ offset, limit: CHANGES_PAGE })}`);
      fill(body, table([
        { title: 'When', cell: (c) => h('span', { class: 'nowrap' }, when(c.created_at)) },
        { title: 'Change', cell: (c) => KINDS[c.kind] || c.kind },
        { title: 'Asked', cell: (c) => h('span', { class: 'change-asked' }, asked(c)) },
        { title: 'State', cell: (c) => badge(c.state) },
        { title: 'Registrar\'s answer', cell: (c) => h('span', { class: 'change-answer' }, c.answer || '—') },
        { title: 'By', cell: (c) => (admin ? c.actor : c.actor === 'admin' ? 'Our staff' : 'You') },
      ], res.items, { caption: 'Changes of this domain', empty: 'No changes asked for yet.',
        rowAttrs: (c) => ({ 'data-change': c.id, 'data-kind': c.kind, 'data-state': c.state }) }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
  const c = card('Changes', h('p', { class: 'muted' }, 'Changes asked for this domain, newest first, with what the registrar answered.'), body);
  c.id = 'changes';
  return { card: c, reload: () => { offset = 0; load(); } };
}

// manageSections - the four sections for domain d. A domain not held here
// (failed, cancelled, transferred away) has none of them; one the registrar
// does not hold as active or expired (still registering, transferring or
// renewing) shows why, and its changes.
export function manageSections(d, { admin = false } = {}) {
  const status = String(d.status);
  if (['failed', 'cancelled', 'transferred_away'].includes(status)) return null;
  const base = `/api/v1/domains/${encodeURIComponent(d.name)}`;
  const changes = changesCard(base, { admin });
  if (status !== 'active' && status !== 'expired') {
    return h('div', { class: 'manage' },
      card('Nameservers, lock and auth code',
        h('p', { class: 'muted' }, `These can be managed while the domain is active or expired; it is ${status.replace(/_/g, ' ')} now.`)),
      changes.card);
  }
  const onChanged = () => changes.reload();
  return h('div', { class: 'manage' },
    h('div', { class: 'detail-grid manage-grid' },
      nameserversCard(base, onChanged),
      h('div', { class: 'manage-side' }, lockCard(base, onChanged), authCodeCard(base, onChanged))),
    changes.card);
}
