// manage.js - a domain's management after the sale, the same in both
// panels (a customer on its own domains, the admin on any): its
// nameservers, its child nameservers, its contacts, its registrar lock,
// its WHOIS privacy, its EPP auth code and the list of changes asked for. Every read asks the registrar through the API; a
// change answers succeeded (200), unknown (202: the registrar's answer
// was lost and could not be settled) or refused (409: the registrar's
// own words, naming e.g. the bad nameserver).

import { get, put, post, del } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  when, loading, errorBox, notice, table, field, input, select, button, busy, confirmDialog, card, pager, qs, badge, money, dl,
} from './ui.js';

const NS_MIN = 2;
const NS_MAX = 13;
const CHANGES_PAGE = 20;

const KINDS = {
  nameservers: 'Nameservers', lock: 'Registrar lock', auth_code: 'New auth code', auth_code_send: 'Auth code sent by e-mail',
  host_create: 'Child nameserver added', host_modify: 'Child nameserver changed', host_delete: 'Child nameserver removed',
  privacy: 'WHOIS privacy', contacts: 'Contacts',
};

const CONTACT_TYPES = [['owner', 'Owner'], ['admin', 'Admin'], ['billing', 'Billing'], ['tech', 'Tech']];
const CONTACT_FIELDS = [
  ['first_name', 'First name'], ['last_name', 'Last name'], ['org_name', 'Organisation'],
  ['address1', 'Address'], ['address2', 'Address (line 2)'], ['city', 'City'], ['state', 'State or province'],
  ['postal_code', 'Postal code'], ['country', 'Country (2 letters)'], ['phone', 'Phone (+CC.NUMBER)'],
  ['fax', 'Fax'], ['email', 'E-mail'],
];

// changeNotice - what became of a change: the API's answer (200 / 202),
// or the error it threw (409 refused: the registrar's answer).
export function changeNotice(what, res, err) {
  if (err) {
    if (err.status === 409 && err.code === 'refused' && !(err.body && 'change' in err.body)) {
      // refused by regman before anything was recorded or sent (funds,
      // privacy already on): its own words
      return h('div', { class: 'notice notice-bad change-outcome', role: 'alert', 'data-state': 'refused' },
        h('strong', {}, `${what}: refused. `), err.message);
    }
    if (err.status === 409 && err.code === 'refused') {
      return h('div', { class: 'notice notice-bad change-outcome', role: 'alert', 'data-state': 'refused' },
        h('strong', {}, `${what}: refused. `), 'The registrar answered: ', h('span', { class: 'registrar-answer' }, err.message),
        h('p', { class: 'change-after' }, 'Nothing was changed.',
          err.body && err.body.refunded ? ` The ${money(err.body.refunded)} charged has been refunded.` : ''));
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

// ---- WHOIS privacy ----------------------------------------------------------

// Turning privacy on where the extension has a price is charged (a year,
// refunded when the registrar refuses): the price is shown beforehand and
// a dialog naming the amount asks to confirm, as an order does.
function privacyCard(base, onChanged) {
  const state = h('div', { class: 'privacy-state', 'aria-live': 'polite' });
  const price = h('p', { class: 'muted privacy-price' }, '');
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  let view = null;
  const sw = h('input', { type: 'checkbox', role: 'switch', class: 'switch', id: 'privacy-switch', disabled: true });
  const swText = h('span', { class: 'switch-text' }, '…');
  async function load() {
    sw.disabled = true;
    loading(state, 'Asking the registrar…');
    try {
      const r = await get(`${base}/privacy`);
      view = r;
      fill(price, r.price === null || r.price === undefined
        ? 'Free of charge.'
        : h('span', {}, h('strong', { class: 'charge' }, money(r.price)), ' a year, charged when you turn it on.'));
      sw.checked = r.privacy;
      swText.textContent = r.privacy ? 'On' : 'Off';
      if (r.offered === false) {
        fill(state, badge('not offered'), ' ', 'WHOIS privacy is not offered for this domain\'s extension.');
        return;
      }
      fill(state, badge(r.state), ' ', r.privacy
        ? 'The public WHOIS shows the privacy service instead of your contact details.'
        : 'The public WHOIS shows the domain\'s contact details.');
      sw.disabled = false;
    } catch (e) {
      fill(state, errorBox(e));
    }
  }
  sw.addEventListener('change', async () => {
    const want = sw.checked;
    const amount = view && want ? view.price : null;
    if (amount !== null && amount !== undefined) {
      const ok = await confirmDialog({
        title: `Confirm: WHOIS privacy for ${view.domain}`,
        body: [dl([['Domain', view.domain], ['Term', '1 year'], ['Charge', h('strong', { class: 'charge' }, money(amount))]]),
          h('p', { class: 'muted' }, 'Charged to the domain\'s account now; refunded if the registrar refuses.')],
        confirm: `Turn on for ${money(amount)}`,
      });
      if (!ok) {
        sw.checked = false;
        return;
      }
    }
    sw.disabled = true;
    swText.textContent = want ? 'Turning on…' : 'Turning off…';
    const r = await change(want ? 'WHOIS privacy on' : 'WHOIS privacy off', out, () => put(`${base}/privacy`, { privacy: want }));
    if (r && r.operation) {
      add(out, h('p', { class: 'change-charge', 'data-operation': String(r.operation) },
        r.operation_state === 'pending'
          ? `Charged ${money(r.charged)}; kept if the registrar turned it on, refunded if not, once it answers.`
          : `Charged ${money(r.charged)}.`));
    }
    await load();
    onChanged();
  });
  load();
  const c = card('WHOIS privacy',
    h('p', { class: 'muted' }, 'Hides the owner\'s name, address, phone and e-mail from the public WHOIS.'),
    price,
    state,
    h('div', { class: 'field-check' }, h('label', { class: 'switch-wrap', for: 'privacy-switch' }, sw,
      h('span', {}, 'WHOIS privacy'), swText)),
    out);
  c.id = 'privacy';
  return c;
}

// ---- child nameservers -----------------------------------------------------

function hostsCard(base, domain, onChanged) {
  const list = h('div', { class: 'hosts-list', 'aria-live': 'polite' });
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  const name = input({ name: 'host', maxlength: 253, autocomplete: 'off', spellcheck: 'false', placeholder: `ns1.${domain}`, class: 'host-name' });
  const v4 = input({ name: 'ipv4', maxlength: 15, autocomplete: 'off', spellcheck: 'false', placeholder: '192.0.2.10', class: 'host-ipv4' });
  const v6 = input({ name: 'ipv6', maxlength: 45, autocomplete: 'off', spellcheck: 'false', placeholder: '2001:db8::10', class: 'host-ipv6' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add the host');
  const form = h('form', { class: 'form host-form', novalidate: true, 'aria-label': 'Add a child nameserver' },
    h('h3', { class: 'card-subtitle' }, 'Add one'),
    field('Host name', name, `A name under ${domain}.`),
    h('div', { class: 'form-grid' }, field('IPv4 address', v4), field('IPv6 address', v6)),
    h('div', { class: 'form-actions' }, save));
  const body = (ipv4, ipv6, rename) => {
    const b = {};
    if (ipv4) b.ipv4 = ipv4;
    if (ipv6) b.ipv6 = ipv6;
    if (rename) b.rename = rename;
    return b;
  };

  function editRow(hst) {
    const n = input({ maxlength: 253, 'aria-label': `New name of ${hst.name}`, class: 'host-edit-name' });
    const a4 = input({ maxlength: 15, 'aria-label': `IPv4 of ${hst.name}`, class: 'host-edit-ipv4' });
    const a6 = input({ maxlength: 45, 'aria-label': `IPv6 of ${hst.name}`, class: 'host-edit-ipv6' });
    n.value = hst.name;
    a4.value = hst.ipv4 || '';
    a6.value = hst.ipv6 || '';
    const ok = button('Save', { class: 'btn btn-small btn-primary' });
    const f = h('form', { class: 'form host-edit', novalidate: true, 'aria-label': `Change ${hst.name}` },
      h('div', { class: 'form-grid' }, field('Name', n), field('IPv4', a4), field('IPv6', a6)),
      h('div', { class: 'form-actions' }, ok));
    ok.addEventListener('click', async () => {
      const to = n.value.trim().toLowerCase();
      if (!a4.value.trim() && !a6.value.trim()) return fill(out, errorBox('Give an IPv4 or an IPv6 address.'));
      await busy(ok, 'Saving…', () => change(`Host ${hst.name}`, out,
        () => put(`${base}/hosts/${encodeURIComponent(hst.name)}`, body(a4.value.trim(), a6.value.trim(), to !== hst.name ? to : null))));
      await load();
      onChanged();
    });
    return f;
  }

  async function load() {
    loading(list, 'Asking the registrar…');
    try {
      const r = await get(`${base}/hosts`);
      fill(list, table([
        { title: 'Host', cell: (x) => h('code', {}, x.name) },
        { title: 'IPv4', cell: (x) => x.ipv4 || '—' },
        { title: 'IPv6', cell: (x) => x.ipv6 || '—' },
        { title: 'In use', cell: (x) => (x.in_use ? 'yes' : 'no') },
        { title: '', cell: (x) => {
          const slot = h('div', { class: 'host-edit-slot' });
          const edit = button('Change', { class: 'btn btn-small' }, () => {
            if (slot.firstChild) clear(slot);
            else fill(slot, editRow(x));
          });
          const rm = button('Delete', { class: 'btn btn-small btn-danger-quiet', 'aria-label': `Delete ${x.name}` }, async () => {
            const yes = await confirmDialog({ title: `Delete ${x.name}?`,
              body: ['The registry refuses to delete a host that still serves a domain.'], confirm: 'Delete', danger: true });
            if (!yes) return;
            await busy(rm, 'Deleting…', () => change(`Host ${x.name}`, out, () => del(`${base}/hosts/${encodeURIComponent(x.name)}`)));
            await load();
            onChanged();
          });
          return h('div', { class: 'host-actions' }, edit, rm, slot);
        } },
      ], r.hosts || [], { caption: 'Child nameservers', empty: 'No child nameservers.',
        rowAttrs: (x) => ({ 'data-host': x.name }) }));
    } catch (e) {
      fill(list, errorBox(e));
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const n = name.value.trim().toLowerCase();
    if (!n) return fill(out, errorBox('Give the host name.'));
    if (!v4.value.trim() && !v6.value.trim()) return fill(out, errorBox('Give an IPv4 or an IPv6 address.'));
    await busy(save, 'Adding…', async () => {
      const r = await change(`Host ${n}`, out, () => post(`${base}/hosts`, Object.assign({ name: n }, body(v4.value.trim(), v6.value.trim()))));
      if (r) { name.value = ''; v4.value = ''; v6.value = ''; }
      await load();
    });
    onChanged();
  });
  load();
  const c = card('Child nameservers',
    h('p', { class: 'muted' }, `Nameservers named under ${domain} (glue records), with their addresses at the registry.`),
    list, out, form);
  c.id = 'hosts';
  return c;
}

// ---- contacts ---------------------------------------------------------------

function contactsCard(base, onChanged) {
  const shown = h('div', { class: 'contacts-now', 'aria-live': 'polite' });
  const out = h('div', { class: 'change-slot', 'aria-live': 'polite' });
  const type = select(CONTACT_TYPES, 'owner', { name: 'type', class: 'contact-type' });
  const inputs = Object.fromEntries(CONTACT_FIELDS.map(([k]) => [k, input({ name: k, class: `contact-${k}`, autocomplete: 'off' })]));
  const all = h('input', { type: 'checkbox', name: 'all_domains', class: 'contact-all' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save the contact');
  let now = {};
  const put1 = () => {
    const c = now[type.value] || now.owner || {};
    for (const [k] of CONTACT_FIELDS) inputs[k].value = c[k] || '';
  };
  type.addEventListener('change', put1);
  const form = h('form', { class: 'form contact-form', novalidate: true, 'aria-label': 'Change a contact' },
    h('h3', { class: 'card-subtitle' }, 'Change one'),
    field('Contact', type),
    h('div', { class: 'form-grid' }, CONTACT_FIELDS.map(([k, label]) => field(label, inputs[k]))),
    field('Apply to all my domains', all, 'The same contact on every active domain of this account, one change each.'),
    h('div', { class: 'form-actions' }, save), out);

  async function load() {
    loading(shown, 'Asking the registrar…');
    try {
      now = await get(`${base}/contacts`);
      fill(shown, table([
        { title: 'Contact', cell: ([, label]) => label },
        { title: 'Name', cell: ([k]) => (now[k] ? `${now[k].first_name} ${now[k].last_name}`.trim() : '—') },
        { title: 'Organisation', cell: ([k]) => (now[k]?.org_name || '—') },
        { title: 'Address', cell: ([k]) => (now[k] ? [now[k].address1, now[k].city, now[k].postal_code, now[k].country].filter(Boolean).join(', ') : '—') },
        { title: 'Phone', cell: ([k]) => (now[k]?.phone || '—') },
        { title: 'E-mail', cell: ([k]) => (now[k]?.email || '—') },
      ], CONTACT_TYPES, { caption: 'Contacts at the registrar', rowAttrs: ([k]) => ({ 'data-contact': k }) }));
      put1();
    } catch (e) {
      fill(shown, errorBox(e));
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const cur = now[type.value] || now.owner || {};
    const contact = {};
    for (const [k] of CONTACT_FIELDS) {
      const v = inputs[k].value.trim();
      if (v !== (cur[k] || '')) contact[k] = v;
    }
    if (!Object.keys(contact).length) return fill(out, errorBox('Nothing changed.'));
    const b = { type: type.value, contact };
    if (all.checked) b.all_domains = true;
    await busy(save, 'Saving…', async () => {
      try {
        const r = await put(`${base}/contacts`, b);
        if (r.changes) {
          fill(out, notice(`Contact changed on ${r.succeeded} domain(s); ${r.failed} refused, ${r.unknown} not confirmed.`,
            r.failed || r.unknown ? 'warn' : 'ok'));
        } else {
          fill(out, changeNotice('Contact', r, null));
        }
      } catch (e) {
        fill(out, changeNotice('Contact', null, e));
      }
      await load();
    });
    onChanged();
  });
  load();
  const c = card('Contacts',
    h('p', { class: 'muted' }, 'The owner, admin, billing and tech contacts the registrar holds. Fields are checked before anything is sent.'),
    shown, form);
  c.id = 'contacts';
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
  if (typeof r.privacy === 'boolean') return r.privacy ? 'On' : 'Off';
  if (Array.isArray(r.types)) return `${r.types.join(', ')}: ${(r.fields || []).join(', ')}`;
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
// (failed, cancelled, transferred away, deleted) has none of them; one the registrar
// does not hold as active or expired (still registering, transferring or
// renewing) shows why, and its changes.
export function manageSections(d, { admin = false } = {}) {
  const status = String(d.status);
  if (['failed', 'cancelled', 'transferred_away', 'deleted'].includes(status)) return null;
  const base = `/api/v1/domains/${encodeURIComponent(d.name)}`;
  const changes = changesCard(base, { admin });
  if (status !== 'active' && status !== 'expired') {
    return h('div', { class: 'manage' },
      card('Nameservers, lock, privacy, contacts and auth code',
        h('p', { class: 'muted' }, `These can be managed while the domain is active or expired; it is ${
          { redemption: 'in redemption', restoring: 'being restored', pending_delete: 'pending deletion' }[status] || status.replace(/_/g, ' ')} now.`)),
      changes.card);
  }
  const onChanged = () => changes.reload();
  return h('div', { class: 'manage' },
    h('div', { class: 'detail-grid manage-grid' },
      nameserversCard(base, onChanged),
      h('div', { class: 'manage-side' }, lockCard(base, onChanged), privacyCard(base, onChanged), authCodeCard(base, onChanged))),
    hostsCard(base, d.name, onChanged),
    contactsCard(base, onChanged),
    changes.card);
}
