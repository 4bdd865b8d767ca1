// customer.js - the customer panel (/). Without a session it is the
// public storefront: a domain search with prices, sign-up with the
// license agreement of the connection serving the searched TLD, and the
// sign-in form. With one, the customer's sections (customer-pages.js);
// a reseller's login has its reseller sections too (reseller.js).

import { get, post, session, login } from './api.js';
import { h, clear, add, fill } from './dom.js';
import { showLogin } from './login.js';
import { startShell } from './shell.js';
import { money, errorBox, field, input, busy, loading, priceTerms, years, setCurrency, agreementText } from './ui.js';
import {
  renderMyDomains, renderSearch, renderTransfers, renderOrders, renderBalance, renderProfile, lookupResult,
} from './customer-pages.js';
import { renderVerify, verifyBanner } from './site.js';
import { shopSearch, shopView, asLookup } from './shop.js';
import { resellerSections } from './reseller.js';

const sections = [
  { id: 'domains', title: 'My Domains', render: renderMyDomains,
    description: 'Your domains with their expiry dates and auto-renew setting.' },
  { id: 'search', title: 'Find a Domain', render: renderSearch,
    description: 'Check whether a name is available and what it costs for each term, then register it.' },
  { id: 'transfers', title: 'Transfers', render: renderTransfers,
    description: 'Move a domain to this account with its authorization code, and follow the transfer.' },
  { id: 'orders', title: 'Orders', render: renderOrders,
    description: 'Registrations, renewals and transfers, with their status while the registrar is working on them.' },
  { id: 'balance', title: 'Balance and History', render: renderBalance,
    description: 'Your balance, charges, refunds and credits.' },
  { id: 'profile', title: 'Contact Details', render: renderProfile,
    description: 'The contact details used when registering your domains.' },
];

const root = document.getElementById('app');
let publicRoute = null;

function show(who) {
  if (publicRoute) {
    window.removeEventListener('hashchange', publicRoute);
    publicRoute = null;
  }
  if (!who) {
    publicRoute = routePublic;
    window.addEventListener('hashchange', publicRoute);
    routePublic();
    return;
  }
  let account = null;
  get('/api/v1/me').then((me) => {
    account = me.account;
    if (me.account) setCurrency(me.account.currency);
  }, () => {}).finally(() => {
    startShell(root, { panel: 'Domains', who,
      sections: who.role === 'reseller' ? [...sections, ...resellerSections] : sections,
      otherPanel: who.role === 'admin' ? { href: '/admin/', title: 'Administration' } : null,
      onSignedOut: () => {
        history.replaceState(null, '', '#/');
        show(null);
      } });
    // an unconfirmed address: a strip above every section until confirmed
    verifyBanner(account).then((b) => {
      const top = root.querySelector('.shell > .topbar');
      if (b && top) top.after(b);
    });
  });
}

// ---- public pages -------------------------------------------------------

function publicFrame(...content) {
  return h('div', { class: 'shell' },
    h('header', { class: 'topbar' },
      h('a', { class: 'brand brand-link', href: '#/' }, h('span', { class: 'brand-mark' }, 'r'), 'regman'),
      h('span', { class: 'panel-name' }, 'Domains'),
      h('div', { class: 'topbar-right' }, h('a', { class: 'topbar-link', href: '#/login' }, 'Sign in'))),
    h('main', { class: 'public', id: 'content', tabindex: '-1' }, content));
}

function routePublic() {
  const path = location.hash.replace(/^#\/?/, '');
  if (path === 'login') {
    document.title = 'Sign in — regman';
    showLogin(root, { title: 'Your domains', subtitle: 'Sign in to manage your domains.', onDone: enter,
      footer: h('p', {}, 'New here? ', h('a', { href: '#/' }, 'Find a domain and sign up')) });
    return;
  }
  if (path.startsWith('verify/')) {
    renderVerify(root, publicFrame, path.slice(7), () => session().then(show));
    return;
  }
  if (path.startsWith('signup/')) {
    renderSignup(decodeURIComponent(path.slice(7)));
    return;
  }
  renderStorefront(path.startsWith('find/') ? decodeURIComponent(path.slice(5)) : '');
}

function enter(who) {
  if (!location.hash.startsWith('#/search') && !location.hash.startsWith('#/domains')) {
    history.replaceState(null, '', '#/domains');
  }
  show(who);
}

function renderStorefront(initial) {
  document.title = 'Find a domain — regman';
  const name = input({ type: 'search', name: 'domain', id: 'find-domain', placeholder: 'yourname.com',
    maxlength: 253, autocomplete: 'off', spellcheck: 'false', required: true });
  name.value = initial;
  const go = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search');
  const out = h('div', { class: 'lookup-slot' });
  const form = h('form', { class: 'hero-search', role: 'search' },
    h('label', { for: 'find-domain', class: 'sr-only' }, 'Domain name'), name, go);
  fill(root, publicFrame(
    h('section', { class: 'hero' },
      h('h1', {}, 'Find your domain'),
      h('p', { class: 'muted' }, 'Search a name to see whether it is free and what it costs, then sign up to register it.'),
      form),
    out,
    h('p', { class: 'public-foot muted' }, 'Already a customer? ', h('a', { href: '#/login' }, 'Sign in'))));

  async function search() {
    const q = name.value.trim().toLowerCase();
    if (!q) {
      name.focus();
      return;
    }
    if (location.hash !== `#/find/${encodeURIComponent(q)}`) history.replaceState(null, '', `#/find/${encodeURIComponent(q)}`);
    await busy(go, 'Searching…', async () => {
      loading(out, `Asking the registry about ${q}…`);
      try {
        const r = await shopSearch(q);
        const signup = (it) => `#/signup/${encodeURIComponent(it.name)}`;
        fill(out, shopView(r, {
          card: (it) => lookupResult(asLookup(it), it.orderable
            ? h('div', { class: 'form-actions' }, h('a', { class: 'btn btn-primary', href: signup(it) }, 'Sign up to register it'))
            : it.availability === 'taken'
              ? h('p', {}, 'Own it already elsewhere? Sign up and transfer it in with its authorization code.')
              : null),
          action: (it) => (it.orderable
            ? h('a', { class: 'btn btn-primary btn-small', href: signup(it), 'aria-label': `Sign up for ${it.unicode}` }, 'Sign up')
            : null),
        }));
      } catch (e) {
        fill(out, errorBox(e));
      }
    });
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search();
  });
  if (initial) search();
  name.focus();
}

async function renderSignup(domain) {
  document.title = 'Sign up — regman';
  const slot = h('div', {});
  fill(root, publicFrame(h('h1', { class: 'page-title' }, 'Create your account'), slot));
  loading(slot, 'Loading the registration agreement…');
  let lic;
  try {
    lic = await get(`/api/v1/license?domain=${encodeURIComponent(domain)}`);
  } catch (e) {
    fill(slot, errorBox(e), h('p', {}, h('a', { href: '#/' }, 'Search another name')));
    return;
  }
  const terms = priceTerms(lic.prices, 'register');
  const user = input({ name: 'username', autocomplete: 'username', required: true, maxlength: 64, pattern: '[A-Za-z0-9._@-]{1,64}' });
  const email = input({ name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 254 });
  const pass = input({ name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 1024 });
  const accept = h('input', { type: 'checkbox', name: 'accept_license', id: 'accept-license', required: true });
  const err = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Accept and create account');
  const agreement = h('div', { class: 'agreement', tabindex: '0', role: 'region', 'aria-label': 'Registration agreement', id: 'license-text' },
    agreementText(lic.text));
  const form = h('form', { class: 'form signup-form', novalidate: true },
    h('div', { class: 'card signup-domain' },
      h('p', {}, 'You are signing up to register ', h('strong', {}, domain),
        terms.length ? ` — from ${money(lic.prices.register[String(terms[0])])} for ${years(terms[0])}.` : '.'),
      h('p', { class: 'muted' }, 'After signing up you will confirm the order and see its exact charge.')),
    h('section', { class: 'card' },
      h('h2', { class: 'card-title' }, `Registration agreement for .${lic.tld}`),
      agreement,
      field('I have read and accept this registration agreement', accept)),
    h('section', { class: 'card' },
      h('h2', { class: 'card-title' }, 'Your login'),
      h('div', { class: 'form-grid' },
        field('Username', user, 'Letters, digits and . _ @ -'),
        field('Email', email, 'Where we send order confirmations and expiry warnings.'),
        field('Password', pass, 'At least 10 characters.'))),
    err,
    h('div', { class: 'form-actions' }, submit, h('a', { class: 'btn btn-quiet-dark', href: '#/' }, 'Back to search')));
  fill(slot, form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(err);
    const problems = [];
    if (!accept.checked) problems.push('Accept the registration agreement to sign up.');
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(user.value.trim())) problems.push('Choose a username (letters, digits and . _ @ -).');
    if (!email.value.includes('@')) problems.push('Enter your email address.');
    if (pass.value.length < 10) problems.push('The password needs at least 10 characters.');
    if (problems.length) {
      add(err, h('div', { class: 'form-error', role: 'alert' }, problems.map((p) => h('div', {}, p))));
      (!accept.checked ? accept : user).focus();
      return;
    }
    await busy(submit, 'Creating your account…', async () => {
      try {
        await post('/api/v1/signup', {
          username: user.value.trim(), password: pass.value, email: email.value.trim(),
          domain, license_sha256: lic.sha256, accept_license: true,
        });
        const who = await login(user.value.trim(), pass.value);
        history.replaceState(null, '', `#/search/${encodeURIComponent(domain)}`);
        show(who);
      } catch (e) {
        if (e.code === 'license_required') {
          add(err, errorBox('The agreement changed while you were reading it. Please read the new version.'));
          renderSignup(domain);
          return;
        }
        add(err, errorBox(e));
      }
    });
  });
}

// a confirmation link opens here whether or not a session exists; one
// opened in a tab that shows the signed-in panel starts the page afresh
window.addEventListener('hashchange', () => {
  if (!publicRoute && location.hash.startsWith('#/verify/')) location.reload();
});
const opened = location.hash.replace(/^#\/?/, '');
(opened.startsWith('verify/')
  ? Promise.resolve(renderVerify(root, publicFrame, opened.slice(7), () => session().then(show)))
  : session().then(show)).catch((e) => {
  fill(root, h('p', { class: 'form-error', role: 'alert' }, e.message));
});
