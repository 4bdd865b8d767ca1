// customer.js - the customer panel (/).

import { session } from './api.js';
import { h, clear } from './dom.js';
import { showLogin } from './login.js';
import { startShell } from './shell.js';

const sections = [
  { id: 'domains', title: 'My Domains',
    description: 'Your domains with their expiry dates and auto-renew setting.' },
  { id: 'search', title: 'Find a Domain',
    description: 'Check whether a name is available and what it costs for each term, then register it.' },
  { id: 'transfers', title: 'Transfers',
    description: 'Move a domain to this account with its authorization code, and follow the transfer.' },
  { id: 'orders', title: 'Orders',
    description: 'Registrations, renewals and transfers, with their status while the registrar is working on them.' },
  { id: 'balance', title: 'Balance and History',
    description: 'Your balance, charges, refunds and credits.' },
  { id: 'profile', title: 'Contact Details',
    description: 'The contact details used when registering your domains.' },
];

const root = document.getElementById('app');

function show(who) {
  if (!who) {
    showLogin(root, { title: 'Your domains', subtitle: 'Sign in to manage your domains.', onDone: show });
    return;
  }
  startShell(root, { panel: 'Domains', who, sections,
    otherPanel: who.role === 'admin' ? { href: '/admin/', title: 'Administration' } : null,
    onSignedOut: () => show(null) });
}

session().then(show).catch((e) => {
  clear(root).append(h('p', { class: 'form-error', role: 'alert' }, e.message));
});
