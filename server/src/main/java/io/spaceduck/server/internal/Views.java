package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Block;
import io.spaceduck.api.Bond;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.Principal;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Role;
import io.spaceduck.api.Session;
import io.spaceduck.api.StaleAgent;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The JSON shapes of the engine's records: snake_case names as in the seeds, instants as ISO-8601
 * UTC strings, durations in whole seconds, enums in lower case (tiers as {@code T0}…{@code T3}), and
 * an absent optional value is an absent field (never {@code null}). Secrets appear only in the
 * responses that issue them, once (K1). The OpenAPI document's schemas describe exactly these.
 */
final class Views {
  private Views() {}

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  static <T> ArrayNode array(Collection<T> items, Function<T, ObjectNode> view) {
    ArrayNode a = JsonCodec.NODES.arrayNode();
    items.forEach(i -> a.add(view.apply(i)));
    return a;
  }

  static ArrayNode strings(Collection<String> items) {
    ArrayNode a = JsonCodec.NODES.arrayNode();
    items.stream().sorted().forEach(a::add);
    return a;
  }

  private static void opt(ObjectNode o, String field, Optional<?> v) {
    v.ifPresent(x -> o.put(field, x instanceof Instant i ? i.toString() : text(x)));
  }

  private static String text(Object x) {
    if (x instanceof io.spaceduck.api.IdentityId id) {
      return id.value();
    }
    if (x instanceof io.spaceduck.api.ReasonCode r) {
      return r.code();
    }
    if (x instanceof io.spaceduck.api.BondId b) {
      return b.value();
    }
    if (x instanceof io.spaceduck.api.CertId c) {
      return c.value();
    }
    if (x instanceof io.spaceduck.api.RuleId r) {
      return r.value();
    }
    return x.toString();
  }

  static ObjectNode principal(Principal p) {
    ObjectNode o = JsonCodec.obj()
        .put("id", p.id().value())
        .put("kind", lower(p.kind()))
        .put("tier", p.tier().name())
        .put("key_id", p.keyId().value());
    o.set("roles", strings(p.roles().stream().map(Views::lower).toList()));
    opt(o, "operator_id", p.operator());
    opt(o, "bond_id", p.bond());
    return o;
  }

  static ObjectNode identity(Identity i) {
    ObjectNode o = JsonCodec.obj()
        .put("id", i.id().value())
        .put("kind", lower(i.id().kind()))
        .put("display_name", i.displayName())
        .put("tier", i.tier().name())
        .put("status", lower(i.status()))
        .put("created_at", i.createdAt().toString())
        .put("current_cert_id", i.currentCert().value());
    if (i instanceof Duckling d) {
      o.set("roles", strings(d.roles().stream().map(Role::name).map(s -> s.toLowerCase(Locale.ROOT)).toList()));
    } else if (i instanceof Agent a) {
      o.put("bond_id", a.bond().value()).put("operator_id", a.operator().value());
    }
    return o;
  }

  static ObjectNode certificate(BirthCertificate c) {
    ObjectNode o = JsonCodec.obj()
        .put("cert_id", c.id().value())
        .put("subject_id", c.subject().value())
        .put("kind", lower(c.kind()))
        .put("display_name", c.displayName())
        .put("tier", c.tier().name())
        .put("issued_at", c.issuedAt().toString())
        .put("engine_version", c.engineVersion());
    opt(o, "operator_id", c.operator());
    opt(o, "supersedes", c.supersedes());
    o.put("jws", c.jws());
    return o;
  }

  static ObjectNode certificateView(CertificateView v) {
    return certificate(v.certificate()).put("status", lower(v.status()));
  }

  private static ObjectNode revocation(Revocation r) {
    return JsonCodec.obj().put("by", r.by().value()).put("at", r.at().toString()).put("reason", r.reason().code());
  }

  static ObjectNode bond(Bond b) {
    ObjectNode o = JsonCodec.obj()
        .put("bond_id", b.id().value())
        .put("agent_id", b.agent().value())
        .put("operator_id", b.operator().value())
        .put("agent_name", b.agentName())
        .put("bonded_at", b.bondedAt().toString())
        .put("status", lower(b.status()));
    b.revocation().ifPresent(r -> o.set("revocation", revocation(r)));
    return o;
  }

  static ObjectNode keyInfo(KeyInfo k, Instant now) {
    ObjectNode o = JsonCodec.obj()
        .put("key_id", k.id().value())
        .put("owner_id", k.owner().value())
        .put("status", lower(k.statusAt(now)))
        .put("created_at", k.createdAt().toString());
    opt(o, "bond_id", k.bond());
    opt(o, "grace_until", k.graceUntil());
    k.revocation().ifPresent(r -> o.set("revocation", revocation(r)));
    return o;
  }

  /** A key issued this once: its info and the raw key (K1: shown once, never again). */
  static ObjectNode issuedKey(IssuedKey k, Instant now) {
    return keyInfo(k.info(), now).put("key", k.key().reveal());
  }

  static ObjectNode peck(Peck p) {
    ObjectNode o = JsonCodec.obj()
        .put("peck_id", p.id().value())
        .put("requester_id", p.requester().value())
        .put("requester_operator_id", p.requesterOperator().value())
        .put("target_id", p.target().value())
        .put("target_cert_id", p.targetCert().value())
        .put("target_operator_id", p.targetOperator().value());
    o.set("scope", strings(p.scope()));
    o.put("duration_seconds", p.duration().getSeconds())
        .put("state", lower(p.state()))
        .put("requested_at", p.requestedAt().toString())
        .put("request_expires_at", p.requestExpiresAt().toString());
    opt(o, "sponsor_id", p.sponsor());
    opt(o, "session_expires_at", p.sessionExpiresAt());
    opt(o, "decided_by", p.decidedBy());
    opt(o, "approval_rule_id", p.approvalRule());
    opt(o, "closed_by", p.closedBy());
    opt(o, "reason", p.reason());
    return o;
  }

  static ObjectNode session(Session s) {
    ObjectNode o = JsonCodec.obj()
        .put("peck_id", s.peck().value())
        .put("subject_id", s.subject().value())
        .put("peer_id", s.peer().value());
    o.set("scope", strings(s.scope()));
    return o.put("expires_at", s.expiresAt().toString());
  }

  /** A session issued this once: the token (never stored by the engine) and its claims. */
  static ObjectNode issuedSession(IssuedSession s) {
    return session(s.session()).put("token", s.token().reveal());
  }

  static ObjectNode pulse(Pulse p) {
    return JsonCodec.obj()
        .put("agent_id", p.agent().value())
        .put("operator_id", p.operator().value())
        .put("at", p.at().toString())
        .put("status", p.status());
  }

  static ObjectNode staleAgent(StaleAgent s) {
    ObjectNode o = JsonCodec.obj().put("agent_id", s.agent().value()).put("bond_id", s.bond().value());
    s.lastPulse().ifPresent(p -> o.set("last_pulse", pulse(p)));
    return o;
  }

  static ObjectNode block(Block b) {
    ObjectNode o = JsonCodec.obj()
        .put("blocked_id", b.blocked().value())
        .put("platform_wide", b.operator().isEmpty())
        .put("by", b.by().value())
        .put("at", b.at().toString())
        .put("reason", b.reason().code());
    opt(o, "operator_id", b.operator());
    return o;
  }

  static ObjectNode auditEvent(AuditEvent e) {
    ObjectNode o = JsonCodec.obj()
        .put("seq", e.seq())
        .put("action", e.action())
        .put("actor", e.actor())
        .put("resource", e.resource())
        .put("timestamp", e.timestamp().toString())
        .put("engine_version", e.engineVersion())
        .put("reason", e.reason().code())
        .put("outcome", lower(e.outcome()));
    opt(o, "scope", e.scope());
    ObjectNode details = o.putObject("details");
    e.details().forEach(details::put);
    return o.put("prev_hash", e.prevHash().hex()).put("hash", e.hash().hex());
  }

  static ObjectNode auditVerification(AuditVerification v) {
    ObjectNode o = JsonCodec.obj().put("valid", v.valid()).put("events_verified", v.eventsVerified());
    v.head().ifPresent(h -> o.putObject("head").put("seq", h.seq()).put("hash", h.hash().hex()));
    v.firstBrokenSeq().ifPresent(s -> o.put("first_broken_seq", s));
    opt(o, "problem", v.problem());
    return o;
  }
}
