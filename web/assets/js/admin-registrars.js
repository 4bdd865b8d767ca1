// admin-registrars.js - Domain Registrars: the connections, an add/edit
// form with every connection field (the key is write-only; durations in
// minutes, hours or days), a test button that shows the registrar
// balance, and removal. The list shows each registrar's balance as soon
// as it opens (the server asks each registrar at most once a minute). A
// save is tested by the server first: a connection the registrar refuses
// is saved only when the admin says "Save anyway". Under the list, the
// domains the registrars hold that are unknown here (admin-unknown.js).
// A connection's page also imports prices from its registrar
// (admin-import-prices.js).

import { get, post, request, del } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, when, loading, errorBox, notice, table, field, input, select, button, busy,
  confirmDialog, toolbar, badge,
} from './ui.js';
import { unknownSection } from './admin-unknown.js';
import { importPricesCard } from './admin-import-prices.js';
import { durationInput, durationText } from './durations.js';

// FIELDS - every ConnectionEdit field of the API, grouped as the form shows them.
const GROUPS = [
  ['Connection', [
    { key: 'title', label: 'Title', type: 'text', required: true, max: 64, hint: 'How this connection is named in regman.' },
    { key: 'server', label: 'Server', type: 'text', max: 253, hint: 'Host name or address of the registrar\'s API (blank: OpenSRS\'s live or test server).' },
    { key: 'port', label: 'Port', type: 'int', hint: 'Blank: the registrar\'s usual port (55443, HTTPS). 55000 is the legacy encrypted protocol.' },
    { key: 'protocol', label: 'Protocol', type: 'select',
      options: [['', '—'], ['auto', 'Automatic (legacy on port 55000, else HTTPS)'], ['https', 'HTTPS (XCP over HTTP POST)'], ['legacy', 'Legacy (raw TCP, Blowfish/DES, port 55000)']],
      hint: 'How regman speaks to the registrar. The legacy protocol needs the key as OpenSRS issues it (hex).' },
    { key: 'tls', label: 'Use TLS (HTTPS)', type: 'bool', hint: 'HTTPS protocol only; the legacy protocol encrypts by itself.' },
    { key: 'source_ip', label: 'Source IP', type: 'text', hint: 'The address the registrar allow-lists; requests are sent from it. Blank: any.' },
    { key: 'ca_file', label: 'CA file', type: 'text', hint: 'A PEM file of trusted certificates for a test server (blank: the system\'s).' },
    { key: 'test_mode', label: 'Test mode (the registrar\'s test server)', type: 'bool' },
  ]],
  ['Reseller credentials', [
    { key: 'login', label: 'Login (reseller username)', type: 'text', required: true, max: 64 },
    { key: 'key', label: 'Private key', type: 'password', required: true, max: 4096,
      hint: 'Stored encrypted and never shown again.', editHint: 'Leave blank to keep the stored key.' },
  ]],
  ['License agreement', [
    { key: 'license_text', label: 'License agreement text', type: 'textarea', max: 65536,
      hint: 'Shown to customers when they sign up and when they order a domain of a TLD this connection serves.' },
    { key: 'license_path', label: 'or a file with the agreement', type: 'text', max: 1024 },
  ]],
  ['Renewals', [
    { key: 'warn_days', label: 'Warn users about expiration (days in advance)', type: 'int' },
    { key: 'renew_days', label: 'Renew domains (days before expiration)', type: 'int' },
    { key: 'renew_mode', label: 'Default renew mode', type: 'select', options: [['', '—'], ['auto', 'Automatic'], ['manual', 'Manual']] },
  ]],
  ['Asynchronous operations', [
    { key: 'first_check_s', label: 'First check after', type: 'duration', unit: '60' },
    { key: 'poll_interval_s', label: 'Check every', type: 'duration', unit: '60' },
    { key: 'deadline_s', label: 'Registration deadline', type: 'duration', unit: '3600' },
    { key: 'transfer_deadline_s', label: 'Transfer deadline', type: 'duration', unit: '86400' },
  ]],
  ['Limits and defaults', [
    { key: 'concurrency', label: 'Concurrent requests', type: 'int',
      hint: 'Async Manager checks running at once.' },
    { key: 'rate_per_min', label: 'Requests per minute (0: no limit)', type: 'int',
      hint: 'Paces background work: checks, auto-renewals, sync, import. Customer orders never wait.' },
    { key: 'default_ns', label: 'Default name servers', type: 'list', hint: 'One per line.' },
  ]],
];

let flash = null;

export function renderRegistrars(main, { path }) {
  const parts = path.split('/');
  if (parts[1] === 'new') return renderForm(main, null);
  if (parts[1]) return renderForm(main, Number(parts[1]));
  return renderList(main);
}

function testResult(r) {
  return r.ok
    ? notice(`Connected. Registrar balance: ${money(r.balance)}${r.hold ? ` (on hold ${money(r.hold)})` : ''}`, 'ok')
    : notice(`Test failed: ${r.message || 'the registrar did not answer'}`, 'bad');
}

// balanceText - a balance as the list shows it, compact.
function balanceText(r) {
  return r.ok
    ? h('span', { class: 'balance-ok' }, money(r.balance), r.hold ? h('span', { class: 'muted' }, ` (on hold ${money(r.hold)})`) : null)
    : notice(`Unavailable: ${r.message || 'the registrar did not answer'}`, 'bad');
}

async function runTest(btn, id, slot) {
  await busy(btn, 'Testing…', async () => {
    delete slot.dataset.auto;
    clear(slot);
    try {
      add(slot, testResult(await post(`/api/v1/connections/${id}/test`)));
    } catch (e) {
      add(slot, errorBox(e));
    }
  });
}

function renderList(main) {
  const body = h('div', {});
  add(main, toolbar(h('a', { class: 'btn btn-primary', href: '#/registrars/new' }, 'Add connection')), body,
    unknownSection());
  loading(body);
  get('/api/v1/connections?limit=500').then((res) => {
    fill(body, table([
      { title: 'Title', cell: (c) => h('a', { href: `#/registrars/${c.id}` }, c.title) },
      { title: 'Server', cell: (c) => h('code', { class: 'conn-url' }, c.url || `${c.server}:${c.port}`) },
      { title: 'Login', cell: (c) => c.login },
      { title: 'Mode', cell: (c) => (c.test_mode ? badge('test') : 'live') },
      { title: 'TLDs', num: true, cell: (c) => String(c.tlds) },
      { title: 'Domains', num: true, cell: (c) => String(c.domains) },
      { title: 'Pending orders', cell: (c) => h('span', { class: 'nowrap', title: `first check after ${durationText(c.first_check_s)}` },
        `checked every ${durationText(c.poll_interval_s)}`, h('br'), h('span', { class: 'muted' }, `deadline ${durationText(c.deadline_s)}`)) },
      { title: 'Balance', cell: (c) => {
        const slot = h('div', { class: 'test-slot', 'data-balance': c.id }, h('span', { class: 'muted' }, 'Asking…'));
        const b = button('Test', { class: 'btn btn-small', 'aria-label': `Test ${c.title}` }, () => runTest(b, c.id, slot));
        // the balance without pressing Test: cached by the server for a minute
        // (unless Test was pressed meanwhile: its answer is newer)
        slot.dataset.auto = '1';
        get(`/api/v1/connections/${c.id}/balance`).then((r) => slot.dataset.auto && fill(slot, balanceText(r)),
          (e) => slot.dataset.auto && fill(slot, errorBox(e)));
        return h('div', { class: 'test-cell' }, b, slot);
      } },
    ], res.items, { caption: 'Registrar connections', empty: 'No registrar connections yet. Add one to start selling domains.' }));
  }, (e) => fill(body, errorBox(e)));
}

function control(f, value, editing) {
  const common = { name: f.key };
  let el;
  if (f.type === 'bool') {
    el = h('input', Object.assign({ type: 'checkbox', checked: !!value }, common));
  } else if (f.type === 'textarea') {
    el = h('textarea', Object.assign({ rows: 6, maxlength: f.max }, common));
    el.value = value || '';
  } else if (f.type === 'list') {
    el = h('textarea', Object.assign({ rows: 3 }, common));
    el.value = (value || []).join('\n');
  } else if (f.type === 'select') {
    el = select(f.options, value || '', common);
  } else if (f.type === 'duration') {
    return durationInput({ name: f.key, seconds: value, label: f.label, unit: f.unit });
  } else {
    el = input(Object.assign({
      type: f.type === 'password' ? 'password' : 'text',
      inputmode: f.type === 'int' ? 'numeric' : null,
      maxlength: f.max,
      required: f.required && !(editing && f.type === 'password'),
      autocomplete: f.type === 'password' ? 'new-password' : 'off',
    }, common));
    el.value = value === null || value === undefined ? '' : String(value);
  }
  return el;
}

function readValue(f, el) {
  if (f.type === 'bool') return el.checked;
  if (f.type === 'duration') {
    const v = el.seconds();
    if (Number.isNaN(v)) throw Object.assign(new Error(`${f.label}: a number of minutes, hours or days is expected`), { field: f.key });
    return v;
  }
  if (f.type === 'list') return el.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  if (f.type === 'int') {
    const t = el.value.trim();
    if (t === '') return undefined;
    if (!/^-?\d+$/.test(t)) throw Object.assign(new Error(`${f.label}: a whole number is expected`), { field: f.key });
    return Number(t);
  }
  const t = el.value;
  return t === '' ? undefined : (f.type === 'textarea' || f.type === 'password' ? t : t.trim());
}

function same(a, b) {
  return JSON.stringify(a === null ? undefined : a) === JSON.stringify(b === null ? undefined : b);
}

async function renderForm(main, id) {
  const slot = h('div', {});
  add(main, slot);
  let conn = null;
  if (id) {
    loading(slot);
    try {
      conn = await get(`/api/v1/connections/${id}`);
    } catch (e) {
      fill(slot, errorBox(e), h('a', { href: '#/registrars' }, 'Back to the list'));
      return;
    }
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = conn ? conn.title : 'Add a registrar connection';
  const defaults = { tls: true, protocol: 'auto' };
  const controls = new Map();
  const sections = GROUPS.map(([title, fields]) => h('fieldset', { class: 'form-group' },
    h('legend', {}, title),
    h('div', { class: 'form-grid' }, fields.map((f) => {
      const el = control(f, conn ? conn[f.key] : defaults[f.key], !!conn);
      controls.set(f.key, { f, el });
      if (f.type === 'duration') {
        el.number.id = `conn-${f.key}`;
        return h('div', { class: 'field' }, h('label', { for: el.number.id }, f.label), el.el,
          conn ? h('p', { class: 'hint' }, `Now ${durationText(conn[f.key])}.`) : null);
      }
      return field(f.label + (f.required && !(conn && f.type === 'password') ? ' *' : ''), el,
        conn && f.editHint ? f.editHint : f.hint);
    }))));
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, conn ? 'Save changes' : 'Add connection');
  const testSlot = h('div', { class: 'test-slot' });
  const extra = [];
  if (conn) {
    const tb = button('Test connection', {}, () => runTest(tb, conn.id, testSlot));
    const rm = button('Remove', { class: 'btn btn-danger-quiet' }, async () => {
      const ok = await confirmDialog({ title: `Remove ${conn.title}?`, danger: true, confirm: 'Remove',
        body: 'A connection that serves TLDs or has domains or operations cannot be removed.' });
      if (!ok) return;
      try {
        await del(`/api/v1/connections/${conn.id}`);
        location.hash = '#/registrars';
      } catch (e) {
        fill(status, errorBox(e));
      }
    });
    extra.push(tb, rm);
  }
  if (flash) {
    add(status, notice(flash[0], flash[1]));
    flash = null;
  }
  const form = h('form', { class: 'form', novalidate: true },
    conn ? h('p', { class: 'muted' }, `Added ${when(conn.created_at)}; serves ${conn.tlds} TLD(s) and ${conn.domains} domain(s). Key stored: ${conn.key_set ? 'yes' : 'no'}. `,
      h('a', { href: `#/acceptances?connection_id=${conn.id}` }, 'License acceptances of this connection')) : null,
    sections, status,
    h('div', { class: 'form-actions' }, save, extra, h('a', { class: 'btn btn-quiet-dark', href: '#/registrars' }, 'Back')),
    testSlot);
  fill(slot, form, conn ? importPricesCard(conn) : null);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    for (const { el } of controls.values()) (el.number || el).removeAttribute('aria-invalid');
    const body = {};
    try {
      for (const [key, { f, el }] of controls) {
        const v = readValue(f, el);
        if (!conn) {
          if (v !== undefined && !(f.type === 'list' && v.length === 0)) body[key] = v;
          if (f.required && v === undefined) throw Object.assign(new Error(`${f.label} is required`), { field: key });
        } else if (f.type === 'password') {
          if (v !== undefined) body[key] = v;
        } else if (!same(v, conn[key]) && !(v === undefined && (conn[key] === '' || conn[key] === null))) {
          body[key] = v === undefined ? (f.type === 'int' || f.type === 'duration' ? undefined : '') : v;
          if (body[key] === undefined) delete body[key];
        }
      }
    } catch (e) {
      markInvalid(e.field);
      add(status, errorBox(e));
      return;
    }
    if (conn && Object.keys(body).length === 0) {
      add(status, notice('Nothing changed.', 'info'));
      return;
    }
    await send(body, save);
  });

  // send - save; the server tests the connection first. Refused by the
  // registrar: say so, and offer "Save anyway" (force) beside it.
  async function send(body, btn) {
    await busy(btn, 'Saving…', async () => {
      clear(status);
      try {
        const saved = conn
          ? await request('PATCH', `/api/v1/connections/${conn.id}`, body)
          : await post('/api/v1/connections', body);
        const tested = saved.test ? (saved.test.ok
          ? ` Registrar balance: ${money(saved.test.balance)}.`
          : ` Saved although the registrar refused the test: ${saved.test.message}`) : '';
        if (!conn) {
          flash = [`Connection ${saved.title} added.${tested || ' Test it to see the registrar balance.'}`,
            saved.test && !saved.test.ok ? 'warn' : 'ok'];
          location.hash = `#/registrars/${saved.id}`;
          return;
        }
        conn = saved;
        controls.get('key').el.value = '';
        add(status, notice(`Saved.${tested}`, saved.test && !saved.test.ok ? 'warn' : 'ok'));
      } catch (e) {
        if (e.code === 'connection_test_failed' && !body.force) {
          const anyway = button('Save anyway', { class: 'btn btn-danger-quiet' }, () => send(Object.assign({}, body, { force: true }), anyway));
          add(status, notice([h('strong', {}, 'Not saved. '), e.message.replace(/ \("force": true\)\.$/, '.'), ' ',
            h('p', { class: 'muted' }, 'Save anyway only if the registrar is down for a while; orders through this connection will fail until it answers.'),
            anyway], 'warn'));
          return;
        }
        markInvalid(e.field);
        add(status, errorBox(e));
      }
    });
  }

  function markInvalid(key) {
    const c = key && controls.get(key);
    if (c) {
      const el = c.el.number || c.el;
      el.setAttribute('aria-invalid', 'true');
      el.focus();
    }
  }
}
