// Hatching a duckling (H1–H3) through the anonymous API: display name and email, then the code the
// email brings, then the new key, shown once. No Turnstile widget: this server publishes no site key
// (its human check is an engine setting), so no script from Cloudflare is ever loaded.

import { call, remember } from './api.js';
import { fill, h, say, sayError, shownOnce } from './dom.js';

export function hatchView(root) {
  const msg = h('div', { class: 'messages' });
  const name = h('input', { id: 'hatch-name', name: 'display_name', required: true, maxlength: '64', autocomplete: 'nickname' });
  const email = h('input', { id: 'hatch-email', name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const start = h('form', { class: 'card narrow', id: 'hatch-form' },
    h('h2', {}, 'Hatch a duckling'),
    h('p', {}, 'Your display name and email. A code is sent to the email; the email itself is stored only in protected form.'),
    h('label', { for: 'hatch-name' }, 'Display name'), name,
    h('label', { for: 'hatch-email' }, 'Email'), email,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Send me a code')),
    msg,
    h('p', { class: 'muted' }, 'Already have a key? ', h('a', { href: '#/sign-in' }, 'Sign in'), '.'));
  start.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const t = await call('POST', '/beak/hatch', { anonymous: true, body: { display_name: name.value, email: email.value.trim(), challenge_token: '' } });
      fill(root, codeForm(t));
    } catch (e) {
      sayError(msg, e);
    }
  });
  fill(root, start);
  name.focus();

  function codeForm(ticket) {
    const m = h('div', { class: 'messages' });
    const code = h('input', { id: 'hatch-code', name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '16' });
    const f = h('form', { class: 'card narrow', id: 'hatch-code-form' },
      h('h2', {}, 'Enter the code'),
      h('p', {}, 'We sent a code to the email you gave. It expires at ', ticket.expires_at, '.'),
      h('label', { for: 'hatch-code' }, 'Code'), code,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Hatch')), m);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const r = await call('POST', `/beak/hatch/${encodeURIComponent(ticket.hatch_id)}/complete`, { anonymous: true, body: { code: code.value.trim() } });
        const use = h('button', { type: 'button', class: 'primary', 'data-action': 'sign-in-new' }, 'Sign in with this key');
        use.addEventListener('click', () => {
          remember(r.key.key);
          location.hash = '#/me';
        });
        fill(root, h('section', { class: 'card narrow' }, h('h2', {}, 'Welcome, ', h('span', { 'data-field': 'hatched-name' }, r.duckling.display_name)),
          h('p', {}, 'Your identity is ', h('code', {}, r.duckling.id), ', tier ', r.duckling.tier, '.'),
          shownOnce('Your Beak Key', r.key.key, null, use)));
      } catch (e) {
        sayError(m, e);
      }
    });
    say(m, '');
    queueMicrotask(() => code.focus());
    return f;
  }
}
