// admin.js - the provider's control panel (/admin/).

import { session } from './api.js';
import { h, clear } from './dom.js';
import { showLogin } from './login.js';
import { startShell } from './shell.js';

const sections = [
  { id: 'dashboard', title: 'Dashboard',
    description: 'Registrations and renewals per day, pending operations and their age, refunds and registrar balances.' },
  { id: 'registrars', title: 'Domain Registrars',
    description: 'Registrar connections: add or edit a connection and test it against the registrar.' },
  { id: 'tlds', title: 'TLDs and Prices',
    description: 'Which connection serves each TLD, and the price of every operation and term.' },
  { id: 'accounts', title: 'Accounts',
    description: 'Customer accounts, their balances, credits and ledger history.' },
  { id: 'domains', title: 'Domains',
    description: 'Search domains; each domain shows its operation timeline and registrar log.' },
  { id: 'async', title: 'Async Manager',
    description: 'Operations the registrar has not confirmed yet: age, next check, deadline and last answer, with check, reset and cancel.' },
  { id: 'jobs', title: 'Jobs',
    description: 'Scheduled background work: polls, expiry warnings, auto-renewals and mail delivery.' },
  { id: 'mail', title: 'Mail Outbox',
    description: 'Messages queued for customers and administrators, and their delivery state.' },
  { id: 'reglog', title: 'Registrar Log',
    description: 'Every request to a registrar and its response, secrets redacted, with CSV export.' },
];

const root = document.getElementById('app');

function denied(who) {
  clear(root).append(
    h('main', { class: 'login-page' },
      h('div', { class: 'login-card' },
        h('h1', {}, 'Administrators only'),
        h('p', { class: 'muted' }, `You are signed in as ${who.username}, a customer login.`),
        h('a', { href: '/', class: 'btn btn-primary btn-block' }, 'Go to your domains'))));
}

function show(who) {
  if (!who) {
    showLogin(root, { title: 'Administration', subtitle: 'Sign in with an administrator login.', onDone: show });
  } else if (who.role !== 'admin') {
    denied(who);
  } else {
    startShell(root, { panel: 'Administration', who, sections,
      otherPanel: { href: '/', title: 'Customer panel' },
      onSignedOut: () => show(null) });
  }
}

session().then(show).catch((e) => {
  clear(root).append(h('p', { class: 'form-error', role: 'alert' }, e.message));
});
