// Hatching a duckling (H1–H3) through the anonymous API: display name and email, then the code the
// email brings, then the new key, shown once. The human check: when the server publishes a Turnstile
// site key (GET /beak/config), Cloudflare's widget script is added to the page once and the widget is
// rendered explicitly in the form; its token is the hatch's challenge_token. Without a site key nothing
// is loaded from Cloudflare and the token is empty (the server's own check decides).

import { call, remember } from './api.js';
import { fill, h, say, sayError, shownOnce } from './dom.js';

/** Cloudflare's widget script (explicit rendering): the only file from another origin, and only with a site key. */
const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';
let turnstileLoaded = null; // the script's loading, once per page

/** Adds the widget script to the page once (an element with a src: no inline script); resolves to its API. */
function loadTurnstile() {
  if (!turnstileLoaded) {
    turnstileLoaded = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = TURNSTILE_SCRIPT;
      script.async = true;
      script.defer = true;
      script.addEventListener('load', () => {
        if (window.turnstile) resolve(window.turnstile);
        else reject(new Error('The human check did not start; reload the page to try again.'));
      });
      script.addEventListener('error', () => {
        script.remove();
        turnstileLoaded = null; // a later visit tries again
        reject(new Error('The human check could not be loaded from Cloudflare; reload the page to try again.'));
      });
      document.head.append(script);
    });
  }
  return turnstileLoaded;
}

export function hatchView(root) {
  const msg = h('div', { class: 'messages' });
  const name = h('input', { id: 'hatch-name', name: 'display_name', required: true, maxlength: '64', autocomplete: 'nickname' });
  const email = h('input', { id: 'hatch-email', name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const human = h('div', { class: 'turnstile', id: 'hatch-turnstile' }); // the widget's place; empty without a site key
  const start = h('form', { class: 'card narrow', id: 'hatch-form' },
    h('h2', {}, 'Hatch a duckling'),
    h('p', {}, 'Your display name and email. A code is sent to the email; the email itself is stored only in protected form.'),
    h('label', { for: 'hatch-name' }, 'Display name'), name,
    h('label', { for: 'hatch-email' }, 'Email'), email,
    human,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Send me a code')),
    msg,
    h('p', { class: 'muted' }, 'Already have a key? ', h('a', { href: '#/sign-in' }, 'Sign in'), '.'));
  let turnstile = null; // Cloudflare's API, once the widget is on the page
  let widget = null; // the widget's id
  let token = ''; // the widget's latest token; empty without a widget

  async function showWidget() {
    const config = await call('GET', '/beak/config', { anonymous: true });
    const siteKey = config && typeof config.turnstile_site_key === 'string' ? config.turnstile_site_key : '';
    if (!siteKey) return; // no site key: no widget, nothing from Cloudflare, an empty token
    const api = await loadTurnstile();
    if (!human.isConnected) return; // the person left the page meanwhile
    const id = api.render(human, {
      sitekey: siteKey,
      callback: (t) => { token = t; },
      'expired-callback': () => { token = ''; },
      'error-callback': () => { token = ''; },
    });
    if (id !== undefined && id !== null) {
      turnstile = api;
      widget = id;
    }
  }
  const widgetShown = showWidget().catch((e) => sayError(msg, e));

  start.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await widgetShown;
    if (widget !== null && !token) {
      say(msg, 'Complete the human check above first.', 'error');
      return;
    }
    try {
      const t = await call('POST', '/beak/hatch', { anonymous: true, body: { display_name: name.value, email: email.value.trim(), challenge_token: token } });
      if (widget !== null) turnstile.remove(widget);
      fill(root, codeForm(t));
    } catch (e) {
      sayError(msg, e);
      if (widget !== null) {
        token = ''; // a token answers one check: the next attempt needs a new one
        turnstile.reset(widget);
      }
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
