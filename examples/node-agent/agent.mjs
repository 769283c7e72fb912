#!/usr/bin/env node
// A Space Duck agent in plain Node.js (18, 20 or later): built-in fetch and WebCrypto, no npm packages.
//
//   node agent.mjs                       the whole flow: whoami, pulse, peck, wait, session token,
//                                        offline verification of that token against the JWK set
//   node agent.mjs verify-token --audience ag_… [--subject ag_…] [--jwks FILE]
//                                        what a peer does when presented a token: reads it from
//                                        stdin and verifies it offline (exit 0 valid, 3 invalid)
//
// Environment: SPACEDUCK_URL (default http://127.0.0.1:8080), SPACEDUCK_KEY (the Beak Key: only from
// the environment, never printed — we print its key id), SPACEDUCK_TARGET_CERT (ct_…),
// SPACEDUCK_SCOPE (space-separated, default "chat:read"), SPACEDUCK_DURATION (seconds, default 3600),
// SPACEDUCK_WAIT_SECONDS (how long to wait for approval, default 300).
// Exit codes: 0 done, 1 refused by the API, 2 usage/configuration, 3 token invalid, 4 gave up waiting.
// A session token is a credential too: it is never printed, only its verified claims.

// Node 19+ has globalThis.crypto; Node 18 has the same WebCrypto under node:crypto.
const crypto = globalThis.crypto ?? (await import('node:crypto')).webcrypto;

const BASE = (process.env.SPACEDUCK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CLOCK_SKEW_SECONDS = 60; // tolerated difference between our clock and the server's
const MAX_RETRIES = 5; // for 429 and 503 (the server applied nothing; safe to resend)
const MAX_RETRY_WAIT_MS = 30_000; // never trust a Retry-After beyond this

class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.exitCode = code;
  }
}

// ---- HTTP: one call, problem+json refusals, bounded retries honouring Retry-After -----------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3); bounded either way. */
function retryAfterMs(header, attempt) {
  let ms = 1000 * 2 ** attempt; // no header: exponential backoff
  if (header && /^\d+$/.test(header.trim())) ms = Number(header.trim()) * 1000;
  else if (header && !Number.isNaN(Date.parse(header))) ms = Date.parse(header) - Date.now();
  return Math.min(Math.max(ms, 0), MAX_RETRY_WAIT_MS);
}

async function api(method, path, { key = process.env.SPACEDUCK_KEY, body } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json, application/problem+json' };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
      const wait = retryAfterMs(res.headers.get('retry-after'), attempt);
      console.error(`  ${method} ${path}: ${res.status}, retrying in ${wait} ms`);
      await res.body?.cancel();
      await sleep(wait);
      continue;
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    if (res.ok) return type.includes('json') ? JSON.parse(text) : text;
    // RFC 9457: the engine's stable `code` and a generic `title`; never anything about our key.
    let problem = {};
    if (type.startsWith('application/problem+json')) {
      try { problem = JSON.parse(text); } catch { /* fall through to the status line */ }
    }
    throw new Exit(1, `${method} ${path} refused: HTTP ${res.status} ${problem.code ?? '(no problem document)'}` +
      `${problem.title ? ` — ${problem.title}` : ''}`);
  }
}

// ---- Offline verification of a session token (docs/keys.md, "What a verifier must check") --------

const b64urlBytes = (s) => {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Exit(3, 'token: not base64url');
  return Uint8Array.from(Buffer.from(s, 'base64url'));
};
const b64urlJson = (s) => {
  let value;
  try { value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b64urlBytes(s))); }
  catch (e) { throw e instanceof Exit ? e : new Exit(3, 'token: a part is not JSON'); }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Exit(3, 'token: a part is not a JSON object');
  return value;
};

/**
 * Verifies a compact JWS session token against a JWK set and returns its claims, or throws Exit(3).
 * `audience` is the agent the token is presented to (its `aud` and `peer`); `subject`, if given, the
 * agent it was issued to. Only ES256 is accepted — never `none`, never an algorithm the token names.
 */
async function verifySessionToken(token, jwks, { audience, subject, now = Date.now() / 1000 }) {
  const bad = (why) => new Exit(3, `token rejected: ${why}`);
  const parts = String(token).trim().split('.');
  if (parts.length !== 3) throw bad('not a compact JWS');
  const header = b64urlJson(parts[0]);
  if (header.alg !== 'ES256') throw bad(`alg ${JSON.stringify(header.alg)} is not ES256`);
  if (header.typ !== 'sd-peck+jwt') throw bad('typ is not sd-peck+jwt (a certificate is not a token)');
  if ('crit' in header) throw bad('unsupported critical header');
  const jwk = (jwks.keys ?? []).find((k) => k.kid === header.kid);
  if (typeof header.kid !== 'string' || !jwk) throw bad('kid not in the JWK set');
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg && jwk.alg !== 'ES256') || (jwk.use && jwk.use !== 'sig')) {
    throw bad('the JWK for this kid is not an ES256 signing key');
  }
  let key;
  try {
    key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch {
    throw bad('the JWK for this kid is not a valid P-256 key');
  }
  // A JWS ES256 signature is r||s, 32 bytes each: exactly the format WebCrypto's ECDSA verify expects.
  const signature = b64urlBytes(parts[2]);
  if (signature.length !== 64) throw bad('signature is not 64 bytes');
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, signed);
  if (!ok) throw bad('signature does not verify');

  // Only now are the claims trustworthy enough to read.
  const c = b64urlJson(parts[1]);
  if (c.iss !== 'spaceduck') throw bad('iss is not spaceduck');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (aud.length !== 1 || aud[0] !== audience) throw bad('aud is not exactly the expected peer');
  if (c.peer !== undefined && c.peer !== audience) throw bad('peer differs from aud');
  if (subject !== undefined && c.sub !== subject) throw bad('sub is not the expected agent');
  if (typeof c.exp !== 'number') throw bad('no exp');
  if (now > c.exp + CLOCK_SKEW_SECONDS) throw bad('expired');
  if (typeof c.nbf === 'number' && now < c.nbf - CLOCK_SKEW_SECONDS) throw bad('not valid yet (nbf)');
  if (typeof c.iat === 'number' && c.iat > now + CLOCK_SKEW_SECONDS) throw bad('issued in the future (iat)');
  if (typeof c.peck_id !== 'string') throw bad('no peck_id');
  return c;
}

/** The public JWK set: no key needed. Refetch it per verification run — keys appear and retire. */
const fetchJwks = () => api('GET', '/.well-known/jwks.json', { key: null });

const describe = (c) => `sub=${c.sub} aud=${c.aud} peck=${c.peck_id} scope="${c.scope}" ` +
  `expires=${new Date(c.exp * 1000).toISOString()} jti=${c.jti}`;

// ---- The agent's flow ---------------------------------------------------------------------------

/** A whole number of seconds from the environment, or the default. */
function seconds(name, fallback) {
  const value = process.env[name] ?? String(fallback);
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new Exit(2, `${name} must be a whole number of seconds`);
  return Number(value);
}

function keyFromEnvironment() {
  const key = process.env.SPACEDUCK_KEY;
  if (!key) throw new Exit(2, 'set SPACEDUCK_KEY to the agent\'s Beak Key (the environment only, never an argument)');
  return key;
}

/** Polls the peck until it is active; refused states end the wait. Backoff 0.5 s × 1.5 up to 5 s. */
async function waitUntilActive(peckId) {
  const deadline = Date.now() + 1000 * seconds('SPACEDUCK_WAIT_SECONDS', 300);
  let delay = 500;
  let last;
  for (;;) {
    const peck = await api('GET', `/beak/pecks/${peckId}`);
    if (peck.state !== last) console.log(`peck ${peckId}: ${peck.state}`);
    last = peck.state;
    if (peck.state === 'active') return peck;
    if (!['requested', 'accepted'].includes(peck.state)) throw new Exit(1, `peck ended ${peck.state}`);
    if (Date.now() + delay > deadline) throw new Exit(4, `peck still ${peck.state}: gave up waiting`);
    await sleep(delay);
    delay = Math.min(delay * 1.5, 5000);
  }
}

async function run() {
  keyFromEnvironment();
  const targetCert = process.env.SPACEDUCK_TARGET_CERT;
  if (!/^ct_[a-z2-7]{16,40}$/.test(targetCert ?? '')) throw new Exit(2, 'set SPACEDUCK_TARGET_CERT to a certificate id (ct_…)');
  const scope = (process.env.SPACEDUCK_SCOPE ?? 'chat:read').split(/\s+/).filter(Boolean);
  const duration = seconds('SPACEDUCK_DURATION', 3600);
  seconds('SPACEDUCK_WAIT_SECONDS', 300); // refuse a bad value now, not after the peck was requested

  const me = await api('GET', '/beak/whoami'); // the engine checks the key on every call (K4)
  console.log(`whoami: ${me.id} (${me.kind}, ${me.tier}), key id ${me.key_id}`);

  const pulse = await api('POST', '/beak/pulse', { body: { status: 'ok' } });
  console.log(`pulse: ${pulse.status} at ${pulse.at}`);

  const cert = await api('GET', `/beak/cert?cert_id=${targetCert}`); // who holds the certificate (C4)
  if (cert.status !== undefined && cert.status !== 'current') throw new Exit(1, `target certificate is ${cert.status}`);
  console.log(`target: ${cert.subject_id} "${cert.display_name}" (${cert.tier})`);

  const peck = await api('POST', '/beak/peck', { body: { target_cert_id: targetCert, scope, duration_seconds: duration } });
  console.log(`peck requested: ${peck.peck_id} (waiting for the target to accept and its operator to approve)`);
  await waitUntilActive(peck.peck_id);

  const session = await api('POST', `/beak/pecks/${peck.peck_id}/session`);
  if (typeof session.token !== 'string') throw new Exit(1, 'the session reply carries no token');
  // Verify our own token offline as the peer will: against the JWK set, for the target as audience.
  const claims = await verifySessionToken(session.token, await fetchJwks(), { audience: cert.subject_id, subject: me.id });
  if (claims.peck_id !== peck.peck_id) throw new Exit(3, 'token rejected: another peck');
  console.log(`session token verified offline: ${describe(claims)}`);
}

// `verify-token`: the peer's side. The token comes on stdin (not argv: it is a credential).
async function verifyTokenCommand(args) {
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const audience = opt('--audience');
  if (!audience) throw new Exit(2, 'usage: node agent.mjs verify-token --audience ag_… [--subject ag_…] [--jwks FILE] < token');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const file = opt('--jwks');
  let jwks;
  try {
    jwks = file ? JSON.parse(await (await import('node:fs/promises')).readFile(file, 'utf8')) : await fetchJwks();
  } catch (e) {
    throw e instanceof Exit ? e : new Exit(2, `cannot read the JWK set ${file}: ${e.message}`);
  }
  const claims = await verifySessionToken(Buffer.concat(chunks).toString('utf8'), jwks, { audience, subject: opt('--subject') });
  console.log(`session token verified offline: ${describe(claims)}`);
}

try {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'verify-token') await verifyTokenCommand(rest);
  else if (command === undefined) await run();
  else throw new Exit(2, `unknown command ${command} (none, or verify-token)`);
} catch (e) {
  // Our own refusals carry an exit code; anything else (network, a bug) is reported without a stack
  // that could hold request details.
  console.error(`agent: ${e instanceof Exit ? e.message : `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`}`);
  process.exitCode = e instanceof Exit ? e.exitCode : 1;
}
