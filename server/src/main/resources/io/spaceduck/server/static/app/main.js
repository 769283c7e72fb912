// Mission Control: the operators' console. Each view is a function that fills <main> with nodes
// built by dom.js (text only) from calls of the public API (api.js).

import { ApiError, currentKey, forget, get, post, remember, whenUnauthenticated } from './api.js';
import { confirmAction, duration, fill, h, pager, reasonSelect, say, sayError, shownOnce, when } from './dom.js';
import { hatchView } from './hatch.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const badge = document.getElementById('badge');
const signOutButton = document.getElementById('sign-out');

/** Who is signed in: {principal (whoami), identity (display name, current cert)}; null when nobody. */
let me = null;
/** The polling timer of the view on screen (pulses, pending approvals); cleared on every navigation. */
let poll = null;
/** A message to show on the sign-in page (why the person is there). */
let signInNote = null;

/** How often the agents' pulses and the pending approvals refresh on their own. */
const PULSE_POLL_MS = 15000;
const PECK_POLL_MS = 5000;

function isOperator() {
  return me && me.principal.kind === 'duckling';
}

function isAdmin() {
  return me && me.principal.roles.includes('admin');
}

// ---- session -------------------------------------------------------------------------------------

whenUnauthenticated((e) => {
  forget();
  me = null;
  signInNote = `Your key was not accepted: ${e.sentence()} Sign in again.`;
  if (location.hash !== '#/sign-in') location.hash = '#/sign-in';
  else route();
});

signOutButton.addEventListener('click', signOut);

function signOut() {
  forget();
  me = null;
  signInNote = 'Signed out. The key is forgotten by this tab.';
  location.hash = '#/sign-in';
}

async function loadMe() {
  const principal = await get('/beak/whoami');
  let identity = null;
  try {
    identity = await get(`/beak/identities/${encodeURIComponent(principal.id)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) throw e;
  }
  me = { principal, identity };
  renderBadge();
}

function renderBadge() {
  if (!me) {
    fill(badge);
    nav.hidden = true;
    signOutButton.hidden = true;
    return;
  }
  const name = me.identity ? me.identity.display_name : me.principal.id;
  fill(badge, h('span', { class: 'who', 'data-field': 'badge-name' }, name), ' ',
    h('span', { class: 'tier' }, me.principal.tier), isAdmin() ? h('span', { class: 'tag' }, 'admin') : null);
  nav.hidden = false;
  signOutButton.hidden = false;
  for (const a of nav.querySelectorAll('a')) {
    const v = a.dataset.view;
    a.hidden = (v === 'agents' && !isOperator()) || (v === 'audit' && !isOperator());
  }
}

// ---- routing -------------------------------------------------------------------------------------

const views = { 'sign-in': signInView, hatch: hatchView, me: meView, agents: agentsView, keys: keysView, pecks: pecksView, audit: auditView };

async function route() {
  if (poll) {
    clearInterval(poll);
    poll = null;
  }
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const view = views[name] ? name : (currentKey() ? 'me' : 'sign-in');
  const anonymous = view === 'sign-in' || view === 'hatch';
  if (!anonymous && !currentKey()) {
    location.hash = '#/sign-in';
    return;
  }
  if (!anonymous && !me) {
    try {
      await loadMe();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) showFatal(e);
      return;
    }
  }
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.dataset.view = view;
  fill(main);
  await views[view](main, rest.map(decodeURIComponent), { setPoll: (fn, ms) => { poll = setInterval(fn, ms); } });
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

function showFatal(e) {
  const region = h('div');
  fill(main, h('h2', {}, 'Something went wrong'), region);
  sayError(region, e);
}

window.addEventListener('hashchange', route);
route();

// ---- sign in -------------------------------------------------------------------------------------

function signInView(root) {
  renderBadge();
  const msg = h('div', { class: 'messages' });
  const field = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'bk_…' });
  const file = h('input', { id: 'key-file', type: 'file', accept: '.key,.txt,text/plain' });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > 4096) {
      say(msg, 'That file is too large to be a Beak Key.', 'error');
      return;
    }
    field.value = (await f.text()).trim();
    say(msg, 'Key read from the file. Press Sign in.');
  });
  const form = h('form', { class: 'card narrow', id: 'sign-in-form' },
    h('h2', {}, 'Sign in'),
    h('p', {}, 'Paste your Beak Key, or read it from a file. It stays in this tab only (session storage) and is sent only in the Authorization header; signing out or closing the tab forgets it.'),
    h('label', { for: 'key' }, 'Beak Key'), field,
    h('label', { for: 'key-file' }, 'or read it from a file'), file,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
    msg,
    h('p', { class: 'muted' }, 'No key yet? ', h('a', { href: '#/hatch' }, 'Hatch a duckling'), '.'));
  if (signInNote) {
    say(msg, signInNote, signInNote.startsWith('Signed out') ? 'info' : 'error');
    signInNote = null;
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = field.value.trim();
    if (!key) return;
    remember(key);
    field.value = '';
    try {
      await loadMe();
      location.hash = '#/me';
    } catch (e) {
      forget(); // a key that did not sign in is not kept, whatever the refusal
      me = null;
      if (!(e instanceof ApiError && e.status === 401)) sayError(msg, e);
    }
  });
  fill(root, form);
  field.focus();
}

// ---- me ------------------------------------------------------------------------------------------

function facts(rows) {
  return h('dl', { class: 'facts' }, rows.filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== '')
    .map(([k, v, field]) => [h('dt', {}, k), h('dd', field ? { 'data-field': field } : {}, v)]));
}

function certLink(certId) {
  return certId ? h('a', { href: `/cert/${encodeURIComponent(certId)}`, 'data-field': 'cert-link' }, certId) : null;
}

async function meView(root) {
  await loadMe();
  const p = me.principal;
  const i = me.identity || {};
  fill(root,
    h('section', { class: 'card' },
      h('h2', {}, 'Who am I'),
      facts([
        ['Name', i.display_name, 'display-name'],
        ['Identity', p.id, 'identity-id'],
        ['Kind', p.kind, 'kind'],
        ['Tier', p.tier, 'tier'],
        ['Roles', p.roles.length ? p.roles.join(', ') : 'none', 'roles'],
        ['Status', i.status, 'status'],
        ['Current certificate', certLink(i.current_cert_id), 'current-cert'],
        ['Key in use', p.key_id, 'key-id'],
        ['Operator', p.operator_id, 'operator-id'],
        ['Bond', p.bond_id, 'bond-id'],
        ['Hatched', i.created_at ? when(i.created_at) : null],
      ])),
    h('section', { class: 'card' },
      h('h2', {}, 'What you can do here'),
      h('ul', {},
        isOperator() ? h('li', {}, h('a', { href: '#/agents' }, 'Agents'), ': your bonds, their pulses, stale agents; bond, promote, revoke.') : null,
        h('li', {}, h('a', { href: '#/keys' }, 'Keys'), ': list, rotate, revoke', isAdmin() ? ', replace (admin)' : '', '.'),
        h('li', {}, h('a', { href: '#/pecks' }, 'Pecks'), isOperator() ? ': approvals waiting for you, active pecks.' : ': your inbox, requests, active pecks.'),
        isOperator() ? h('li', {}, h('a', { href: '#/audit' }, 'Audit'), ': the events you may read', isAdmin() ? '; verify the chain.' : '.') : null)));
}

// ---- agents --------------------------------------------------------------------------------------

const THRESHOLD_SLOT = 'spaceduck.staleMinutes';
/** Agent names in a human order: "agent-2" before "agent-10". */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

async function agentsView(root, _args, ctx) {
  const msg = h('div', { class: 'messages' });
  const once = h('div');
  const minutes = h('input', { id: 'stale-minutes', type: 'number', min: '1', max: '10080', step: '1', inputmode: 'numeric',
    value: sessionStorage.getItem(THRESHOLD_SLOT) || '5' });
  const tbody = h('tbody');
  const refreshed = h('span', { class: 'muted', id: 'agents-refreshed' });
  const name = h('input', { id: 'agent-name', name: 'agent_name', required: true, maxlength: '64', autocomplete: 'off' });
  const tier = h('select', { id: 'agent-tier', name: 'tier' }, h('option', { value: 'T1' }, 'T1'), h('option', { value: 'T0' }, 'T0'));
  const bondForm = h('form', { id: 'bond-form', class: 'inline' },
    h('label', { for: 'agent-name' }, 'Agent name'), name,
    h('label', { for: 'agent-tier' }, 'Tier'), tier,
    h('button', { type: 'submit', class: 'primary' }, 'Bond a new agent'));
  const refresh = h('button', { type: 'button', id: 'agents-refresh' }, 'Refresh');
  const summary = h('p', { id: 'agents-summary', role: 'status' });
  const pages = pager('agents', 'agents', () => load());

  fill(root,
    h('h2', {}, 'Agents'),
    msg, once,
    h('section', { class: 'card' }, bondForm),
    h('div', { class: 'toolbar' },
      h('label', { for: 'stale-minutes' }, 'Stale after (minutes without a pulse)'), minutes, refresh, refreshed),
    summary,
    h('div', { class: 'scroll' }, h('table', { id: 'agents' },
      h('thead', {}, h('tr', {}, ['Agent', 'Status', 'Tier', 'Last pulse', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody)),
    pages.el);

  // Polling, a click and the pager may load at once: only the latest load renders.
  let loads = 0;
  /** The agent id whose page the next load shows (set after bonding). */
  let reveal = null;
  async function load() {
    const mine = ++loads;
    const threshold = Math.max(1, Math.round(Number(minutes.value) || 5));
    sessionStorage.setItem(THRESHOLD_SLOT, String(threshold));
    try {
      const [bonds, stale] = await Promise.all([get('/beak/bonds'), get('/beak/stale', { threshold_seconds: threshold * 60 })]);
      const staleIds = new Set(stale.items.map((s) => s.agent_id));
      // a stable order (by name), so rows do not move between pages as agents go stale and recover
      const all = [...bonds.items].sort((a, b) => byName.compare(a.agent_name, b.agent_name) || byName.compare(a.bond_id, b.bond_id));
      if (reveal) { // a newly bonded agent: to its page
        const i = all.findIndex((b) => b.agent_id === reveal);
        if (i >= 0) pages.show(pages.pageOf(i), true);
        reveal = null;
      }
      const shown = pages.slice(all);
      // the details (tier, last pulse) of the page's agents only
      const rows = await Promise.all(shown.map(async (b) => {
        if (b.status !== 'active') return { b };
        const [agent, pulses] = await Promise.all([
          get(`/beak/identities/${encodeURIComponent(b.agent_id)}`),
          get(`/beak/agents/${encodeURIComponent(b.agent_id)}/pulses`, { limit: 1 })]);
        return { b, agent, pulse: pulses.items[0] };
      }));
      if (mine !== loads) return;
      fill(tbody, rows.length ? rows.map((r) => agentRow(r, staleIds.has(r.b.agent_id), threshold))
        : h('tr', {}, h('td', { colspan: '5', class: 'muted' }, 'No bonds yet.')));
      pages.render();
      renderSummary(all, staleIds, threshold);
      fill(refreshed, 'Updated ', when(new Date().toISOString()));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      sayError(msg, e);
    }
  }

  /**
   * How many agents, how many stale and on which pages: an operator on page 1 learns that an agent
   * on page 3 went silent (the order stays by name, so nothing jumps under the cursor), and one
   * button takes them to the first such page.
   */
  function renderSummary(all, staleIds, threshold) {
    const staleAt = [];
    all.forEach((b, i) => { if (staleIds.has(b.agent_id)) staleAt.push(pages.pageOf(i)); });
    const on = [...new Set(staleAt)];
    const other = on.find((p) => p !== pages.current());
    const signature = JSON.stringify([all.length, staleAt, other, threshold]);
    if (summary.dataset.signature === signature) return; // unchanged: not re-announced, a focused button stays
    summary.dataset.signature = signature;
    const count = `${all.length} ${all.length === 1 ? 'agent' : 'agents'}`;
    const rule = `no pulse for more than ${threshold} min`;
    summary.className = staleAt.length ? 'summary stale' : 'summary';
    if (!staleAt.length) {
      fill(summary, count, h('span', { class: 'muted' }, `, none stale (${rule})`));
      return;
    }
    const jump = other ? h('button', { type: 'button', id: 'agents-stale-go' }, `Show page ${other}`) : null;
    if (jump) jump.addEventListener('click', () => pages.show(other));
    const paged = pages.pageOf(all.length - 1) > 1; // one page: no page to name
    fill(summary, count, ', ', h('strong', { 'data-field': 'stale-count' }, `${staleAt.length} stale`),
      ` (${rule})`, paged ? ` on ${on.length === 1 ? 'page' : 'pages'} ${on.join(', ')}` : null, jump ? ' ' : null, jump);
  }

  function agentRow({ b, agent, pulse }, stale, threshold) {
    const active = b.status === 'active';
    const higher = ['T1', 'T2', 'T3'].filter((t) => !agent || t > agent.tier);
    const promoteTier = h('select', { 'aria-label': `New tier for ${b.agent_name}` }, higher.map((t) => h('option', { value: t }, t)));
    const promote = h('button', { type: 'button', 'data-action': 'promote' }, 'Promote');
    promote.addEventListener('click', async () => {
      try {
        const cert = await post(`/beak/identities/${encodeURIComponent(b.agent_id)}/promote`, { tier: promoteTier.value });
        say(msg, `${b.agent_name} is now ${cert.tier}; new certificate ${cert.cert_id}.`);
        await load();
      } catch (e) {
        sayError(msg, e);
      }
    });
    const reason = reasonSelect(`Reason to revoke ${b.agent_name}`);
    const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke-bond' }, 'Revoke bond');
    revoke.addEventListener('click', async () => {
      if (!(await confirmAction(`Revoke the bond of ${b.agent_name} (reason: ${reason.value})? All its keys stop working at once and its pecks close. This cannot be undone.`, 'Revoke bond'))) return;
      try {
        await post('/beak/unpeck', { bond_id: b.bond_id, reason: reason.value });
        say(msg, `The bond of ${b.agent_name} is revoked (${reason.value}).`);
        await load();
      } catch (e) {
        sayError(msg, e);
      }
    });
    const statusCell = h('td', {}, h('span', { class: `pill ${b.status}` }, b.status));
    if (stale) statusCell.append(' ', h('span', { class: 'pill stale', title: `no pulse for more than ${threshold} min` }, 'stale'));
    return h('tr', { class: stale ? 'stale' : null, dataset: { agentId: b.agent_id, bondId: b.bond_id } },
      h('th', { scope: 'row' }, h('span', { class: 'name' }, b.agent_name), h('br'), h('small', { class: 'mono' }, b.agent_id)),
      statusCell,
      h('td', {}, agent ? agent.tier : '—'),
      h('td', {}, pulse ? [when(pulse.at), ' ', h('small', { class: 'muted' }, pulse.status)] : h('span', { class: 'muted' }, active ? 'never' : '—')),
      h('td', { class: 'actions' }, active ? [
        h('a', { href: `#/keys/${encodeURIComponent(b.agent_id)}`, class: 'button' }, 'Keys'),
        agent ? h('a', { href: `/cert/${encodeURIComponent(agent.current_cert_id)}`, class: 'button' }, 'Certificate') : null,
        higher.length ? h('span', { class: 'group' }, promoteTier, promote) : null,
        h('span', { class: 'group' }, reason, revoke)] : (b.revocation ? h('small', { class: 'muted' }, `revoked: ${b.revocation.reason}`) : null)));
  }

  bondForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await post('/beak/bonds', { agent_name: name.value.trim(), tier: tier.value });
      fill(once, shownOnce(`The key of ${r.agent.display_name}`, r.key.key,
        `Agent ${r.agent.id}, key id ${r.key.key_id}. Give it to the agent's process (for example in a file readable by it only).`));
      name.value = '';
      say(msg, `${r.agent.display_name} is bonded.`);
      reveal = r.agent.id;
      await load();
    } catch (e) {
      sayError(msg, e);
    }
  });
  minutes.addEventListener('change', load);
  refresh.addEventListener('click', load);
  await load();
  ctx.setPoll(load, PULSE_POLL_MS);
}

// ---- keys ----------------------------------------------------------------------------------------

async function keysView(root, [ownerArg]) {
  const owner = ownerArg || me.principal.id;
  const msg = h('div', { class: 'messages' });
  const once = h('div');
  const tbody = h('tbody');
  const ownerField = h('input', { id: 'owner-id', value: owner, autocomplete: 'off', spellcheck: 'false' });
  const pick = h('form', { class: 'inline', id: 'owner-form' }, h('label', { for: 'owner-id' }, 'Keys of'), ownerField,
    h('button', { type: 'submit' }, 'Show'));
  pick.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/keys/${encodeURIComponent(ownerField.value.trim())}`;
  });
  const pages = pager('keys', 'keys', () => load());
  fill(root, h('h2', {}, 'Keys'), msg, once, pick,
    h('div', { class: 'scroll' }, h('table', { id: 'keys' },
      h('thead', {}, h('tr', {}, ['Key', 'State', 'Created', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
    pages.el);

  function state(k) {
    if (k.status === 'grace') return ['in grace until ', when(k.grace_until)];
    if (k.status === 'revoked') return ['revoked', k.revocation ? [' (', k.revocation.reason, ', ', when(k.revocation.at), ')'] : null];
    return k.status;
  }

  function showNewKey(title, issued, oldKeyId, note) {
    const mine = oldKeyId === me.principal.key_id;
    const use = mine ? h('button', { type: 'button', 'data-action': 'use-new-key' }, 'Use the new key in this tab') : null;
    if (use) {
      use.addEventListener('click', async () => {
        remember(issued.key);
        me = null;
        await loadMe();
        say(msg, 'This tab now signs in with the new key.');
        use.disabled = true;
      });
    }
    fill(once, shownOnce(title, issued.key, note, use));
  }

  async function load() {
    try {
      const keys = await get('/beak/keys', { owner_id: owner });
      // newest first (a rotation's new key on top), a stable order across reloads
      const all = [...keys.items].sort((a, b) => (Date.parse(b.created_at) - Date.parse(a.created_at))
        || (a.key_id < b.key_id ? -1 : a.key_id > b.key_id ? 1 : 0));
      const shown = pages.slice(all);
      fill(tbody, shown.length ? shown.map(row) : h('tr', {}, h('td', { colspan: '4', class: 'muted' }, 'No keys.')));
      pages.render();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      sayError(msg, e);
    }
  }

  function row(k) {
    const live = k.status === 'active' || k.status === 'grace';
    const actions = [];
    if (k.status === 'active') {
      const rotate = h('button', { type: 'button', 'data-action': 'rotate' }, 'Rotate');
      rotate.addEventListener('click', async () => {
        try {
          const issued = await post('/beak/rotate', { key_id: k.key_id });
          await load();
          const old = (await get('/beak/keys', { owner_id: owner })).items.find((x) => x.key_id === k.key_id);
          const graceNote = old && old.grace_until ? `The old key ${k.key_id} keeps working until ${old.grace_until} (its grace period), then never again.` : `The old key ${k.key_id} is no longer active.`;
          showNewKey(`New key ${issued.key_id}`, issued, k.key_id, graceNote);
          say(msg, `Key ${k.key_id} rotated.`);
        } catch (e) {
          sayError(msg, e);
        }
      });
      actions.push(rotate);
    }
    if (live) {
      const reason = reasonSelect(`Reason to revoke key ${k.key_id}`);
      const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke-key' }, 'Revoke');
      revoke.addEventListener('click', async () => {
        const mine = k.key_id === me.principal.key_id;
        if (!(await confirmAction(`Revoke key ${k.key_id} (reason: ${reason.value})? It is refused on its very next use${mine ? ' — and it is the key this tab signed in with: you will be signed out' : ''}.`, 'Revoke key'))) return;
        try {
          await post('/beak/unpeck', { key_id: k.key_id, reason: reason.value });
          say(msg, `Key ${k.key_id} is revoked (${reason.value}).`);
          await load();
        } catch (e) {
          sayError(msg, e);
        }
      });
      actions.push(h('span', { class: 'group' }, reason, revoke));
      if (isAdmin()) {
        const replaceReason = reasonSelect(`Reason to replace key ${k.key_id}`);
        const replace = h('button', { type: 'button', class: 'danger', 'data-action': 'replace-key' }, 'Replace (admin)');
        replace.addEventListener('click', async () => {
          if (!(await confirmAction(`Replace key ${k.key_id}? It is revoked (${replaceReason.value}) and a new key is issued to its owner in one step.`, 'Replace key'))) return;
          try {
            const issued = await post(`/beak/keys/${encodeURIComponent(k.key_id)}/replace`, { reason: replaceReason.value });
            showNewKey(`Replacement key ${issued.key_id}`, issued, k.key_id, `Key ${k.key_id} is revoked. Hand the new key to its owner over a safe channel.`);
            await load();
          } catch (e) {
            sayError(msg, e);
          }
        });
        actions.push(h('span', { class: 'group' }, replaceReason, replace));
      }
    }
    return h('tr', { dataset: { keyId: k.key_id, status: k.status } },
      h('th', { scope: 'row', class: 'mono' }, k.key_id, k.key_id === me.principal.key_id ? h('small', { class: 'tag' }, 'this tab') : null),
      h('td', { 'data-field': 'state' }, state(k)),
      h('td', {}, when(k.created_at)),
      h('td', { class: 'actions' }, actions));
  }

  await load();
}

// ---- pecks ---------------------------------------------------------------------------------------

function peckFacts(p) {
  return facts([
    ['Peck', p.peck_id], ['State', p.state, 'state'], ['Requester', p.requester_id, 'requester'], ['Sponsor', p.sponsor_id, 'sponsor'],
    ['Target', p.target_id, 'target'], ['Scope', p.scope.join(', ') || 'none', 'scope'], ['Duration', duration(p.duration_seconds), 'duration'],
    ['Requested', when(p.requested_at)], [p.state === 'requested' || p.state === 'accepted' ? 'Request expires' : null, p.state === 'requested' || p.state === 'accepted' ? when(p.request_expires_at) : null],
    ['Session expires', p.session_expires_at ? when(p.session_expires_at) : null, 'session-expires'], ['Reason', p.reason]]);
}

/** What a destructive peck action asks first. */
function peckQuestion(label, p) {
  return label === 'Close' ? `Close peck ${p.peck_id}? Its sessions end at once for both sides.` : `${label} peck ${p.peck_id}?`;
}

/** A peck as a card with buttons [label, verb, class]; a 'danger' one confirms first, then {@code done} runs. */
function peckCard(p, actions, msg, done) {
  const buttons = actions.map(([label, verb, cls]) => {
    const b = h('button', { type: 'button', class: cls || null, 'data-action': verb }, label);
    b.addEventListener('click', async () => {
      if (cls === 'danger' && !(await confirmAction(peckQuestion(label, p), `${label} peck`))) return;
      try {
        const after = await post(`/beak/pecks/${encodeURIComponent(p.peck_id)}/${verb}`);
        say(msg, `Peck ${p.peck_id} is now ${after.state}.`);
        await done(after);
      } catch (e) {
        sayError(msg, e);
      }
    });
    return b;
  });
  return h('article', { class: `card peck ${p.state}`, dataset: { peckId: p.peck_id } }, peckFacts(p), h('div', { class: 'row' }, buttons));
}

const CLOSE = ['Close', 'close', 'danger'];

/** A paginated list of pecks from {@code path}: cards with the given actions; "More" follows next_cursor. */
function peckList(title, id, path, actions, msg, empty, note) {
  const list = h('div', { class: 'cards', id });
  const more = h('button', { type: 'button', hidden: true }, 'More');
  const section = h('section', { 'aria-labelledby': `${id}-h` }, h('h3', { id: `${id}-h` }, title), note ? h('p', { class: 'muted' }, note) : null, list, more);
  let cursor = null;
  async function page(reset) {
    try {
      const r = await get(path, { limit: 20, after: reset ? undefined : cursor });
      if (reset) fill(list);
      for (const p of r.items) list.append(peckCard(p, actions, msg, (after) => followPeck(after.peck_id)));
      if (reset && !r.items.length) list.append(h('p', { class: 'muted' }, empty));
      cursor = r.next_cursor || null;
      more.hidden = !cursor;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) sayError(msg, e);
    }
  }
  more.addEventListener('click', () => page(false));
  return { section, reload: () => page(true) };
}

let refreshAll = async () => {};
/** After an action on a listed peck: show it under "One peck" with its new state, and refresh the lists. */
let followPeck = async () => {};

async function pecksView(root, _args, ctx) {
  const msg = h('div', { class: 'messages' });
  const parts = [];
  const agent = me.principal.kind === 'agent';
  if (agent) {
    parts.push(peckList('Inbox: pecks asking for you', 'inbox', '/beak/pecks/inbox', [['Accept', 'accept', 'primary'], ['Decline', 'decline', 'danger']], msg, 'Nothing waiting for you.'));
  } else {
    parts.push(peckList('Waiting for your approval', 'pending', '/beak/pecks/pending', [['Approve', 'approve', 'primary'], ['Reject', 'reject', 'danger']], msg, 'No approvals waiting.'));
  }
  parts.push(peckList('Active pecks (with their session expiry)', 'active-pecks', '/beak/pecks/active', [CLOSE], msg, 'No active pecks.',
    agent ? 'Your live sessions, as requester or target; closing ends them at once for both sides.'
      : 'Live sessions of your agents, as requester or target; closing ends them at once for both sides.'));

  // one peck by id (or the one just requested), followed until the page changes
  let shown = null;
  const shownBox = h('div', { class: 'cards', id: 'peck-shown' });
  async function showPeck(id) {
    shown = id;
    if (!id) return fill(shownBox);
    try {
      const p = await get(`/beak/pecks/${encodeURIComponent(id)}`);
      if (shown !== id) return undefined;
      return fill(shownBox, peckCard(p, p.state === 'active' || p.state === 'requested' || p.state === 'accepted' ? [CLOSE] : [], msg, () => refreshAll()));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) sayError(msg, e);
      return undefined;
    }
  }
  const lookup = h('input', { id: 'peck-id', autocomplete: 'off', spellcheck: 'false', placeholder: 'pk_…' });
  const lookupForm = h('form', { class: 'inline' }, h('label', { for: 'peck-id' }, 'Look up a peck'), lookup, h('button', { type: 'submit' }, 'Show'));
  lookupForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = lookup.value.trim();
    if (!id) return;
    lookup.value = '';
    await showPeck(id);
  });

  const requestSection = agent ? peckRequestForm(msg, (p) => showPeck(p.peck_id)) : null;
  fill(root, h('h2', {}, 'Pecks'), msg, ...parts.map((p) => p.section), requestSection,
    h('section', { 'aria-labelledby': 'lookup-h' }, h('h3', { id: 'lookup-h' }, 'One peck'), lookupForm, shownBox));
  refreshAll = async () => {
    await Promise.all([...parts.map((p) => p.reload()), showPeck(shown)]);
  };
  followPeck = async (id) => {
    shown = id;
    await refreshAll();
  };
  await refreshAll();
  ctx.setPoll(() => Promise.all(parts.map((p) => p.reload())), PECK_POLL_MS);
}

function peckRequestForm(msg, after) {
  const target = h('input', { id: 'peck-target', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'ct_…' });
  const scope = h('input', { id: 'peck-scope', autocomplete: 'off', placeholder: 'chat:read, chat:write' });
  const dur = h('input', { id: 'peck-duration', type: 'number', min: '1', value: '60' });
  const form = h('form', { class: 'card', id: 'peck-form' }, h('h3', {}, 'Ask another agent for a peck'),
    h('label', { for: 'peck-target' }, 'Target certificate id'), target,
    h('label', { for: 'peck-scope' }, 'Scope (comma separated)'), scope,
    h('label', { for: 'peck-duration' }, 'Duration (minutes)'), dur,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Request')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const p = await post('/beak/peck', {
        target_cert_id: target.value.trim(),
        scope: scope.value.split(',').map((s) => s.trim()).filter(Boolean),
        duration_seconds: Math.round(Number(dur.value) * 60),
      });
      say(msg, `Peck ${p.peck_id} requested; it waits for the target agent, then for its operator.`);
      await after(p);
    } catch (e) {
      sayError(msg, e);
    }
  });
  return form;
}

// ---- audit ---------------------------------------------------------------------------------------

async function auditView(root) {
  const msg = h('div', { class: 'messages' });
  const fields = {};
  const input = (id, label, placeholder) => {
    fields[id] = h('input', { id: `audit-${id}`, name: id, autocomplete: 'off', spellcheck: 'false', placeholder });
    return h('span', { class: 'field' }, h('label', { for: `audit-${id}` }, label), fields[id]);
  };
  const pageNote = h('span', { class: 'muted', id: 'audit-page' });
  const pageSize = h('select', { id: 'audit-limit' }, ['25', '10', '50', '100'].map((n) => h('option', { value: n }, n)));
  const filters = h('form', { class: 'filters', id: 'audit-filters' },
    input('action', 'Action', 'bond.created'), input('actor', 'Actor', 'dk_…'), input('resource', 'Resource', 'ag_…'),
    input('from', 'From (UTC)', '2026-12-01T00:00:00Z'), input('to', 'To (UTC)', '2026-12-31T00:00:00Z'),
    h('span', { class: 'field' }, h('label', { for: 'audit-limit' }, 'Per page'), pageSize),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  const tbody = h('tbody');
  const first = h('button', { type: 'button', id: 'audit-first' }, 'First page');
  const next = h('button', { type: 'button', id: 'audit-next', hidden: true }, 'Next page');
  const verifyOut = h('div', { id: 'verify-result', 'aria-live': 'polite' });
  const headSeq = h('input', { id: 'head-seq', type: 'number', min: '1', placeholder: 'seq' });
  const headHash = h('input', { id: 'head-hash', autocomplete: 'off', spellcheck: 'false', placeholder: 'hash (hex)' });
  const verify = h('form', { class: 'card', id: 'verify-form' },
    h('h3', {}, 'Verify the chain'),
    h('p', { class: 'muted' }, 'Recomputes every event\'s hash. Give the head you kept last time to prove nothing was cut off or rewritten since.'),
    h('div', { class: 'inline' }, h('label', { for: 'head-seq' }, 'Expected head'), headSeq, headHash,
      h('button', { type: 'submit', class: 'primary', id: 'verify' }, 'Verify the chain')), verifyOut);
  fill(root, h('h2', {}, 'Audit'), msg, isAdmin() ? verify : null, filters,
    h('div', { class: 'scroll' }, h('table', { id: 'audit' },
      h('thead', {}, h('tr', {}, ['#', 'Time', 'Action', 'Actor', 'Resource', 'Outcome', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
    h('div', { class: 'row' }, first, next, pageNote));

  let cursor = null;
  async function load(after) {
    try {
      const q = { limit: pageSize.value, after };
      for (const [k, f] of Object.entries(fields)) q[k] = f.value.trim();
      const r = await get('/beak/audit', q);
      fill(tbody, r.items.length ? r.items.map((e) => h('tr', { dataset: { seq: String(e.seq) } },
        h('td', {}, String(e.seq)), h('td', {}, when(e.timestamp)), h('td', {}, e.action), h('td', { class: 'mono' }, e.actor),
        h('td', { class: 'mono' }, e.resource), h('td', {}, h('span', { class: `pill ${e.outcome}` }, e.outcome)), h('td', {}, e.reason)))
        : h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'No events match.')));
      cursor = r.next_cursor || null;
      next.hidden = !cursor;
      fill(pageNote, r.items.length ? `events ${r.items[0].seq} to ${r.items[r.items.length - 1].seq}` : '');
      say(msg, '');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) sayError(msg, e);
    }
  }
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(undefined); });
  pageSize.addEventListener('change', () => load(undefined));
  first.addEventListener('click', () => load(undefined));
  next.addEventListener('click', () => load(cursor));
  verify.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const q = headSeq.value || headHash.value.trim() ? { head_seq: headSeq.value, head_hash: headHash.value.trim() } : undefined;
      const v = await get('/beak/audit/verify', q);
      const lines = [h('p', { class: v.valid ? 'msg ok' : 'msg error', 'data-field': 'verdict' },
        v.valid ? `The chain is intact: ${v.events_verified} events verified.` : `The chain is BROKEN${v.first_broken_seq ? ` at event ${v.first_broken_seq}` : ''}: ${v.problem || 'see the server log'}.`)];
      if (v.head) {
        lines.push(h('p', {}, 'Keep this head somewhere outside the server and give it next time:'),
          facts([['Head seq', String(v.head.seq), 'head-seq'], ['Head hash', h('code', {}, v.head.hash), 'head-hash']]));
      }
      fill(verifyOut, lines);
    } catch (e) {
      sayError(verifyOut, e);
    }
  });
  await load(undefined);
}

