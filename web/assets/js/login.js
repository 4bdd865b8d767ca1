// login.js - the sign-in view shared by the admin and customer panels.

import { login } from './api.js';
import { h, clear } from './dom.js';

// showLogin - render the form into root; onDone(login) after success.
// footer: optional node under the form (e.g. a link to sign up).
export function showLogin(root, { title, subtitle, onDone, footer }) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const user = h('input', { id: 'login-username', name: 'username', autocomplete: 'username',
    required: true, maxlength: 64, autofocus: true });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true, maxlength: 1024 });
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');

  const form = h('form', { class: 'login-form', novalidate: true },
    h('label', { for: 'login-username' }, 'Username'), user,
    h('label', { for: 'login-password' }, 'Password'), pass,
    error, button);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    if (!user.value || !pass.value) {
      showError('Enter your username and password.');
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      const who = await login(user.value.trim(), pass.value);
      pass.value = '';
      onDone(who);
    } catch (e) {
      if (e.code === 'rate_limited') {
        const mins = Math.max(1, Math.ceil((e.retryAfter || 60) / 60));
        showError(`Too many failed attempts. Try again in ${mins} minute${mins > 1 ? 's' : ''}.`);
      } else if (e.code === 'bad_credentials') {
        showError('Wrong username or password.');
      } else {
        showError(e.message);
      }
      pass.value = '';
      pass.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  clear(root).append(
    h('main', { class: 'login-page' },
      h('div', { class: 'login-card' },
        h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark' }, 'r'), 'regman'),
        h('h1', {}, title),
        subtitle ? h('p', { class: 'muted' }, subtitle) : null,
        form,
        footer ? h('div', { class: 'login-footer' }, footer) : null)));
  user.focus();
}
