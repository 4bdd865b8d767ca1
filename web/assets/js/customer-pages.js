// customer-pages.js - the signed-in customer's sections: domains (expiry,
// auto-renew switch, renew, nameservers, lock, auth code), find and register a domain, transfers in and
// their status, orders with their honest state, balance and history, and
// the owner contact used for registrations (with the details .ca and .us
// ask for). An agreement not yet accepted
// is shown first; the charge is confirmed last, and not at all when the
// balance cannot pay it.

import { get, post, put, request } from './api.js';
import { h, clear, add, fill } from './dom.js';
import {
  money, when, day, now, loading, errorBox, notice, table, field, input, select, button, busy,
  confirmDialog, toolbar, card, dl, pager, qs, badge, opLabel, priceTerms, years, relative,
  agreementText, sentence,
} from './ui.js';
import { outcomeNotice, pendingNotice, timeline } from './opview.js';
import { fundsHint } from './site.js';
import { manageSections } from './manage.js';
import { shopSearch, shopView, asLookup, markMine } from './shop.js';

// me - the caller and its account (balance), fresh each time.
async function me() {
  const m = await get('/api/v1/me');
  if (!m.account) throw new Error('This login has no customer account.');
  return m;
}

// ---- shared pieces --------------------------------------------------------

export function priceTable(prices) {
  const ops = ['register', 'renew', 'transfer'];
  const terms = [...new Set(ops.flatMap((op) => priceTerms(prices, op)))].sort((a, b) => a - b);
  if (!terms.length) return h('p', { class: 'muted' }, 'No prices are set for this TLD.');
  const cell = (op, t) => (prices[op] && prices[op][String(t)] !== undefined ? money(prices[op][String(t)]) : '—');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'prices' },
    h('caption', { class: 'sr-only' }, 'Prices per term'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Term'), h('th', { scope: 'col', class: 'num' }, 'Register'),
      h('th', { scope: 'col', class: 'num' }, 'Renew'), h('th', { scope: 'col', class: 'num' }, 'Transfer in'))),
    h('tbody', {}, terms.map((t) => h('tr', {}, h('th', { scope: 'row' }, years(t)),
      ops.map((op) => h('td', { class: 'num' }, cell(op, t))))))));
}

export function lookupResult(r, actions) {
  const avail = r.available;
  return h('section', { class: `card lookup lookup-${avail ? 'yes' : 'no'}`, 'aria-live': 'polite' },
    h('div', { class: 'lookup-head' },
      h('h2', { class: 'lookup-name' }, r.unicode_name || r.domain),
      badge(avail ? 'available' : r.availability === 'taken' ? 'taken' : r.availability)),
    h('p', { class: 'muted' }, avail ? 'This name is available.' : (r.reason || 'This name cannot be registered.'),
      r.premium ? ' It is a premium name.' : ''),
    r.prices ? priceTable(r.prices) : null, actions);
}

function termSelect(prices, op, attrs) {
  const terms = priceTerms(prices, op);
  return select(terms.map((t) => [String(t), `${years(t)} — ${money(prices[op][String(t)])}`]), terms[0] ? String(terms[0]) : '', attrs);
}

// acceptLicense - show the agreement, resolve to its sha256 once accepted
// (or null when the customer goes back).
async function acceptLicense(domain) {
  const lic = await get(`/api/v1/license?domain=${encodeURIComponent(domain)}`);
  lic.text = lic.text || '(no text)';
  const box = h('input', { type: 'checkbox', id: 'order-accept-license' });
  const ok = await confirmDialog({
    title: `Registration agreement for .${lic.tld}`,
    body: [h('p', {}, 'The registrar serving this name asks you to accept its agreement (it is new or has changed since you last accepted it).'),
      h('div', { class: 'agreement', tabindex: '0', role: 'region', 'aria-label': 'Registration agreement' },
        agreementText(lic.text))],
    extra: field('I have read and accept this agreement', box),
    confirm: 'Accept and continue',
    check: () => (box.checked ? null : 'Tick the box to accept the agreement, or go back.'),
  });
  return ok ? lic.sha256 : null;
}

// confirmCharge - the last dialog of an order: the charge and the balance
// before and after. A balance that cannot pay it says what to do and
// leaves the button disabled. Resolves true when confirmed.
async function confirmCharge({ body, name, kind, amount, breakdown }) {
  const m = await me();
  const bal = m.account.balance;
  const after = bal - amount;
  const short = after < -m.account.credit_limit;
  const verb = { register: 'register', renew: 'renew', restore: 'restore' }[kind] || 'transfer';
  return confirmDialog({
    title: `Confirm: ${opLabel(kind).toLowerCase()} of ${name}`,
    body: [
      dl([['Domain', name], ['Term', years(body.term || 1)], ['Charge', h('strong', { class: 'charge' }, money(amount))],
        breakdown ? ['Made of', breakdown] : null,
        ['Your balance', `${money(bal)} → ${money(after)}`]]),
      short
        ? h('p', { class: 'form-error', role: 'alert', id: 'order-no-funds' },
          `Your balance is not enough for this order. Add funds to your account first, then order again — nothing has been charged.`)
        : h('p', { class: 'muted' }, kind === 'transfer'
          ? 'Transfers take several days. If the transfer fails you are refunded in full.'
          : 'If the registry refuses the order you are refunded in full.'),
    ],
    confirm: `Pay ${money(amount)} and ${verb}`,
    blocked: short,
  });
}

// order - the agreement first when it has not been accepted, the charge
// confirmed last, then send (a license_required answer shows the new
// agreement and confirms the charge again); renders the outcome into out.
// A renewal or a restore is of a domain already held: no agreement asked.
// Returns the outcome or null.
async function order({ path, body, name, kind, amount, breakdown, out, btn }) {
  let payload = Object.assign({}, body);
  const declined = () => add(out, notice('Nothing was ordered or charged: the agreement was not accepted.', 'info'));
  try {
    if (kind !== 'renew' && kind !== 'restore') {
      const acc = await get(`/api/v1/license/acceptance?domain=${encodeURIComponent(body.name)}`);
      if (!acc.accepted) {
        const sha = await acceptLicense(body.name);
        if (!sha) {
          declined();
          return null;
        }
        payload.license_sha256 = sha;
      }
    }
    if (!await confirmCharge({ body, name, kind, amount, breakdown })) return null;
  } catch (e) {
    add(out, errorBox(e));
    return null;
  }
  return busy(btn, 'Working…', async () => {
    clear(out);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await post(path, payload);
        add(out, outcomeNotice(r), h('p', {}, h('a', { href: `#/domains/${encodeURIComponent(r.operation.domain)}` }, `Go to ${name}`)));
        return r;
      } catch (e) {
        if (e.code === 'license_required' && attempt === 0) {
          const sha = await acceptLicense(body.name);
          if (!sha) {
            declined();
            return null;
          }
          payload = Object.assign(payload, { license_sha256: sha });
          if (!await confirmCharge({ body, name, kind, amount, breakdown })) return null;
          continue;
        }
        add(out, errorBox(e), /charged/.test(e.message || '') ? null : h('p', { class: 'muted' }, 'Nothing was charged.'));
        return null;
      }
    }
    return null;
  });
}

// needContact - when the account has no owner contact, render the form
// into el and resolve once it is saved; resolves at once otherwise.
async function needContact(el) {
  const m = await me();
  const acct = await get(`/api/v1/accounts/${m.account.id}`);
  if (acct.has_owner_contact) return true;
  const reg = await get(`/api/v1/accounts/${m.account.id}/registrant`);
  return new Promise((resolve) => {
    fill(el, card('First, your contact details',
      h('p', { class: 'muted' }, 'Registries need the owner\'s contact details for every domain. You enter them once; they are used for your registrations.'),
      contactForm(`/api/v1/accounts/${m.account.id}/contacts/owner`, null, () => {
        clear(el);
        resolve(true);
      }, reg)));
    el.querySelector('input')?.focus();
  });
}

const CONTACT = [
  ['first_name', 'First name', true, 64, 'given-name'], ['last_name', 'Last name', true, 64, 'family-name'],
  ['org_name', 'Organization', false, 128, 'organization'], ['email', 'Email', true, 254, 'email'],
  ['phone', 'Phone', true, 32, 'tel', '+1.4165550123 (country code, dot, number)'],
  ['address1', 'Address', true, 128, 'address-line1'], ['address2', 'Address (line 2)', false, 128, 'address-line2'],
  ['city', 'City', true, 64, 'address-level2'], ['state', 'State or province', false, 64, 'address-level1'],
  ['postal_code', 'Postal code', true, 16, 'postal-code'], ['country', 'Country (2 letters)', true, 2, 'country', 'ISO code, e.g. CA, US, DE'],
];

// The registrant details the .ca and .us registries ask for (the server
// checks them: core/account.h, registrant_merge); codes as the registries
// name them, in plain words first.
const CIRA_LEGAL_TYPES = [
  ['CCT', 'Canadian citizen'], ['RES', 'Permanent resident of Canada'],
  ['CCO', 'Canadian corporation'], ['GOV', 'Government or government entity in Canada'],
  ['EDU', 'Canadian educational institution'], ['ASS', 'Canadian unincorporated association'],
  ['HOP', 'Canadian hospital'], ['PRT', 'Partnership registered in Canada'],
  ['TDM', 'Trademark registered in Canada (by a non-Canadian owner)'], ['TRD', 'Canadian trade union'],
  ['PLT', 'Canadian political party'], ['LAM', 'Canadian library, archive or museum'],
  ['TRS', 'Trust established in Canada'], ['ABO', 'Aboriginal peoples indigenous to Canada'],
  ['INB', 'Indian Band recognized by the Indian Act of Canada'],
  ['LGR', 'Legal representative of a Canadian citizen or permanent resident'],
  ['OMK', 'Official mark registered in Canada'], ['MAJ', 'His Majesty the King (the Crown)'],
];
const US_NEXUS = [
  ['C11', 'US citizen'], ['C12', 'Permanent resident of the US'],
  ['C21', 'US organization (incorporated or organized in the US)'],
  ['C31', 'Foreign entity regularly engaged in lawful activities in the US'],
  ['C32', 'Foreign entity with an office or other facility in the US'],
];
const US_PURPOSES = [
  ['P1', 'Business use for profit'], ['P2', 'Non-profit business, club, association or religious organization'],
  ['P3', 'Personal use'], ['P4', 'Educational purposes'], ['P5', 'Government purposes'],
];

// registrantFieldset - the ".ca and .us" fieldset; value() is the
// registrant object the API takes (docs/api.md).
function registrantFieldset(cur) {
  const choices = (list, none) => [['', none], ...list.map(([c, l]) => [c, `${l} (${c})`])];
  const legal = select(choices(CIRA_LEGAL_TYPES, 'Not set (needed for .ca)'), cur.cira_legal_type, { name: 'cira_legal_type' });
  const tm = h('input', { type: 'checkbox', name: 'cira_trademark', checked: !!cur.cira_trademark });
  const nx = cur.us_nexus || {};
  const cat = select(choices(US_NEXUS, 'Not set (needed for .us)'), nx.category, { name: 'us_nexus_category' });
  const purpose = select(choices(US_PURPOSES, 'Not set'), nx.app_purpose, { name: 'us_app_purpose' });
  const validator = input({ name: 'us_nexus_validator', maxlength: 2, autocomplete: 'off' });
  validator.value = nx.validator || '';
  const validatorField = field('Your country (for C31 and C32)', validator, 'ISO code of the country the foreign entity belongs to, e.g. CA');
  const foreign = () => { validatorField.hidden = !/^C3[12]$/.test(cat.value); };
  cat.addEventListener('change', foreign);
  foreign();
  const el = h('fieldset', { class: 'form-group registrant', 'aria-label': '.ca and .us registrant details' },
    h('legend', {}, '.ca and .us'),
    h('p', { class: 'muted' }, 'The Canadian and US registries ask who holds the domain. Needed only for .ca and .us names.'),
    h('div', { class: 'form-grid' },
      field('Canadian presence (CIRA legal type)', legal, 'Who you are in Canada, as CIRA asks for every .ca'),
      field('The name is a trademark registered in Canada', tm),
      field('US nexus', cat, 'Your tie to the United States, required for .us'),
      field('Intended use of .us names', purpose),
      validatorField));
  return {
    el,
    value: () => ({
      cira_legal_type: legal.value,
      cira_trademark: tm.checked,
      us_nexus: { category: cat.value, app_purpose: purpose.value,
        validator: /^C3[12]$/.test(cat.value) ? validator.value.trim().toUpperCase() : '' },
    }),
  };
}

// contactForm - the owner contact form; path is the contact's endpoint (the
// account's own, or a reseller's for its customer, which has no registrant
// details: registrant null leaves them out).
export function contactForm(path, current, onSaved, registrant) {
  const inputs = new Map();
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save contact details');
  const extras = registrant ? registrantFieldset(registrant) : null;
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Owner contact' },
    h('div', { class: 'form-grid' }, CONTACT.map(([key, label, req, max, ac, hint]) => {
      const el = input({ name: key, maxlength: max, required: req, autocomplete: ac, type: key === 'email' ? 'email' : key === 'phone' ? 'tel' : 'text' });
      el.value = current && current[key] ? current[key] : '';
      inputs.set(key, el);
      return field(label + (req ? ' *' : ''), el, hint);
    })), extras ? extras.el : null, status, h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(status);
    const body = {};
    for (const [key, label, req] of CONTACT) {
      const el = inputs.get(key);
      el.removeAttribute('aria-invalid');
      let v = el.value.trim();
      if (key === 'country') v = v.toUpperCase();
      if (req && !v) {
        el.setAttribute('aria-invalid', 'true');
        el.focus();
        add(status, errorBox(`${label} is required.`));
        return;
      }
      if (v) body[key] = v;
    }
    // one save: the contact and its .ca/.us details together
    if (extras) body.registrant = extras.value();
    await busy(save, 'Saving…', async () => {
      try {
        await put(path, body);
        add(status, notice('Contact details saved.', 'ok'));
        if (onSaved) onSaved();
      } catch (e) {
        const el = e.field && inputs.get(e.field);
        if (el) {
          el.setAttribute('aria-invalid', 'true');
          el.focus();
        }
        add(status, errorBox(e));
      }
    });
  });
  return form;
}

// ---- My Domains -----------------------------------------------------------

function autoRenewSwitch(d, onChange) {
  const sw = h('input', { type: 'checkbox', role: 'switch', class: 'switch', checked: d.auto_renew,
    'aria-label': `Auto-renew ${d.unicode_name || d.name}`, disabled: d.status !== 'active' && d.status !== 'expired' });
  sw.addEventListener('change', async () => {
    sw.disabled = true;
    try {
      const r = await request('PATCH', `/api/v1/domains/${encodeURIComponent(d.name)}`, { auto_renew: sw.checked });
      d.auto_renew = r.auto_renew;
      if (onChange) onChange(null, r);
    } catch (e) {
      sw.checked = !sw.checked;
      if (onChange) onChange(e);
    } finally {
      sw.disabled = false;
    }
  });
  return h('label', { class: 'switch-wrap' }, sw, h('span', { class: 'switch-text' }, d.auto_renew ? 'On' : 'Off'));
}

// actionText - why a domain needs the customer now (the API's
// needs_action), in plain words; null when it does not.
export function actionText(d) {
  const name = d.unicode_name || d.name;
  const exp = d.expires_at ? `${day(d.expires_at)} (${relative(d.expires_at)})` : 'soon';
  switch (d.needs_action) {
  case 'autorenew_failed':
    return `The automatic renewal of ${name} did not go through, and it expires on ${exp}. Check your balance and renew it now.`;
  case 'expiring':
    return `${name} expires on ${exp} and auto-renew is off. Renew it now, or turn auto-renew on.`;
  case 'expired':
    return `${name} expired on ${exp}. Renew it${d.renewable_until ? ` by ${day(d.renewable_until)}` : ' now'} if you want to keep it`
      + `${d.grace_fee ? ` (the renewal price plus a grace fee of ${money(d.grace_fee)})` : ''}.`;
  case 'redemption':
    return d.restore_price !== null && d.restore_price !== undefined
      ? `${name} expired on ${day(d.expires_at)} and is in its redemption period: restore it by ${day(d.restorable_until)} for ${money(d.restore_price)} or it will be deleted.`
      : `${name} expired on ${day(d.expires_at)} and is in its redemption period: it can no longer be renewed, and restores of .${d.tld} are not offered here. Contact support if you want to keep it.`;
  default:
    return null;
  }
}

const actionShort = { autorenew_failed: 'Auto-renewal failed', expiring: 'Expiring soon', expired: 'Expired', redemption: 'In redemption' };

// statusWords - a status after expiry with its date, in plain words (the
// badge says the status alone); null for the others.
export function statusWords(d) {
  switch (d.status) {
  case 'expired':
    return d.renewable_until ? `Expired — renewable until ${day(d.renewable_until)}` : 'Expired';
  case 'redemption':
    return d.restorable_until ? `In redemption — restorable until ${day(d.restorable_until)}` : 'In redemption';
  case 'restoring':
    return 'Being restored — waiting for the registry';
  case 'pending_delete':
    return `Pending deletion — the registry deletes it${d.deleted_after ? ` after ${day(d.deleted_after)}` : ' soon'}`;
  case 'deleted':
    return 'Deleted — the name is free again';
  default:
    return null;
  }
}

// statusCell - the badge, with the status's words and date after expiry
function statusCell(d) {
  const w = statusWords(d);
  if (!w) return badge(d.status);
  const b = badge(d.status);
  b.classList.add('badge-phase', 'status-words');
  const m = /^(.*?)(\d{4}-\d{2}-\d{2})?$/.exec(w); // the date kept on one line
  fill(b, m[1], m[2] ? h('span', { class: 'date' }, m[2]) : null);
  return b;
}

// the views of My Domains: live ones by default, past attempts apart
const VIEWS = [
  ['live', 'Live domains'], ['active', 'Active'], ['expired', 'Expired'], ['redemption', 'In redemption'], ['registering', 'Being registered'],
  ['transferring', 'Being transferred'], ['renewing', 'Being renewed'], ['past', 'Past attempts (failed, cancelled)'],
];
const WINDOWS = [['', 'Any expiry'], ['30', 'Expiring within 30 days'], ['90', 'Expiring within 90 days'], ['365', 'Expiring within a year']];
const PAGE = 25;

export function renderMyDomains(main, { path }) {
  const name = path.split('/').slice(1).join('/');
  if (name) return renderMyDomainDetail(main, decodeURIComponent(name));
  const status = h('div', { 'aria-live': 'polite' });
  const body = h('div', {});
  const q = input({ type: 'search', name: 'q', id: 'domains-q', placeholder: 'Search your domains', maxlength: 253,
    autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Search your domains' });
  const view = select(VIEWS, 'live', { name: 'view', id: 'domains-view', 'aria-label': 'Show' });
  const win = select(WINDOWS, '', { name: 'expires', id: 'domains-expires', 'aria-label': 'Expiry' });
  const filters = h('form', { class: 'domain-filters', role: 'search', 'aria-label': 'Filter your domains' }, q, view, win);
  add(main, toolbar(h('a', { class: 'btn btn-primary', href: '#/search' }, 'Register a domain'),
    h('a', { class: 'btn', href: '#/transfers' }, 'Transfer a domain in')), filters, status, body);
  let offset = 0;
  let timer = null;
  const reload = () => { offset = 0; load(); };
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); reload(); });
  view.addEventListener('change', reload);
  win.addEventListener('change', reload);
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 250);
  });
  function query() {
    const v = view.value;
    const text = q.value.trim().toLowerCase().replace(/[^a-z0-9.-]/g, '');
    return qs({ live: v === 'past' ? 0 : 1, status: v === 'live' || v === 'past' ? '' : v, q: text,
      expires_within_days: win.value, offset, limit: PAGE });
  }
  function emptyText() {
    if (q.value.trim() || win.value || view.value !== 'live') return 'No domains match these filters.';
    return 'You have no domains yet. Find one and register it.';
  }
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/domains${query()}`);
      const flagged = res.items.filter((d) => d.needs_action);
      const past = view.value === 'past';
      fill(body,
        flagged.length ? h('div', { class: 'notice notice-warn', role: 'alert', id: 'domains-attention' },
          h('strong', {}, flagged.length === 1 ? 'One domain needs your attention. ' : `${flagged.length} domains need your attention. `),
          flagged.map((d) => h('span', { class: 'attention-item' }, actionText(d), ' ',
            h('a', { href: `#/domains/${encodeURIComponent(d.name)}` }, `Open ${d.unicode_name || d.name}`), ' '))) : null,
        table([
          { title: 'Domain', cell: (d) => h('a', { href: `#/domains/${encodeURIComponent(d.name)}` }, d.unicode_name || d.name) },
          { title: 'Status', cell: (d) => h('span', { class: 'status-cell' }, statusCell(d),
            // the phase badge already says expired / in redemption
            d.needs_action && d.needs_action !== d.status
              ? h('span', { class: 'badge badge-attention', title: actionText(d) }, `⚠ ${actionShort[d.needs_action] || 'Action needed'}`) : null) },
          { title: past ? 'Tried' : 'Expires', cell: (d) => (past ? day(d.created_at)
            : d.expires_at ? h('span', {}, day(d.expires_at), h('span', { class: 'muted' }, ` (${relative(d.expires_at)})`)) : '—') },
          past ? null : { title: 'Auto-renew', cell: (d) => autoRenewSwitch(d, (e, r) => {
            fill(status, e ? errorBox(e) : notice(`Auto-renew of ${r.unicode_name || r.name} is ${r.auto_renew ? 'on' : 'off'}.`, 'ok'));
            load();
          }) },
          { title: '', cell: (d) => h('a', { class: `btn btn-small${d.needs_action ? ' btn-primary' : ''}`, href: `#/domains/${encodeURIComponent(d.name)}` },
            d.needs_action === 'redemption' ? 'Restore now' : d.needs_action ? 'Renew now' : d.status === 'active' ? 'Renew / details' : 'Details') },
        ].filter(Boolean), res.items, { caption: past ? 'Your past attempts' : 'Your domains', empty: emptyText(),
          rowAttrs: (d) => ({ 'data-domain': d.name, 'data-status': d.status, class: d.needs_action ? 'row-attention' : null,
            'data-needs-action': d.needs_action || null }) }),
        h('div', { class: 'list-foot' },
          res.items.length ? h('span', { class: 'muted', id: 'domains-range' }, `Showing ${offset + 1}–${offset + res.items.length}`) : null,
          pager(res.page, offset, (o) => { offset = o; load(); })));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

// renderMyDomainDetail - the customer's view of one of their domains:
// status, auto-renew, renewal at the listed prices, its nameservers,
// registrar lock, auth code and changes (manage.js), the history.
// carried: the outcome of the order that led to this refresh, kept on top.
async function renderMyDomainDetail(main, name, carried = null) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  let d;
  let lic;
  try {
    d = await get(`/api/v1/domains/${encodeURIComponent(name)}`);
    lic = await get(`/api/v1/license?domain=${encodeURIComponent(d.name)}`).catch(() => null);
  } catch (e) {
    fill(slot, errorBox(e), h('a', { href: '#/domains' }, 'Back to your domains'));
    return;
  }
  const title = main.querySelector('.page-title');
  if (title) title.textContent = d.unicode_name || d.name;
  const swStatus = h('div', { 'aria-live': 'polite' });
  const pendingOp = (d.operations || []).find((o) => o.state === 'pending');
  const renewOut = h('div', { 'aria-live': 'polite' });
  const dn = d.unicode_name || d.name;
  const base = `/api/v1/domains/${encodeURIComponent(d.name)}`;
  const afterOrder = (r, out) => {
    const said = out.querySelector('.notice:not(.notice-wait)'); // a pending one is shown again
    if (r) setTimeout(() => { if (location.hash.startsWith('#/domains/')) refresh(said); }, 0);
  };
  // in grace (expired) a renewal costs the renewal price plus the grace fee
  const inGrace = d.status === 'expired' && (!d.renewable_until || d.renewable_until > now());
  const graceFee = d.status === 'expired' ? Number(d.grace_fee || 0) : 0;
  let renewCard = null;
  if ((d.status === 'active' || inGrace) && lic && priceTerms(lic.prices, 'renew').length) {
    const price = (t) => lic.prices.renew[String(t)] + graceFee;
    const terms = priceTerms(lic.prices, 'renew');
    const term = select(terms.map((t) => [String(t), `${years(t)} — ${money(price(t))}`]), String(terms[0]), { name: 'term', id: 'renew-term' });
    const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Renew');
    const total = h('p', { class: 'renew-total', 'aria-live': 'polite' });
    const showTotal = () => {
      const t = Number(term.value);
      total.textContent = graceFee
        ? `Total for ${years(t)}: ${money(price(t))} (renewal ${money(lic.prices.renew[String(t)])} + grace fee ${money(graceFee)}).`
        : '';
    };
    term.addEventListener('change', showTotal);
    showTotal();
    const form = h('form', { class: 'form inline-form' }, field('Renew for', term), h('div', { class: 'form-actions' }, btn));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const t = Number(term.value);
      const r = await order({ path: `${base}/renew`, body: { term: t }, name: dn, kind: 'renew', amount: price(t),
        breakdown: graceFee ? `renewal ${money(lic.prices.renew[String(t)])} + grace fee ${money(graceFee)}` : null, out: renewOut, btn });
      afterOrder(r, renewOut);
    });
    renewCard = card('Renew',
      d.status === 'expired'
        ? h('p', { class: 'renew-grace' }, `${dn} expired on ${day(d.expires_at)}. It is renewable until ${day(d.renewable_until)}`,
          graceFee ? ` at the renewal price plus a grace fee of ${money(graceFee)}.` : ' at the renewal price.',
          ' The time is added to the old expiry.')
        : h('p', { class: 'muted' }, `Adds time to the current expiry (${when(d.expires_at)}).`),
      form, total, renewOut);
    renewCard.id = 'renew';
  }
  // in redemption only a restore keeps the domain
  const restoreOut = h('div', { 'aria-live': 'polite' });
  let restoreCard = null;
  if (d.status === 'redemption') {
    const open = d.restore_price !== null && d.restore_price !== undefined && (!d.restorable_until || d.restorable_until > now());
    if (open) {
      const renewal = d.restore_price - d.restore_fee;
      const next = new Date(d.expires_at * 1000);
      next.setUTCFullYear(next.getUTCFullYear() + 1);
      const btn = button(`Restore for ${money(d.restore_price)}`, { class: 'btn btn-primary', id: 'restore-button' }, async () => {
        const r = await order({ path: `${base}/restore`, body: {}, name: dn, kind: 'restore', amount: d.restore_price,
          breakdown: `restore fee ${money(d.restore_fee)} + one year's renewal ${money(renewal)}`, out: restoreOut, btn });
        afterOrder(r, restoreOut);
      });
      restoreCard = card('Restore',
        h('p', { class: 'restore-offer' }, `Restore ${dn} for `, h('strong', {}, money(d.restore_price)),
          ` (restore fee ${money(d.restore_fee)} + one year's renewal ${money(renewal)}), until ${day(d.restorable_until)}.`),
        h('p', { class: 'muted' }, `It expired on ${day(d.expires_at)} and can no longer be renewed. The registry restores it with one more year: it then expires on ${day(next.getTime() / 1000)}.`),
        h('div', { class: 'form-actions' }, btn), restoreOut);
    } else {
      restoreCard = card('Restore',
        h('p', { class: 'restore-offer' }, d.restore_price === null || d.restore_price === undefined
          ? `Restores of .${d.tld} domains are not offered here. Contact support if you want to keep ${dn}.`
          : `The redemption period of ${dn} ended on ${day(d.restorable_until)}: it can no longer be restored. Contact support.`));
    }
    restoreCard.id = 'restore';
  }
  // the end of a domain: said plainly
  let endNotice = null;
  if (d.status === 'pending_delete') {
    endNotice = h('div', { class: 'notice notice-bad', role: 'status', id: 'domain-end' },
      h('strong', {}, `${dn} is pending deletion. `),
      `It was neither renewed nor restored in time; nothing can be done now. The registry deletes it${d.deleted_after ? ` after ${day(d.deleted_after)}` : ' within days'}, `
      + 'and then the name is free again: anyone can register it, you too as a new registration.');
  } else if (d.status === 'deleted') {
    endNotice = h('div', { class: 'notice notice-info', role: 'status', id: 'domain-end' },
      h('strong', {}, `${dn} was deleted by the registry. `),
      'The name is free again: anyone can register it. ',
      h('a', { href: `#/search/${encodeURIComponent(d.name)}` }, 'Register it again'), '.');
  } else if (d.status === 'restoring') {
    endNotice = h('div', { class: 'notice notice-wait', role: 'status', id: 'domain-end' },
      h('strong', {}, `The restore of ${dn} is underway. `),
      'The registry restores it later; we check until it does. If it fails you are refunded in full.');
  }
  function refresh(said) {
    fill(main, h('h1', { class: 'page-title' }, d.unicode_name || d.name));
    renderMyDomainDetail(main, d.name, said);
  }
  fill(slot, 
    h('p', {}, h('a', { href: '#/domains' }, '← Your domains')),
    carried ? h('div', { class: 'order-outcome', id: 'order-outcome' }, carried) : null,
    pendingOp ? pendingNotice(pendingOp) : null,
    d.transfer_away ? h('div', { class: 'notice notice-warn', role: 'alert', id: 'transfer-away' },
      h('strong', {}, 'A transfer to another registrar is pending. '),
      `Someone asked to move ${d.unicode_name || d.name} away from us (${d.transfer_away.status.replace(/_/g, ' ')}). `
      + 'If that was not you, turn the registrar lock on below and contact us.') : null,
    d.needs_action ? h('div', { class: 'notice notice-warn', role: 'alert', id: 'domain-attention' },
      h('strong', {}, `${actionShort[d.needs_action] || 'Action needed'}. `), actionText(d),
      renewCard ? [' ', button('Renew it', { class: 'btn btn-small btn-primary renew-link' }, () => {
        renewCard.scrollIntoView({ block: 'center' });
        renewCard.querySelector('select')?.focus();
      })] : null,
      restoreCard && d.needs_action === 'redemption' ? [' ', button('Restore it', { class: 'btn btn-small btn-primary restore-link' }, () => {
        restoreCard.scrollIntoView({ block: 'center' });
        restoreCard.querySelector('button')?.focus();
      })] : null) : null,
    endNotice,
    h('div', { class: 'detail-grid' },
      card('Domain', dl([
        ['Status', statusCell(d)],
        [d.expires_at && d.expires_at < now() ? 'Expired' : 'Expires', d.expires_at ? `${when(d.expires_at)} (${relative(d.expires_at)})` : '—'],
        // past both windows the notice above says what is left
        d.renewable_until && !['pending_delete', 'deleted'].includes(d.status) ? [d.expires_at && d.expires_at < now() ? 'After expiry' : 'After it expires', h('span', { class: 'after-expiry' },
          `renewable until ${day(d.renewable_until)}`,
          d.restorable_until ? `, then restorable until ${day(d.restorable_until)}${d.restore_fee !== null && d.restore_fee !== undefined ? ` (restore fee ${money(d.restore_fee)})` : ''}` : '',
          '.')] : null,
        ['Auto-renew', autoRenewSwitch(d, (e, r) => fill(swStatus, e ? errorBox(e)
          : notice(`Auto-renew is ${r.auto_renew ? 'on: we renew it before it expires and charge your balance' : 'off: renew it yourself before it expires'}.`, 'ok')))],
        ['Registered here', when(d.created_at)],
      ]), swStatus),
      renewCard || restoreCard),
    manageSections(d),
    card('History', timeline(d.operations)));
  if (renewOut.firstChild) renewOut.scrollIntoView();
  if (restoreOut.firstChild) restoreOut.scrollIntoView();
}

// ---- Find a Domain --------------------------------------------------------

export function renderSearch(main, { path }) {
  const initial = decodeURIComponent(path.split('/').slice(1).join('/'));
  const name = input({ type: 'search', name: 'domain', id: 'search-domain', placeholder: 'yourname.com', maxlength: 253,
    autocomplete: 'off', spellcheck: 'false' });
  name.value = initial;
  const go = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search');
  const form = h('form', { class: 'hero-search', role: 'search' }, h('label', { for: 'search-domain', class: 'sr-only' }, 'Domain name'), name, go);
  const out = h('div', { class: 'lookup-slot' });
  add(main, form, out);

  async function search() {
    const q = name.value.trim().toLowerCase();
    if (!q) return;
    const want = `#/search/${encodeURIComponent(q)}`;
    if (location.hash !== want) history.replaceState(null, '', want);
    await busy(go, 'Searching…', async () => {
      loading(out, `Asking the registry about ${q}…`);
      let r;
      try {
        r = await markMine(await shopSearch(q));
      } catch (e) {
        fill(out, errorBox(e));
        return;
      }
      const result = h('div', { 'aria-live': 'polite', class: 'order-result' });
      const contactSlot = h('div', {});
      // registerForm - the term and Register for an orderable name: in its
      // card (the name typed), or compact in a row of the lists
      const registerForm = (it, inCard) => {
        const term = termSelect(it.prices, 'register', inCard
          ? { name: 'term', id: 'register-term' }
          : { name: 'term', 'aria-label': `Term for ${it.unicode}`, class: 'shop-term' });
        const btn = h('button', { type: 'submit', class: inCard ? 'btn btn-primary' : 'btn btn-primary btn-small',
          'aria-label': inCard ? null : `Register ${it.unicode}` }, 'Register');
        const f = inCard
          ? h('form', { class: 'form inline-form' }, field('Register for', term), h('div', { class: 'form-actions' }, btn))
          : h('form', { class: 'shop-order' }, term, btn);
        f.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          clear(result);
          try {
            await needContact(contactSlot);
          } catch (e) {
            add(result, errorBox(e));
            return;
          }
          const t = Number(term.value);
          const done = await order({ path: '/api/v1/domains/register', body: { name: it.name, term: t }, name: it.unicode,
            kind: 'register', amount: it.prices.register[String(t)], out: result, btn });
          // ordered: the form would offer the same name again, and the
          // card would still call it available
          if (done && inCard) {
            f.replaceWith(h('p', { class: 'muted' }, 'Ordered — see the result below.'));
            const head = out.querySelector('.lookup-head');
            const b = head && head.querySelector('.badge');
            if (b) b.replaceWith(badge('ordered'));
            if (head && head.nextElementSibling) head.nextElementSibling.textContent = 'You have ordered this name.';
          } else if (done) {
            const b = f.closest('tr')?.querySelector('.badge');
            if (b) b.replaceWith(badge('ordered'));
            f.replaceWith(h('span', { class: 'muted' }, 'Ordered'));
          }
          if (done && !inCard) result.scrollIntoView({ block: 'nearest' });
        });
        return f;
      };
      const card = (it) => lookupResult(asLookup(it), it.orderable
        ? registerForm(it, true)
        : it.availability === 'taken' && !it.mine
          ? h('p', {}, 'Is it yours at another registrar? ', h('a', { href: `#/transfers/${encodeURIComponent(it.name)}` }, 'Transfer it in'), '.')
          : null);
      fill(out, shopView(r, { card, action: (it) => (it.orderable ? registerForm(it, false) : null), slots: [contactSlot, result] }));
    });
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search();
  });
  if (initial) search();
  else name.focus();
}

// ---- Transfers ------------------------------------------------------------

export function renderTransfers(main, { path }) {
  const initial = decodeURIComponent(path.split('/').slice(1).join('/'));
  const name = input({ name: 'domain', id: 'transfer-domain', maxlength: 253, autocomplete: 'off', spellcheck: 'false', placeholder: 'yourname.com' });
  name.value = initial;
  const auth = input({ name: 'auth_code', id: 'transfer-auth', maxlength: 256, autocomplete: 'off', type: 'password' });
  const termSlot = h('div', {});
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Transfer');
  let lic = null;
  let term = null;
  const form = h('form', { class: 'form card', novalidate: true, 'aria-label': 'Transfer a domain in' },
    h('div', { class: 'form-grid' }, field('Domain', name), field('Authorization code', auth, 'From the registrar the domain is at now (also called EPP or auth code).')),
    termSlot, out, h('div', { class: 'form-actions' }, btn));
  const list = h('div', {});
  add(main, form, h('h2', { class: 'section-title' }, 'Your transfers'), list);

  async function prices() {
    clear(termSlot);
    lic = null;
    term = null;
    const q = name.value.trim().toLowerCase();
    if (!q.includes('.')) return;
    try {
      lic = await get(`/api/v1/license?domain=${encodeURIComponent(q)}`);
      if (!priceTerms(lic.prices, 'transfer').length) {
        add(termSlot, notice(`Transfers of .${lic.tld} are not offered.`, 'info'));
        return;
      }
      term = termSelect(lic.prices, 'transfer', { name: 'term', id: 'transfer-term' });
      add(termSlot, field('Term (added on transfer)', term));
    } catch (e) {
      add(termSlot, errorBox(e));
    }
  }
  name.addEventListener('change', prices);
  if (initial) prices();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const q = name.value.trim().toLowerCase();
    if (!q || !auth.value) {
      add(out, errorBox('Enter the domain and its authorization code.'));
      return;
    }
    if (!lic || lic.domain !== q) await prices();
    if (!term) return;
    try {
      await needContact(out);
    } catch (e) {
      add(out, errorBox(e));
      return;
    }
    const t = Number(term.value);
    const r = await order({ path: '/api/v1/domains/transfer', body: { name: q, term: t, auth_code: auth.value }, name: q,
      kind: 'transfer', amount: lic.prices.transfer[String(t)], out, btn });
    if (r) {
      auth.value = '';
      load();
    }
  });

  async function check(op, btn, slot) {
    await busy(btn, 'Checking…', async () => {
      clear(slot);
      try {
        const s = await get(`/api/v1/domains/${encodeURIComponent(op.domain)}/transfer-status`);
        add(slot, h('span', { class: 'muted' }, `Registrar says: ${s.status || 'no status yet'}${s.reason ? ` — ${s.reason}` : ''}`));
        if (s.operation && s.operation.state !== op.state) load();
      } catch (e) {
        add(slot, errorBox(e));
      }
    });
  }

  async function load() {
    loading(list);
    try {
      const res = await get('/api/v1/operations?kind=transfer&limit=50');
      fill(list, table([
        { title: 'Domain', cell: (op) => h('a', { href: `#/domains/${encodeURIComponent(op.domain)}` }, op.unicode_name || op.domain) },
        { title: 'State', cell: (op) => badge(op.state) },
        { title: 'Registrar status', cell: (op) => op.transfer_status || '—' },
        { title: 'Ordered', cell: (op) => when(op.created_at) },
        { title: 'Charged', num: true, cell: (op) => money(op.amount) },
        { title: 'Status', cell: (op) => {
          const slot = h('div', {});
          if (op.state === 'succeeded') return 'Completed';
          if (op.state !== 'pending') {
            return h('div', { class: 'transfer-outcome' }, h('strong', {}, `Refunded ${money(op.amount)}`),
              op.customer_reason ? h('p', { class: 'muted reason' }, sentence(op.customer_reason),
                /transferred/.test(op.customer_reason) ? ' Check the authorization code and that the domain is unlocked at your current registrar, then try again.' : '') : null);
          }
          const b = button('Check status', { class: 'btn btn-small' }, () => check(op, b, slot));
          return h('div', {}, b, slot);
        } },
      ], res.items, { caption: 'Your transfers', empty: 'No transfers yet.' }));
    } catch (e) {
      fill(list, errorBox(e));
    }
  }
  load();
}

// ---- Orders ---------------------------------------------------------------

export function renderOrders(main) {
  const body = h('div', {});
  const st = select([['', 'All orders'], ['pending', 'Pending'], ['succeeded', 'Completed'], ['failed', 'Failed'],
    ['timed_out', 'Timed out'], ['cancelled', 'Cancelled']], '', { 'aria-label': 'Show', name: 'state' });
  add(main, toolbar(st), body);
  let offset = 0;
  st.addEventListener('change', () => { offset = 0; load(); });
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/operations${qs({ state: st.value, offset, limit: 50 })}`);
      const pend = res.items.filter((o) => o.state === 'pending');
      fill(body, 
        pend.map((op) => pendingNotice(op)),
        table([
          { title: 'Order', cell: (op) => h('span', {}, `${opLabel(op.kind)} of `, h('a', { href: `#/domains/${encodeURIComponent(op.domain)}` }, op.unicode_name || op.domain)) },
          { title: 'Term', cell: (op) => years(op.term) },
          { title: 'State', cell: (op) => badge(op.state) },
          { title: 'Ordered', cell: (op) => when(op.created_at) },
          { title: 'Charged', num: true, cell: (op) => h('span', {}, money(op.amount),
            ['failed', 'timed_out', 'cancelled'].includes(op.state) ? h('span', { class: 'muted' }, ' refunded') : null) },
          { title: 'Details', cell: (op) => (op.state === 'pending' ? h('span', { class: 'muted' }, `Waiting for the registry; next check ${relative(op.next_check_at)}`) : (op.state === 'succeeded' ? '—' : sentence(op.customer_reason) || '—')) },
        ], res.items, { caption: 'Your orders', empty: 'No orders yet.' }),
        pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

// ---- Balance and History --------------------------------------------------

export async function renderBalance(main) {
  const top = h('div', {});
  const body = h('div', {});
  add(main, top, body);
  loading(top);
  let m;
  try {
    m = await me();
  } catch (e) {
    fill(top, errorBox(e));
    return;
  }
  const a = m.account;
  fill(top, h('div', { class: 'tiles' },
    h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Balance'),
      h('span', { class: `tile-value${a.balance < 0 ? ' neg' : ''}`, id: 'customer-balance' }, money(a.balance))),
    a.credit_limit ? h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Credit allowed'), h('span', { class: 'tile-value' }, money(a.credit_limit))) : null,
    h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, 'Domains'), h('span', { class: 'tile-value' }, String(a.domains)))),
  fundsHint());
  let offset = 0;
  async function load() {
    loading(body);
    try {
      const res = await get(`/api/v1/accounts/${a.id}/history${qs({ offset, limit: 50 })}`);
      fill(body, table([
        { title: 'Date', cell: (l) => when(l.at) },
        { title: 'Kind', cell: (l) => badge(l.kind) },
        { title: 'Description', cell: (l) => l.memo || l.ref || '—' },
        { title: 'Amount', num: true, cell: (l) => h('span', { class: l.amount < 0 ? 'neg' : 'pos' }, money(l.amount)) },
        { title: 'Balance', num: true, cell: (l) => money(l.balance_after) },
      ], res.items, { caption: 'Balance history', empty: 'No charges, refunds or credits yet.',
        rowAttrs: (l) => ({ 'data-kind': l.kind }) }),
      pager(res.page, offset, (o) => { offset = o; load(); }));
    } catch (e) {
      fill(body, errorBox(e));
    }
  }
  load();
}

// ---- Contact Details ------------------------------------------------------

export async function renderProfile(main) {
  const slot = h('div', {});
  add(main, slot);
  loading(slot);
  try {
    const m = await me();
    let cur = null;
    try {
      cur = await get(`/api/v1/accounts/${m.account.id}/contacts/owner`);
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    const reg = await get(`/api/v1/accounts/${m.account.id}/registrant`);
    fill(slot, card('Owner contact',
      h('p', { class: 'muted' }, cur ? 'Used for your new registrations and transfers.' : 'Not set yet: you need it before your first registration.'),
      contactForm(`/api/v1/accounts/${m.account.id}/contacts/owner`, cur, null, reg)));
  } catch (e) {
    fill(slot, errorBox(e));
  }
}
