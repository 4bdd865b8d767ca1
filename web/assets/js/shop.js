// shop.js - "search like a shop" (GET /api/v1/search): a word or a name in
// every TLD the provider sells with its availability and price, then names
// like it. The page showing it says what a name's action is: Register
// (signed in, customer-pages.js) or Sign up (the storefront, customer.js).

import { get } from './api.js';
import { h } from './dom.js';
import { money, badge, notice, table, years, priceTerms } from './ui.js';

export function shopSearch(q) {
  return get(`/api/v1/search?q=${encodeURIComponent(q)}`);
}

// markMine - the search is public: a signed-in customer's own live names
// (GET /api/v1/domains) are marked here, so they say "yours".
export async function markMine(r) {
  const mine = new Set();
  try {
    const page = await get(`/api/v1/domains?live=1&limit=500&q=${encodeURIComponent(r.label)}`);
    for (const d of page.items || []) mine.add(d.name);
  } catch {
    return r; // the list is a nicety: the search stands without it
  }
  for (const it of [...r.results, ...r.suggestions]) {
    if (!mine.has(it.name)) continue;
    it.mine = true;
    it.orderable = false;
  }
  return r;
}

// reasonText - why a name cannot be ordered, for the customer.
function reasonText(it) {
  if (it.mine) return 'You have this name already.';
  if (it.premium) return 'This is a premium name: the registry sells it at its own price, and it is not offered here.';
  if (it.availability === 'unknown') return `We could not find out whether it is free${it.reason ? `: ${it.reason}` : ''}. Try again in a moment.`;
  if (it.availability === 'taken') return it.reason ? `Taken: ${it.reason}.` : 'This name is taken.';
  if (it.available && !it.orderable) return it.reason || 'This name cannot be ordered here.';
  return '';
}

// asLookup - a search result as lookupResult (customer-pages.js) shows a
// lookup: the exact name's card.
export function asLookup(it) {
  return {
    domain: it.name,
    unicode_name: it.unicode,
    available: it.orderable,
    availability: it.mine ? 'yours' : it.premium ? 'premium' : it.availability,
    reason: reasonText(it),
    premium: false,
    prices: it.premium ? null : it.prices,
  };
}

function availCell(it) {
  const word = it.mine ? 'yours' : it.premium && it.available ? 'premium' : it.availability;
  // a premium name's price cell says it all
  const plainTaken = it.availability === 'taken' && !it.reason;
  const why = it.orderable || it.mine || it.premium || plainTaken ? null : reasonText(it);
  return [badge(word), why ? h('div', { class: 'muted shop-why' }, why) : null];
}

function priceCell(it) {
  if (it.premium) return h('span', { class: 'muted' }, 'Premium: not offered');
  const terms = priceTerms({ register: it.terms }, 'register');
  if (!terms.length) return h('span', { class: 'muted' }, 'No price set');
  const t = it.price !== null ? 1 : terms[0];
  return h('span', { class: 'shop-price' }, money(it.terms[String(t)]), h('span', { class: 'muted' }, ` / ${years(t)}`));
}

function list(title, items, action, id) {
  return h('section', { class: 'card shop-list', id, 'aria-label': title },
    h('h2', { class: 'card-title' }, title),
    table([
      { title: 'Domain', cell: (it) => h('strong', { class: 'shop-name' }, it.unicode) },
      { title: 'Availability', cell: availCell },
      { title: 'Price', num: true, cell: priceCell },
      { title: 'Order', cell: (it) => action(it) },
    ], items, { caption: title, rowAttrs: (it) => ({ 'data-domain': it.name, class: it.orderable ? 'shop-yes' : 'shop-no' }) }));
}

// shopView - the search's answer: a note when the TLD typed is not sold or
// no registry answered, the exact name's card (card(item)), then slots
// (order results), the name in the other TLDs and the suggestions, each
// row with action(item) (null: nothing to do).
export function shopView(r, { card, action, slots = [] }) {
  const parts = [];
  if (r.typed_tld && !r.typed_tld_sold) {
    parts.push(notice(`We do not sell .${r.typed_tld} names. Here is “${r.unicode_label}” in every TLD we sell.`, 'info'));
  }
  if (!r.answered) {
    parts.push(notice('The registry did not answer, so we cannot tell which names are free. Try again in a moment.', 'warn'));
  }
  const exact = r.results.find((x) => x.exact);
  if (exact) parts.push(card(exact));
  parts.push(slots);
  const others = r.results.filter((x) => !x.exact);
  if (others.length) {
    parts.push(list(exact ? `“${r.unicode_label}” in our other TLDs` : `“${r.unicode_label}” in every TLD we sell`,
      others, action, 'shop-tlds'));
  }
  if (r.suggestions.length) parts.push(list('Suggestions', r.suggestions, action, 'shop-suggestions'));
  return parts;
}
