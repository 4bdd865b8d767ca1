// admin.js - the provider's control panel (/admin/).

import { session } from './api.js';
import { h, fill } from './dom.js';
import { showLogin } from './login.js';
import { startShell } from './shell.js';
import { renderDashboard } from './admin-dashboard.js';
import { renderRegistrars } from './admin-registrars.js';
import { renderTlds } from './admin-tlds.js';
import { renderAccounts } from './admin-accounts.js';
import { renderAsync } from './admin-async.js';
import { renderLate, renderReconcile } from './admin-late.js';
import { renderDomains, renderJobs, renderMail, renderReglog } from './admin-ops.js';
import { renderAcceptances } from './admin-acceptances.js';
import { renderBulk } from './admin-bulk.js';
import { renderResellers, renderWholesale } from './admin-resellers.js';

const sections = [
  { id: 'dashboard', title: 'Dashboard', render: renderDashboard,
    description: 'Registrations and renewals per day, pending operations and their age, refunds and registrar balances.' },
  { id: 'registrars', title: 'Domain Registrars', render: renderRegistrars,
    description: 'Registrar connections: add or edit a connection and test it against the registrar.' },
  { id: 'tlds', title: 'TLDs and Prices', render: renderTlds,
    description: 'Which connection serves each TLD, and the price of every operation and term.' },
  { id: 'accounts', title: 'Accounts', render: renderAccounts,
    description: 'Customer accounts, their balances, credits and ledger history.' },
  { id: 'resellers', title: 'Resellers', render: renderResellers,
    description: 'Resellers with their balance, customers, sales, wholesale paid and margin; add a reseller.' },
  { id: 'wholesale', title: 'Wholesale Prices', render: renderWholesale,
    description: 'What resellers pay per TLD, operation and term.' },
  { id: 'domains', title: 'Domains', render: renderDomains,
    description: 'Search domains; each domain shows its operation timeline and registrar log.' },
  { id: 'bulk', title: 'Bulk Actions', render: renderBulk,
    description: 'One action on many domains: renew, nameservers, lock or unlock, auto-renew on or off, with progress and the outcome of each domain.' },
  { id: 'async', title: 'Async Manager', render: renderAsync,
    description: 'Operations the registrar has not confirmed yet: age, next check, deadline and last answer, with check, reset and cancel.' },
  { id: 'late', title: 'Late Completions', render: renderLate,
    description: 'Orders the registrar completed after the customer was refunded, held by the provider until you decide; and the orders still watched.' },
  { id: 'reconcile', title: 'Reconcile', render: renderReconcile,
    description: 'What the registrar charged for orders refunded to the customers: exposure and amounts at risk.' },
  { id: 'jobs', title: 'Jobs', render: renderJobs,
    description: 'Scheduled background work: polls, expiry warnings, auto-renewals and mail delivery.' },
  { id: 'mail', title: 'Mail Outbox', render: renderMail,
    description: 'Messages queued for customers and administrators, and their delivery state.' },
  { id: 'reglog', title: 'Registrar Log', render: renderReglog,
    description: 'Every request to a registrar and its response, secrets redacted, with CSV export.' },
  { id: 'acceptances', title: 'License Acceptances', render: renderAcceptances,
    description: 'Who accepted which license agreement, when, from which address, with the hash of the text; per account or connection, with CSV export.' },
];

const root = document.getElementById('app');

function denied(who) {
  fill(root, 
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
  fill(root, h('p', { class: 'form-error', role: 'alert' }, e.message));
});
