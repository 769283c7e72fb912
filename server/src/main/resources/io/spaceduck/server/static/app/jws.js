// Verifies a birth certificate's compact JWS offline, in the browser: ES256 (ECDSA P-256 with
// SHA-256; the JWS signature is raw r||s, which is what WebCrypto takes) against the public keys
// the server publishes at /.well-known/jwks.json. Nothing else is trusted: not the API's fields,
// not the page.

const B64URL = /^[A-Za-z0-9_-]*$/;

function bytes(part) {
  if (!B64URL.test(part)) throw new Error('not base64url');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function json(part) {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes(part)));
}

let jwksPromise = null;

async function publishedKeys() {
  if (!jwksPromise) {
    jwksPromise = fetch('/.well-known/jwks.json', { credentials: 'omit', referrerPolicy: 'no-referrer' })
      .then((r) => {
        if (!r.ok) throw new Error(`the key set could not be read (HTTP ${r.status})`);
        return r.json();
      });
  }
  const set = await jwksPromise;
  return Array.isArray(set.keys) ? set.keys : [];
}

/**
 * Resolves to {ok: true, kid, header, claims} when the JWS is a certificate signed by a published
 * key, else {ok: false, why, header?, claims?} (the claims are then NOT to be trusted).
 */
export async function verifyCertificateJws(jws) {
  const parts = String(jws).trim().split('.');
  if (parts.length !== 3 || parts.some((p) => !p.length)) return { ok: false, why: 'it is not a compact JWS (three base64url parts)' };
  let header;
  let claims;
  let sig;
  try {
    header = json(parts[0]);
    claims = json(parts[1]);
    sig = bytes(parts[2]);
  } catch (e) {
    return { ok: false, why: 'it is not well-formed base64url JSON' };
  }
  if (header.alg !== 'ES256') return { ok: false, why: `its algorithm is ${String(header.alg)}, not ES256`, header, claims };
  if (header.typ !== 'sd-cert+jwt') return { ok: false, why: 'it is not a birth certificate (typ)', header, claims };
  if (claims.iss !== 'spaceduck') return { ok: false, why: 'its issuer is not spaceduck', header, claims };
  if (sig.length !== 64) return { ok: false, why: 'its signature is not a raw P-256 signature', header, claims };
  if (!globalThis.crypto || !crypto.subtle) return { ok: false, why: 'this browser offers no WebCrypto here (a secure context is needed)', header, claims };
  let keys;
  try {
    keys = (await publishedKeys()).filter((k) => k.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string');
  } catch (e) {
    return { ok: false, why: e.message, header, claims };
  }
  const named = keys.filter((k) => header.kid !== undefined && k.kid === header.kid);
  const candidates = named.length ? named : keys.filter((k) => k.kid === undefined);
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  for (const k of candidates) {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: k.x, y: k.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    if (await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, signed)) {
      return { ok: true, kid: k.kid || '(no kid)', header, claims };
    }
  }
  return {
    ok: false,
    why: candidates.length ? 'the signature does not match the published key' : 'no published key has its kid',
    header,
    claims,
  };
}
