// shell.js - the panel layout: top bar (product, panel name, signed-in
// user, sign out), side navigation built from a section list, and a
// hash router (#/section) that renders the chosen section into the main
// area. Sections register a render(container, ctx) function; one
// without it shows its description until its page is built. A section
// with `group` starts a headed group of the navigation (when the group
// changes) and may name itself shorter there with `nav`.

import { logout } from './api.js';
import { h, clear } from './dom.js';

export function startShell(root, { panel, who, sections, otherPanel, onSignedOut }) {
  const nav = h('nav', { class: 'sidebar', 'aria-label': panel });
  const main = h('main', { class: 'content', id: 'content', tabindex: '-1' });
  const links = new Map();

  const list = h('ul', { class: 'nav-list' });
  let group = null;
  for (const s of sections) {
    if (s.group && s.group !== group) list.append(h('li', { class: 'nav-group' }, s.group));
    group = s.group || null;
    const a = h('a', { href: '#/' + s.id, class: 'nav-link' }, s.nav || s.title);
    links.set(s.id, a);
    list.append(h('li', {}, a));
  }
  nav.append(list);

  const signOut = h('button', { type: 'button', class: 'btn btn-quiet' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    try {
      await logout();
    } catch {
      // The session is gone either way once the cookie is cleared.
    }
    window.removeEventListener('hashchange', route);
    onSignedOut();
  });

  const top = h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, 'r'), 'regman'),
    h('span', { class: 'panel-name' }, panel),
    h('div', { class: 'topbar-right' },
      otherPanel ? h('a', { href: otherPanel.href, class: 'topbar-link' }, otherPanel.title) : null,
      h('span', { class: 'user', title: who.role }, who.username),
      signOut));

  clear(root).append(h('div', { class: 'shell' }, top, h('div', { class: 'body' }, nav, main)));

  function route() {
    const id = location.hash.replace(/^#\/?/, '') || sections[0].id;
    // #/section/more or #/section?filters: the section is the first word
    const section = sections.find((s) => s.id === id.split(/[/?]/)[0]) || sections[0];
    for (const [sid, a] of links) {
      if (sid === section.id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${section.title} — regman ${panel}`;
    clear(main);
    main.append(h('h1', { class: 'page-title' }, section.title));
    if (section.render) {
      section.render(main, { who, path: id });
    } else {
      main.append(h('section', { class: 'card empty' },
        h('p', {}, section.description)));
    }
    main.focus({ preventScroll: true });
  }
  window.addEventListener('hashchange', route);
  route();
}
