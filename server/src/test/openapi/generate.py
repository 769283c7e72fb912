#!/usr/bin/env python3
"""Writes server/src/main/resources/io/spaceduck/server/openapi.json.

The document is the contract (OpenApiContractTest holds the routing table and every test exchange
to it); this script only saves typing the repetitive parts (problem responses, id patterns). Edit
here, run `python3 server/src/test/openapi/generate.py`, commit both.
"""
import json, os

def ref(n): return {"$ref": "#/components/schemas/" + n}
def s(): return {"type": "string"}
def i(): return {"type": "integer"}
def b(): return {"type": "boolean"}
def ts(): return {"type": "string", "format": "date-time"}
def pat(prefix): return {"type": "string", "pattern": "^" + prefix + "[a-z2-7]{16,40}$"}
DK, AG, BD, CT, PK, HT, SR = (pat(p) for p in ("dk_", "ag_", "bd_", "ct_", "pk_", "ht_", "sr_"))
IDENT = {"type": "string", "pattern": "^(dk|ag)_[a-z2-7]{16,40}$"}
KEYID = {"type": "string", "pattern": "^[a-z2-7]{16}$"}
TIER = {"type": "string", "enum": ["T0", "T1", "T2", "T3"]}
REASON = {"type": "string", "pattern": "^[a-z0-9_]{1,40}$", "description": "a reason code (default none)"}
HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
def arr(x): return {"type": "array", "items": x}
def obj(req, props, desc=None):
    o = {"type": "object", "additionalProperties": False, "required": req, "properties": props}
    if desc: o["description"] = desc
    return o

REVOCATION = obj(["by", "at", "reason"], {"by": IDENT, "at": ts(), "reason": REASON})
schemas = {
  "Problem": obj(["type", "title", "status", "code"], {
      "type": s(), "title": s(), "status": i(),
      "code": {"type": "string", "enum": ["unauthenticated", "forbidden", "not_found", "conflict", "rate_limited",
               "rejected", "invalid_input", "unavailable", "method_not_allowed", "payload_too_large",
               "unsupported_media_type", "bad_request", "internal"]},
      "detail": s(), "correlation_id": s()}, "RFC 9457 problem details with the engine's stable code"),
  "Status": obj(["status"], {"status": s()}),
  "Principal": obj(["id", "kind", "tier", "key_id", "roles"], {
      "id": IDENT, "kind": {"type": "string", "enum": ["duckling", "agent"]}, "tier": TIER, "key_id": KEYID,
      "roles": arr({"type": "string", "enum": ["admin"]}), "operator_id": DK, "bond_id": BD}),
  "Identity": obj(["id", "kind", "display_name", "tier", "status", "created_at", "current_cert_id"], {
      "id": IDENT, "kind": {"type": "string", "enum": ["duckling", "agent"]}, "display_name": s(), "tier": TIER,
      "status": {"type": "string", "enum": ["active", "blocked", "deleted"]}, "created_at": ts(), "current_cert_id": CT,
      "roles": arr({"type": "string", "enum": ["admin"]}), "bond_id": BD, "operator_id": DK},
      "a duckling (with roles) or an agent (with bond_id and operator_id)"),
  "Certificate": obj(["cert_id", "subject_id", "kind", "display_name", "tier", "issued_at", "engine_version", "jws"], {
      "cert_id": CT, "subject_id": IDENT, "kind": {"type": "string", "enum": ["duckling", "agent"]}, "display_name": s(),
      "tier": TIER, "issued_at": ts(), "engine_version": s(), "operator_id": DK, "supersedes": CT,
      "jws": {"type": "string", "description": "the certificate as a compact JWS (C2), verifiable offline with /.well-known/jwks.json"},
      "status": {"type": "string", "enum": ["current", "superseded", "revoked", "deleted", "blocked"]}}),
  "Bond": obj(["bond_id", "agent_id", "operator_id", "agent_name", "bonded_at", "status"], {
      "bond_id": BD, "agent_id": AG, "operator_id": DK, "agent_name": s(), "bonded_at": ts(), "status": {"type": "string", "enum": ["active", "revoked"]},
      "revocation": REVOCATION}),
  "Key": obj(["key_id", "owner_id", "status", "created_at"], {
      "key_id": KEYID, "owner_id": IDENT, "bond_id": BD, "status": {"type": "string", "enum": ["active", "grace", "expired", "revoked"]},
      "created_at": ts(), "grace_until": ts(), "revocation": REVOCATION,
      "key": {"type": "string", "description": "the raw Beak Key, only in the reply that issues it (K1)"}}),
  "Peck": obj(["peck_id", "requester_id", "requester_operator_id", "target_id", "target_cert_id", "target_operator_id",
               "scope", "duration_seconds", "state", "requested_at", "request_expires_at"], {
      "peck_id": PK, "requester_id": AG, "requester_operator_id": DK, "target_id": AG, "target_cert_id": CT,
      "target_operator_id": DK, "scope": arr(s()), "duration_seconds": i(),
      "state": {"type": "string", "enum": ["requested", "accepted", "active", "declined", "rejected", "expired", "closed"]},
      "requested_at": ts(), "request_expires_at": ts(), "sponsor_id": AG, "session_expires_at": ts(), "decided_by": DK,
      "approval_rule_id": SR, "closed_by": s(), "reason": REASON}),
  "Session": obj(["peck_id", "subject_id", "peer_id", "scope", "expires_at"], {
      "peck_id": PK, "subject_id": AG, "peer_id": AG, "scope": arr(s()), "expires_at": ts(),
      "token": {"type": "string", "description": "the session token (a signed JWT, P5), only in the reply that issues it"}}),
  "Pulse": obj(["agent_id", "operator_id", "at", "status"], {"agent_id": AG, "operator_id": DK, "at": ts(), "status": s()}),
  "StaleAgent": obj(["agent_id", "bond_id"], {"agent_id": AG, "bond_id": BD, "last_pulse": ref("Pulse")}),
  "Block": obj(["blocked_id", "platform_wide", "by", "at", "reason"], {
      "blocked_id": IDENT, "platform_wide": b(), "by": IDENT, "at": ts(), "reason": REASON, "operator_id": DK}),
  "AuditEvent": obj(["seq", "action", "actor", "resource", "timestamp", "engine_version", "reason", "outcome", "details",
                     "prev_hash", "hash"], {
      "seq": i(), "action": s(), "actor": s(), "resource": s(), "scope": s(), "timestamp": ts(), "engine_version": s(),
      "reason": REASON, "outcome": {"type": "string", "enum": ["success", "denied"]},
      "details": {"type": "object", "additionalProperties": {"type": "string"}}, "prev_hash": HEX, "hash": HEX}),
  "AuditVerification": obj(["valid", "events_verified"], {
      "valid": b(), "events_verified": i(), "head": obj(["seq", "hash"], {"seq": i(), "hash": HEX}),
      "first_broken_seq": i(), "problem": s()}),
}
def lst(x, paged=False):
    p = {"items": arr(ref(x))}
    if paged: p["next_cursor"] = {"type": "string", "description": "pass as after= for the next page; absent on the last page"}
    return obj(["items"], p)

PROBLEM_TEXT = {
  "400": "invalid input: malformed JSON, a wrong type, an unknown field, a control character, an unpaired surrogate, a malformed id (invalid_input)",
  "401": "no valid Beak Key; never says why (K6)", "403": "not allowed by the policy or governance (forbidden)",
  "404": "no such resource, or not visible to the caller (not_found)", "405": "the path exists with another method",
  "409": "the resource is not in a state that allows this (conflict)", "413": "the body is larger than the server accepts",
  "431": "the request headers are larger than the server accepts (bad_request)",
  "415": "the body is not application/json in UTF-8", "422": "hatch refused; always the same message (rejected)",
  "429": "rate limited; Retry-After says when to retry (rate_limited)", "500": "a bug; the correlation id is in the server log",
  "503": "the store failed (nothing applied) or the server is over capacity; Retry-After when overloaded",
}
def problem(code):
    r = {"description": PROBLEM_TEXT[code], "content": {"application/problem+json": {"schema": ref("Problem")}}}
    if code == "401":
        r["headers"] = {"WWW-Authenticate": {"schema": s(), "required": True}}
    if code in ("429",):
        r["headers"] = {"Retry-After": {"schema": s(), "required": True}}
    if code == "503":
        r["headers"] = {"Retry-After": {"schema": s()}}
    return r

def jsonbody(schema): return {"required": True, "content": {"application/json": {"schema": schema}}}
def optbody(schema): return {"required": False, "content": {"application/json": {"schema": schema}}}
def ok(schema, code="200", desc="ok", ctype="application/json"):
    return {code: {"description": desc, "content": {ctype: {"schema": schema}}}}

paths = {}
def op(method, path, opid, summary, access, responses, body=None, params=(), tags=("beak",), refusals=None):
    o = {"operationId": opid, "summary": summary, "tags": list(tags)}
    if access == "bearer":
        o["security"] = [{"beakKey": []}]
    else:
        o["security"] = []
    ps = []
    for seg in path.split("/"):
        if seg.startswith("{"):
            name = seg[1:-1]
            sch = {"hatch_id": HT, "identity_id": IDENT, "duckling_id": DK, "bond_id": BD, "key_id": KEYID,
                   "peck_id": PK, "agent_id": AG}[name]
            ps.append({"name": name, "in": "path", "required": True, "schema": sch})
    ps.extend(params)
    if ps: o["parameters"] = ps
    if body: o["requestBody"] = body
    rs = dict(responses)
    codes = refusals if refusals is not None else (["400", "401", "403", "404", "409", "429", "500", "503"] if access == "bearer" else ["400", "500", "503"])
    if method == "post": codes = codes + ["413", "415"]
    codes = codes + ["405", "431"]
    for c in codes: rs.setdefault(c, {"$ref": "#/components/responses/Problem" + c})
    o["responses"] = rs
    paths.setdefault(path, {})[method] = o

def q(name, schema, required=False, desc=None):
    p = {"name": name, "in": "query", "required": required, "schema": schema}
    if desc: p["description"] = desc
    return p
AFTER_PK = q("after", PK, desc="cursor: the last peck id of the previous page")
LIMIT = q("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50})
REASON_BODY = optbody(obj([], {"reason": REASON}))

op("get", "/healthz", "healthz", "Alive (no engine call)", "public", ok(ref("Status")), tags=["operations"], refusals=["500", "503"])
op("get", "/readyz", "readyz", "Ready: the store answers (runs the engine's hatch sweep)", "public", ok(ref("Status")), tags=["operations"], refusals=["500", "503"])
op("get", "/metrics", "metrics", "Prometheus metrics; loopback clients only unless the host opens them", "public",
   ok(s(), ctype="text/plain"), tags=["operations"], refusals=["404", "500", "503"])
op("get", "/.well-known/jwks.json", "jwks", "The public JWK set that verifies certificates and session tokens offline (cacheable)", "public",
   {"200": {"description": "the JWK set", "headers": {"ETag": {"schema": s(), "required": True}, "Cache-Control": {"schema": s(), "required": True}},
            "content": {"application/jwk-set+json": {"schema": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "object"}}}}}}},
    "304": {"description": "not modified (If-None-Match)"}}, tags=["public keys"], refusals=["500", "503"])
op("get", "/beak/openapi.json", "openapi", "This document", "public", ok({"type": "object"}), tags=["operations"], refusals=["500", "503"])
# null without 3.1's type arrays or 3.0's nullable (the document keeps to their common part): no other type
NULL = {"not": {"anyOf": [{"type": t} for t in ("string", "number", "boolean", "object")] + [arr({})]}, "description": "null"}
op("get", "/beak/config", "pageConfig", "What Mission Control's pages need: the Turnstile widget's site key (public), or null when the server has none", "public",
   {"200": {"description": "the settings (cacheable for a minute)", "headers": {"Cache-Control": {"schema": s(), "required": True}},
            "content": {"application/json": {"schema": obj(["turnstile_site_key"], {
                "turnstile_site_key": {"anyOf": [{"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$"}, NULL],
                                       "description": "the site key to render the widget with; null: no widget, send an empty challenge_token"}})}}}},
   tags=["hatching"], refusals=["400", "500", "503"])
op("post", "/beak/hatch", "hatchStart", "H1, H2: start a hatch; the code goes to the email address", "public",
   ok(obj(["hatch_id", "expires_at"], {"hatch_id": HT, "expires_at": ts()}), "202", "code sent"),
   body=jsonbody(obj(["display_name", "email"], {"display_name": s(), "email": s(),
       "challenge_token": {"type": "string", "description": "the human-check token (Turnstile in production)"}})),
   tags=["hatching"], refusals=["400", "422", "429", "500", "503"])
op("post", "/beak/hatch/{hatch_id}/complete", "hatchComplete", "H3: complete a hatch with its code; the key is shown once", "public",
   ok(obj(["duckling", "certificate", "key"], {"duckling": ref("Identity"), "certificate": ref("Certificate"), "key": ref("Key")}), "201", "hatched"),
   body=jsonbody(obj(["code"], {"code": s()})), tags=["hatching"], refusals=["400", "422", "429", "500", "503"])
op("get", "/beak/whoami", "whoami", "The caller as the engine authenticates it", "bearer", ok(ref("Principal")), tags=["identities"])
op("get", "/beak/identities/{identity_id}", "getIdentity", "An identity: one's own, a governed agent's, or (admin) anyone's", "bearer", ok(ref("Identity")), tags=["identities"])
op("post", "/beak/identities/{identity_id}/promote", "promote", "Promote an identity (T1→T2 only by a T2 operator or an admin); returns the new certificate", "bearer",
   ok(ref("Certificate")), body=jsonbody(obj(["tier"], {"tier": TIER})), tags=["identities"])
op("get", "/beak/identities/{identity_id}/certs", "certHistory", "Every certificate of an identity, oldest first (C3)", "bearer", ok(lst("Certificate")), tags=["certificates"])
op("post", "/beak/ducklings/{duckling_id}/deletion", "requestDeletion", "D1: erase the contact, revoke keys and bonds, mark deleted", "bearer",
   ok(ref("Identity")), body=REASON_BODY, tags=["identities"])
op("get", "/beak/cert", "getCert", "C4: a certificate's fields, status and JWS", "bearer", ok(ref("Certificate")),
   params=[q("cert_id", CT, True)], tags=["certificates"])
op("get", "/beak/cert/card", "certCard", "C5: the certificate as a shareable HTML card (every value escaped)", "bearer",
   ok(s(), ctype="text/html"), params=[q("cert_id", CT, True)], tags=["certificates"])
op("post", "/beak/bonds", "bond", "B1: bond a new agent; its first key is shown once", "bearer",
   ok(obj(["bond", "agent", "certificate", "key"], {"bond": ref("Bond"), "agent": ref("Identity"), "certificate": ref("Certificate"), "key": ref("Key")}), "201", "bonded"),
   body=jsonbody(obj(["agent_name"], {"agent_name": s(), "tier": TIER})), tags=["bonds"])
op("get", "/beak/bonds", "listBonds", "The caller's bonds (all, for an admin)", "bearer", ok(lst("Bond")), tags=["bonds"])
op("get", "/beak/bonds/{bond_id}", "getBond", "A bond the caller governs", "bearer", ok(ref("Bond")), tags=["bonds"])
op("get", "/beak/keys", "listKeys", "The keys of an identity (own, or a governed agent's)", "bearer", ok(lst("Key")),
   params=[q("owner_id", IDENT, True)], tags=["keys"])
op("post", "/beak/rotate", "rotate", "K3: rotate a key (default: the presented one); the old key works for the grace period", "bearer",
   ok(ref("Key"), "201", "the new key, shown once"), body=optbody(obj([], {"key_id": KEYID})), tags=["keys"])
op("post", "/beak/keys/{key_id}/replace", "replaceKey", "K5: admin replaces a compromised key (revoke + issue)", "bearer",
   ok(ref("Key"), "201", "the new key, shown once"), body=REASON_BODY, tags=["keys"])
op("post", "/beak/unpeck", "unpeck", "K4, B2: revoke a key or a bond (exactly one), at once, with a reason code", "bearer",
   ok(obj([], {"key": ref("Key"), "bond": ref("Bond")})),
   body=jsonbody(obj([], {"key_id": KEYID, "bond_id": BD, "reason": REASON})), tags=["keys", "bonds"])
op("post", "/beak/peck", "requestPeck", "P1, P2, P6: request a peck to the agent holding target_cert_id", "bearer",
   ok(ref("Peck"), "201", "requested"),
   body=jsonbody(obj(["target_cert_id", "scope"], {"target_cert_id": CT, "scope": {"type": "array", "items": s(), "minItems": 1, "maxItems": 32},
       "duration_seconds": {"type": "integer", "minimum": 1, "maximum": 31622400, "default": 3600}, "on_behalf_of": AG})), tags=["pecks"])
op("get", "/beak/pecks/inbox", "peckInbox", "P3: requests waiting for the calling agent, oldest first", "bearer", ok(lst("Peck", True)),
   params=[AFTER_PK, LIMIT], tags=["pecks"])
op("get", "/beak/pecks/pending", "pendingApprovals", "P4: accepted pecks waiting for the calling operator", "bearer", ok(lst("Peck", True)),
   params=[AFTER_PK, LIMIT], tags=["pecks"])
op("get", "/beak/pecks/active", "activePecks", "P5, B3: active pecks (session not ended) the caller is a side of; for an operator, its agents' pecks; oldest first", "bearer", ok(lst("Peck", True)),
   params=[AFTER_PK, LIMIT], tags=["pecks"])
op("get", "/beak/pecks/{peck_id}", "getPeck", "A peck the caller is involved in", "bearer", ok(ref("Peck")), tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/accept", "acceptPeck", "P3: the target agent accepts", "bearer", ok(ref("Peck")), tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/decline", "declinePeck", "P3: the target agent declines", "bearer", ok(ref("Peck")), body=REASON_BODY, tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/approve", "approvePeck", "P4: an operator governing the target approves", "bearer", ok(ref("Peck")), tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/reject", "rejectPeck", "P4: an operator governing the target rejects", "bearer", ok(ref("Peck")), body=REASON_BODY, tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/close", "closePeck", "Either side (or its operator) closes a peck", "bearer", ok(ref("Peck")), body=REASON_BODY, tags=["pecks"])
op("post", "/beak/pecks/{peck_id}/session", "issueSession", "P5: a session token for the caller's side of an active peck", "bearer",
   ok(ref("Session"), "201", "the token, shown once"), tags=["pecks"])
op("post", "/beak/sessions/verify", "verifySession", "P5: online verification of a session token (fails once the peck closed or a bond was revoked)", "bearer",
   ok(ref("Session")), body=jsonbody(obj(["token"], {"token": s(), "audience": AG})), tags=["pecks"])
op("post", "/beak/pulse", "pulse", "U1: the calling agent reports liveness", "bearer", ok(ref("Pulse")),
   body=optbody(obj([], {"status": {"type": "string", "maxLength": 256, "default": "ok"}})), tags=["pulses"])
op("get", "/beak/agents/{agent_id}/pulses", "pulses", "U1: an agent's pulses, newest first", "bearer", ok(lst("Pulse")), params=[LIMIT], tags=["pulses"])
op("get", "/beak/stale", "staleAgents", "U2: the caller's agents without a recent pulse", "bearer", ok(lst("StaleAgent")),
   params=[q("threshold_seconds", {"type": "integer", "minimum": 1, "maximum": 31622400})], tags=["pulses"])
op("post", "/beak/blocks", "block", "Block an identity (on the caller's list, or platform-wide for an admin)", "bearer", ok(ref("Block"), "201", "blocked"),
   body=jsonbody(obj(["identity_id"], {"identity_id": IDENT, "reason": REASON, "platform_wide": b()})), tags=["blocks"])
op("post", "/beak/unblock", "unblock", "Lift a block", "bearer", ok(obj(["unblocked_id"], {"unblocked_id": IDENT})),
   body=jsonbody(obj(["identity_id"], {"identity_id": IDENT, "reason": REASON, "platform_wide": b()})), tags=["blocks"])
op("get", "/beak/blocks", "listBlocks", "The blocks the caller placed (all, for an admin)", "bearer", ok(lst("Block")), tags=["blocks"])
op("get", "/beak/audit", "readAudit", "A4: a page of audit events the caller may read, oldest first", "bearer", ok(lst("AuditEvent", True)),
   params=[q("action", s()), q("actor", s()), q("resource", s()), q("from", {"type": "string", "format": "date-time"}),
           q("to", {"type": "string", "format": "date-time"}), q("after", {"type": "string", "pattern": "^[0-9]{1,19}$"}, desc="cursor: a seq"),
           LIMIT], tags=["audit"])
op("get", "/beak/audit/verify", "verifyAudit", "A3: recompute the hash chain (optionally against an expected head)", "bearer", ok(ref("AuditVerification")),
   params=[q("head_seq", {"type": "integer", "minimum": 1}), q("head_hash", HEX)], tags=["audit"])

doc = {
  "openapi": "3.1.0",
  "info": {"title": "Space Duck Trust Engine — Beak API", "version": "0.1.0",
           "description": "The seeds' /beak/* API over an embedded engine (docs/http-api.md). Every call but the hatch steps and the public "
                          "material carries Authorization: Bearer <beak key>; refusals are RFC 9457 problem documents with the engine's stable code."},
  "paths": paths,
  "components": {"schemas": schemas, "responses": {"Problem" + c: problem(c) for c in PROBLEM_TEXT},
                 "securitySchemes": {"beakKey": {"type": "http", "scheme": "bearer", "description": "a Beak Key, bk_<key id>_<secret>"}}},
}
out = os.path.join(os.path.dirname(__file__), "../../main/resources/io/spaceduck/server/openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(paths), "paths")
