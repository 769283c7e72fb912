// The certificate card page, /cert/{cert_id} (C5): the card from GET /beak/cert (any key may read a
// certificate, C4), its JWS verified here in the browser (jws.js), and "superseded by …" when it
// is not current. Anyone can also paste a JWS they were given and check it, without a key.

import { ApiError, currentKey, get, remember, whenUnauthenticated, forget } from './api.js';
import { fill, h, say, sayError, when } from './dom.js';
import { verifyCertificateJws } from './jws.js';

const main = document.getElementById('main');
const certId = decodeURIComponent(location.pathname.split('/')[2] || '');
const card = h('section', { class: 'card certificate', id: 'card', 'aria-live': 'polite' });
const msg = h('div', { class: 'messages' });

whenUnauthenticated((e) => {
  forget();
  signInHere(`Your key was not accepted: ${e.sentence()}`);
});

fill(main, h('h2', {}, 'Birth certificate ', h('code', {}, certId)), msg, card, pasteSection());
if (currentKey()) load();
else signInHere(null);

function signInHere(note) {
  const field = h('input', { id: 'key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'bk_…' });
  const form = h('form', { id: 'sign-in-form', class: 'inline' },
    h('label', { for: 'key' }, 'Beak Key'), field, h('button', { type: 'submit', class: 'primary' }, 'Show the card'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!field.value.trim()) return;
    remember(field.value);
    field.value = '';
    load();
  });
  fill(card, h('p', {}, 'Any Beak Key may read a certificate. Sign in to fetch this one (the key stays in this tab), or paste a JWS below to check it without a key.'), form);
  if (note) say(msg, note, 'error');
}

function row(label, value, field) {
  return [h('dt', {}, label), h('dd', field ? { 'data-field': field } : {}, value)];
}

async function load() {
  say(msg, '');
  fill(card, h('p', { class: 'muted' }, 'Loading…'));
  let c;
  try {
    c = await get('/beak/cert', { cert_id: certId });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      fill(card);
      sayError(msg, e);
    }
    return;
  }
  const verdict = h('div', { id: 'verdict', class: 'verdict pending', 'data-verdict': 'pending', role: 'status' }, 'Verifying the signature in your browser…');
  const status = h('dd', { 'data-field': 'status' }, h('span', { class: `pill ${c.status}` }, c.status));
  fill(card,
    h('div', { class: 'card-head' }, h('span', { class: 'kind' }, c.kind === 'agent' ? 'Agent' : 'Duckling'), h('span', { class: 'tier big' }, c.tier)),
    h('p', { class: 'card-name', 'data-field': 'display-name' }, c.display_name),
    h('dl', { class: 'facts' },
      row('Certificate', h('code', {}, c.cert_id), 'cert-id'),
      row('Subject', h('code', {}, c.subject_id), 'subject-id'),
      c.operator_id ? row('Operator', h('code', {}, c.operator_id), 'operator-id') : null,
      row('Issued', when(c.issued_at)),
      row('Engine', c.engine_version),
      c.supersedes ? row('Supersedes', h('a', { href: `/cert/${encodeURIComponent(c.supersedes)}` }, c.supersedes)) : null,
      [h('dt', {}, 'Status'), status]),
    verdict,
    h('details', {}, h('summary', {}, 'The signed token (JWS)'), h('pre', { class: 'jws', id: 'jws' }, c.jws)));
  if (c.status !== 'current') await superseded(c, status);
  const v = await verifyCertificateJws(c.jws);
  const mismatch = v.ok ? differs(v.claims, c) : null;
  showVerdict(verdict, v.ok && !mismatch ? v : { ok: false, why: mismatch || v.why });
}

/** Which signed claim differs from what the API said (null when they agree). */
function differs(claims, c) {
  const pairs = [['jti', c.cert_id], ['sub', c.subject_id], ['name', c.display_name], ['tier', c.tier], ['kind', c.kind]];
  for (const [k, v] of pairs) if (claims[k] !== v) return `the signed ${k} is not the card's`;
  return null;
}

async function superseded(c, statusCell) {
  if (c.status !== 'superseded') {
    statusCell.append(' ', h('span', { class: 'muted' }, `Not valid now: the subject is ${c.status}.`));
    return;
  }
  try {
    const history = await get(`/beak/identities/${encodeURIComponent(c.subject_id)}/certs`);
    const next = history.items.find((x) => x.supersedes === c.cert_id);
    const current = history.items.find((x) => x.status === 'current');
    statusCell.append(' ', h('span', { 'data-field': 'superseded-by' }, 'Superseded by ',
      next ? h('a', { href: `/cert/${encodeURIComponent(next.cert_id)}` }, next.cert_id) : 'a later certificate',
      current && next && current.cert_id !== next.cert_id ? [' (current: ', h('a', { href: `/cert/${encodeURIComponent(current.cert_id)}` }, current.cert_id), ')'] : null,
      '.'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    statusCell.append(' ', h('span', { 'data-field': 'superseded-by' }, 'Superseded by a later certificate (its history is not visible to you).'));
  }
}

function showVerdict(el, v) {
  el.classList.remove('pending');
  el.classList.add(v.ok ? 'ok' : 'bad');
  el.dataset.verdict = v.ok ? 'verified' : 'not-verified';
  fill(el, v.ok
    ? [h('strong', {}, '✓ Verified offline, in your browser'), ` — ES256 signature by the server's published key ${v.kid}.`]
    : [h('strong', {}, '✗ Not verified'), ` — ${v.why}. Do not trust this certificate.`]);
}

function pasteSection() {
  const area = h('textarea', { id: 'jws-input', rows: '4', spellcheck: 'false', autocomplete: 'off', placeholder: 'eyJ…' });
  const out = h('div', { id: 'jws-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', id: 'jws-form' },
    h('h3', {}, 'Check a certificate JWS you were given'),
    h('p', { class: 'muted' }, 'No key needed: the signature is checked in your browser against the server\'s published keys.'),
    h('label', { for: 'jws-input' }, 'JWS'), area,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'jws-verify' }, 'Verify')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = await verifyCertificateJws(area.value);
    const verdict = h('div', { class: 'verdict', role: 'status' });
    showVerdict(verdict, v);
    const c = v.claims || {};
    fill(out, verdict, v.claims ? h('dl', { class: 'facts' },
      row(v.ok ? 'Name' : 'Name (unverified)', String(c.name ?? '')), row('Certificate', String(c.jti ?? '')),
      row('Subject', String(c.sub ?? '')), row('Tier', String(c.tier ?? ''))) : null);
  });
  return form;
}
