package io.spaceduck.cli;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Block;
import io.spaceduck.api.Bond;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Identity;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.Principal;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Role;
import io.spaceduck.api.StaleAgent;
import io.spaceduck.api.Tier;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The engine's values as {@link Json} objects, one shape per type, shared by the human-readable and
 * the {@code --json} output. Field names are snake_case and stable; they never include a secret.
 */
final class Render {
  private Render() {}

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** An instant for humans: UTC, to the second ({@code --json} keeps full precision). */
  static String time(Instant i) {
    return i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  static String tier(Tier t) {
    return t.name() + " (" + t.displayName() + ")";
  }

  static Json identity(Identity i) {
    Json j = Json.obj().put("id", i.id().value()).put("kind", lower(i.kind())).put("display_name", i.displayName())
        .put("tier", i.tier().name()).put("tier_name", i.tier().displayName()).put("status", lower(i.status()))
        .put("created_at", i.createdAt()).put("current_cert", i.currentCert().value());
    if (i instanceof Duckling d) {
      j.put("roles", d.roles().stream().map(Render::lower).sorted().toList());
    } else if (i instanceof Agent a) {
      j.put("operator_id", a.operator().value()).put("bond_id", a.bond().value());
    }
    return j;
  }

  static Json principal(Principal p) {
    return Json.obj().put("id", p.id().value()).put("kind", lower(p.kind())).put("tier", p.tier().name())
        .put("tier_name", p.tier().displayName())
        .put("roles", p.roles().stream().map(Render::lower).sorted().toList()).put("key_id", p.keyId().value())
        .put("operator_id", p.operator().map(o -> o.value())).put("bond_id", p.bond().map(b -> b.value()));
  }

  static Json cert(CertificateView v) {
    return cert(v.certificate(), Optional.of(v.status()));
  }

  static Json cert(BirthCertificate c, Optional<CertStatus> status) {
    return Json.obj().put("cert_id", c.id().value()).put("subject_id", c.subject().value()).put("kind", lower(c.kind()))
        .put("display_name", c.displayName()).put("tier", c.tier().name()).put("tier_name", c.tier().displayName())
        .put("status", status.map(Render::lower)).put("issued_at", c.issuedAt()).put("engine_version", c.engineVersion())
        .put("operator_id", c.operator().map(o -> o.value())).put("supersedes", c.supersedes().map(s -> s.value()));
  }

  /** {@code <cert_id> <subject_id> <tier> <status>}: the {@code cert list} line. */
  static String certLine(CertificateView v) {
    BirthCertificate c = v.certificate();
    return c.id().value() + " " + c.subject().value() + " " + c.tier().name() + " " + lower(v.status());
  }

  static Json key(KeyInfo k, Instant now) {
    Json j = Json.obj().put("key_id", k.id().value()).put("owner_id", k.owner().value())
        .put("bond_id", k.bond().map(b -> b.value())).put("status", lower(k.statusAt(now))).put("created_at", k.createdAt())
        .put("grace_until", k.graceUntil());
    revocation(j, k.revocation());
    return j;
  }

  /**
   * One line of {@code key list}: every time labelled, so a revoked key's revocation time is never
   * mistaken for its creation time.
   */
  static String keyLine(KeyInfo k, Instant now) {
    StringBuilder line = new StringBuilder(k.id().value()).append(' ').append(lower(k.statusAt(now)))
        .append(" created ").append(time(k.createdAt()));
    k.revocation().ifPresent(r -> line.append(" revoked ").append(time(r.at())).append(" by ").append(r.by().value())
        .append(" reason ").append(r.reason().code()));
    k.graceUntil().ifPresent(g -> line.append(" grace until ").append(time(g)));
    return line.toString();
  }

  static Json bond(Bond b) {
    Json j = Json.obj().put("bond_id", b.id().value()).put("agent_id", b.agent().value()).put("agent_name", b.agentName())
        .put("operator_id", b.operator().value()).put("status", lower(b.status())).put("bonded_at", b.bondedAt());
    revocation(j, b.revocation());
    return j;
  }

  private static void revocation(Json j, Optional<Revocation> r) {
    if (r.isPresent()) {
      j.put("revoked_at", r.get().at()).put("revoked_by", r.get().by().value()).put("reason", r.get().reason().code());
    }
  }

  static Json peck(Peck p) {
    return Json.obj().put("peck_id", p.id().value()).put("state", lower(p.state())).put("requester", p.requester().value())
        .put("requester_operator", p.requesterOperator().value()).put("sponsor", p.sponsor().map(s -> s.value()))
        .put("target", p.target().value()).put("target_cert", p.targetCert().value())
        .put("target_operator", p.targetOperator().value()).put("scope", new TreeSet<>(p.scope()))
        .put("duration", p.duration()).put("requested_at", p.requestedAt()).put("request_expires_at", p.requestExpiresAt())
        .put("session_expires_at", p.sessionExpiresAt()).put("decided_by", p.decidedBy().map(d -> d.value()))
        .put("approval_rule", p.approvalRule().map(r -> r.value())).put("closed_by", p.closedBy())
        .put("reason", p.reason().map(r -> r.code()));
  }

  /** One line of a peck listing. */
  static String peckLine(Peck p) {
    return p.id().value() + " " + lower(p.state()) + " " + p.requester().value() + " -> " + p.target().value() + " scope "
        + String.join(",", new TreeSet<>(p.scope())) + " for " + Durations.human(p.duration());
  }

  static Json pulse(Pulse p) {
    return Json.obj().put("agent_id", p.agent().value()).put("operator_id", p.operator().value()).put("at", p.at())
        .put("status", p.status());
  }

  static Json stale(StaleAgent s) {
    return Json.obj().put("agent_id", s.agent().value()).put("bond_id", s.bond().value())
        .put("last_pulse_at", s.lastPulse().map(Pulse::at)).put("last_status", s.lastPulse().map(Pulse::status));
  }

  static Json block(Block b) {
    return Json.obj().put("blocked", b.blocked().value())
        .put("list", b.operator().map(o -> "operator " + o.value()).orElse("platform")).put("by", b.by().value())
        .put("at", b.at()).put("reason", b.reason().code());
  }

  static Json event(AuditEvent e) {
    return Json.obj().put("seq", e.seq()).put("action", e.action()).put("actor", e.actor()).put("resource", e.resource())
        .put("scope", e.scope()).put("timestamp", e.timestamp()).put("engine_version", e.engineVersion())
        .put("reason", e.reason().code()).put("outcome", e.outcome().code()).put("details", e.details())
        .put("prev_hash", e.prevHash().hex()).put("hash", e.hash().hex());
  }

  /** One line of {@code audit tail}. */
  static String eventLine(AuditEvent e) {
    return e.seq() + " " + e.timestamp() + " " + e.action() + (e.outcome().code().equals("success") ? "" : " (" + e.outcome().code() + ")")
        + " by " + e.actor() + " on " + e.resource() + " reason " + e.reason().code();
  }

  static boolean isAdmin(Principal p) {
    return p.roles().contains(Role.ADMIN);
  }
}
