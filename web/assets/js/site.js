// site.js - what the customer panel learns from the provider's settings
// (GET /api/v1/site): whether a self-signup confirms its e-mail address,
// and how to add funds. Also the pieces built on it: the banner of an
// unconfirmed account (with "resend the mail") and the page that opens a
// confirmation link (#/verify/TOKEN).

import { get, post } from './api.js';
import { h, add, fill } from './dom.js';
import { errorBox, notice, busy } from './ui.js';

let cached = null;

export function site() {
  if (!cached) {
    cached = get('/api/v1/site').catch(() => ({ signup_verify: true, funds_text: null, funds_url: null }));
  }
  return cached;
}

// fundsHint - how to add funds: the provider's text and link when set.
export function fundsHint() {
  const refunds = 'Charges of orders that fail, time out or are cancelled are refunded automatically.';
  const p = h('p', { class: 'muted funds-hint' }, `To add funds, contact your provider. ${refunds}`);
  site().then((s) => {
    if (!s.funds_text && !s.funds_url) return;
    const link = s.funds_url
      ? h('a', { href: s.funds_url, rel: 'noopener noreferrer', target: s.funds_url.startsWith('mailto:') ? null : '_blank' },
        s.funds_url.startsWith('mailto:') ? s.funds_url.slice(7) : 'Add funds')
      : null;
    fill(p, h('strong', {}, 'Adding funds: '), s.funds_text || 'contact your provider.', link ? ' ' : null, link,
      h('br', {}), refunds);
    p.className = 'notice notice-info funds-hint';
  });
  return p;
}

// verifyBanner - a strip for an account whose address is not confirmed
// yet, with a rate-limited "resend the mail"; null when none is needed.
export async function verifyBanner(account) {
  if (!account || account.email_verified !== false) return null;
  const s = await site();
  if (!s.signup_verify) return null;
  const status = h('span', { class: 'verify-status', 'aria-live': 'polite' });
  const resend = h('button', { type: 'button', class: 'btn btn-small' }, 'Resend the mail');
  resend.addEventListener('click', () => busy(resend, 'Sending…', async () => {
    fill(status);
    try {
      const r = await post('/api/v1/verify-email/resend');
      fill(status, `Sent again to ${r.sent_to}.`);
    } catch (e) {
      fill(status, e.code === 'rate_limited' && e.retryAfter
        ? `A mail was sent a moment ago; you can ask again in ${e.retryAfter} seconds.` : e.message);
    }
  }));
  return h('div', { class: 'notice notice-warn verify-banner', role: 'status' },
    h('span', {}, h('strong', {}, 'Confirm your e-mail address. '),
      `We sent a link to ${account.email}; open it to place orders.`),
    resend, status);
}

// renderVerify - open a confirmation link: post its token, say the
// outcome, take the token out of the address bar and history.
export async function renderVerify(root, frame, token, onDone) {
  history.replaceState(null, '', '#/verify');
  document.title = 'Confirm your e-mail address — regman';
  const out = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Confirming your e-mail address…'));
  const next = h('a', { class: 'btn btn-primary', href: '#/domains' }, 'Continue to your domains');
  next.addEventListener('click', (ev) => {
    ev.preventDefault();
    history.replaceState(null, '', '#/domains');
    onDone();
  });
  fill(root, frame(h('section', { class: 'card narrow verify-card' },
    h('h1', { class: 'card-title' }, 'Confirm your e-mail address'), out, h('div', { class: 'form-actions' }, next))));
  try {
    await post('/api/v1/verify-email', { token });
    fill(out, notice('Your e-mail address is confirmed. You can now order domains.', 'ok'));
  } catch (e) {
    if (e.code === 'verify_used') fill(out, notice(e.message, 'info'));
    else add(fill(out), errorBox(e));
  }
}
