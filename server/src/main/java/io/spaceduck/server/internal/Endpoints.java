package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Email;
import io.spaceduck.api.Hash;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The endpoints: each parses and validates its input, makes one engine call, and renders the result
 * ({@link Views}). No business rule lives here; refusals come from the engine and are mapped by
 * {@link ApiHandler}. Routes that need the caller's own id take it from the request (the server
 * holds no state and does not look the caller up first).
 */
final class Endpoints {
  /** Page sizes of the cursor-paginated lists. */
  static final int DEFAULT_LIMIT = 50;

  static final int MAX_LIMIT = 100;
  /** The most scope tokens a peck request may carry. */
  static final int MAX_SCOPE = 32;
  /** The longest peck session a request may ask for (the engine enforces its own bounds too). */
  static final long MAX_DURATION_SECONDS = 366L * 24 * 3600;

  private Endpoints() {}

  // ---- hatching (H1–H5): anonymous ------------------------------------------------------------

  static Reply hatchStart(Call c) {
    Body b = c.body("display_name", "email", "challenge_token");
    String challenge = b.optText("challenge_token").orElse("");
    var ticket = c.duck.hatching().start(new HatchRequest(b.text("display_name"), Email.of(b.text("email")), challenge, c.client));
    return Reply.json(202, JsonCodec.obj().put("hatch_id", ticket.id().value()).put("expires_at", ticket.expiresAt().toString()));
  }

  static Reply hatchComplete(Call c) {
    HatchId hatch = c.pathId("hatch_id", HatchId::new);
    String code = c.body("code").text("code");
    if (code.length() > VerificationCode.MAX_LENGTH) {
      throw ApiException.invalid("code", "too long");
    }
    HatchResult r = c.duck.hatching().complete(hatch, VerificationCode.of(code));
    ObjectNode o = JsonCodec.obj();
    o.set("duckling", Views.identity(r.duckling()));
    o.set("certificate", Views.certificate(r.certificate()));
    o.set("key", Views.issuedKey(r.key(), c.clock.instant()));
    return Reply.created(o);
  }

  // ---- public key material ----------------------------------------------------------------------

  static Reply jwks(Call c) {
    return Reply.text(200, "application/jwk-set+json", c.duck.certificates().publicJwks());
  }

  // ---- identities, certificates ------------------------------------------------------------------

  static Reply whoami(Call c) {
    Principal p = c.duck.authenticate(c.key());
    return Reply.ok(Views.principal(p));
  }

  static Reply identity(Call c) {
    IdentityId id = c.pathId("identity_id", Endpoints::identityId);
    return Reply.ok(Views.identity(c.duck.identities().get(c.key(), id)));
  }

  static Reply promote(Call c) {
    IdentityId id = c.pathId("identity_id", Endpoints::identityId);
    Tier tier = tier(c.body("tier").text("tier"));
    return Reply.ok(Views.certificate(c.duck.identities().promote(c.key(), id, tier)));
  }

  static Reply deletion(Call c) {
    DucklingId id = c.pathId("duckling_id", DucklingId::new);
    ReasonCode reason = reason(c.body("reason").optText("reason"));
    return Reply.ok(Views.identity(c.duck.identities().requestDeletion(c.key(), id, reason)));
  }

  static Reply cert(Call c) {
    CertId id = Call.id("cert_id", c.query.required("cert_id"), CertId::new);
    return Reply.ok(Views.certificateView(c.duck.certificates().get(c.key(), id)));
  }

  /** C5: the engine renders the card and escapes every value; the server passes it through. */
  static Reply certCard(Call c) {
    CertId id = Call.id("cert_id", c.query.required("cert_id"), CertId::new);
    return Reply.text(200, "text/html; charset=utf-8", c.duck.certificates().renderHtml(c.key(), id))
        .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  }

  static Reply certHistory(Call c) {
    IdentityId id = c.pathId("identity_id", Endpoints::identityId);
    return Reply.ok(items(Views.array(c.duck.certificates().history(c.key(), id), Views::certificateView)));
  }

  // ---- bonds (B) ----------------------------------------------------------------------------------

  static Reply bond(Call c) {
    Body b = c.body("agent_name", "tier");
    Tier tier = b.optText("tier").map(Endpoints::tier).orElse(Tier.T1);
    var r = c.duck.bonds().bond(c.key(), b.text("agent_name"), tier);
    ObjectNode o = JsonCodec.obj();
    o.set("bond", Views.bond(r.bond()));
    o.set("agent", Views.identity(r.agent()));
    o.set("certificate", Views.certificate(r.certificate()));
    o.set("key", Views.issuedKey(r.key(), c.clock.instant()));
    return Reply.created(o);
  }

  static Reply bonds(Call c) {
    return Reply.ok(items(Views.array(c.duck.bonds().list(c.key()), Views::bond)));
  }

  static Reply getBond(Call c) {
    return Reply.ok(Views.bond(c.duck.bonds().get(c.key(), c.pathId("bond_id", BondId::new))));
  }

  // ---- keys (K) -----------------------------------------------------------------------------------

  static Reply keys(Call c) {
    IdentityId owner = Call.id("owner_id", c.query.required("owner_id"), Endpoints::identityId);
    Instant now = c.clock.instant();
    return Reply.ok(items(Views.array(c.duck.keys().list(c.key(), owner), k -> Views.keyInfo(k, now))));
  }

  /** K3: rotates {@code key_id}, or — without it — the key the caller presents. */
  static Reply rotate(Call c) {
    Optional<String> named = c.body("key_id").optText("key_id");
    KeyId target = named.isPresent() ? Call.id("key_id", named.get(), KeyId::new) : ownKeyId(c.key());
    return Reply.created(Views.issuedKey(c.duck.keys().rotate(c.key(), target), c.clock.instant()));
  }

  /** K5: an admin replaces a compromised key (revoke + issue in one action). */
  static Reply replaceKey(Call c) {
    KeyId target = c.pathId("key_id", KeyId::new);
    ReasonCode reason = reason(c.body("reason").optText("reason"));
    return Reply.created(Views.issuedKey(c.duck.keys().replace(c.key(), target, reason), c.clock.instant()));
  }

  /** K4, B2: revokes a key or a bond (exactly one of the two), with a reason code. */
  static Reply unpeck(Call c) {
    Body b = c.body("key_id", "bond_id", "reason");
    Optional<String> key = b.optText("key_id");
    Optional<String> bond = b.optText("bond_id");
    ReasonCode reason = reason(b.optText("reason"));
    if (key.isPresent() == bond.isPresent()) {
      throw ApiException.invalid("body", "name exactly one of key_id and bond_id");
    }
    if (key.isPresent()) {
      KeyId id = Call.id("key_id", key.get(), KeyId::new);
      ObjectNode o = JsonCodec.obj();
      o.set("key", Views.keyInfo(c.duck.keys().revoke(c.key(), id, reason), c.clock.instant()));
      return Reply.ok(o);
    }
    BondId id = Call.id("bond_id", bond.get(), BondId::new);
    ObjectNode o = JsonCodec.obj();
    o.set("bond", Views.bond(c.duck.bonds().revoke(c.key(), id, reason)));
    return Reply.ok(o);
  }

  // ---- pecks (P) ----------------------------------------------------------------------------------

  static Reply requestPeck(Call c) {
    Body b = c.body("target_cert_id", "scope", "duration_seconds", "on_behalf_of");
    CertId target = Call.id("target_cert_id", b.text("target_cert_id"), CertId::new);
    long seconds = b.optLong("duration_seconds", 1, MAX_DURATION_SECONDS).orElse(3600L);
    Optional<AgentId> sponsored = b.optText("on_behalf_of").map(s -> Call.id("on_behalf_of", s, AgentId::new));
    Peck p = c.duck.pecks().request(c.key(), new PeckRequest(target, b.textSet("scope", MAX_SCOPE), Duration.ofSeconds(seconds), sponsored));
    return Reply.created(Views.peck(p));
  }

  static Reply inbox(Call c) {
    Optional<PeckId> after = c.query.opt("after").map(s -> Call.id("after", s, PeckId::new));
    int limit = limit(c);
    return Reply.ok(peckPage(c.duck.pecks().inbox(c.key(), after, limit), limit));
  }

  static Reply pending(Call c) {
    Optional<PeckId> after = c.query.opt("after").map(s -> Call.id("after", s, PeckId::new));
    int limit = limit(c);
    return Reply.ok(peckPage(c.duck.pecks().pendingApprovals(c.key(), after, limit), limit));
  }

  static Reply activePecks(Call c) {
    Optional<PeckId> after = c.query.opt("after").map(s -> Call.id("after", s, PeckId::new));
    int limit = limit(c);
    return Reply.ok(peckPage(c.duck.pecks().active(c.key(), after, limit), limit));
  }

  static Reply getPeck(Call c) {
    return Reply.ok(Views.peck(c.duck.pecks().get(c.key(), peckId(c))));
  }

  static Reply accept(Call c) {
    return Reply.ok(Views.peck(c.duck.pecks().accept(c.key(), peckId(c))));
  }

  static Reply decline(Call c) {
    PeckId id = peckId(c);
    return Reply.ok(Views.peck(c.duck.pecks().decline(c.key(), id, reason(c.body("reason").optText("reason")))));
  }

  static Reply approve(Call c) {
    return Reply.ok(Views.peck(c.duck.pecks().approve(c.key(), peckId(c))));
  }

  static Reply reject(Call c) {
    PeckId id = peckId(c);
    return Reply.ok(Views.peck(c.duck.pecks().reject(c.key(), id, reason(c.body("reason").optText("reason")))));
  }

  static Reply close(Call c) {
    PeckId id = peckId(c);
    return Reply.ok(Views.peck(c.duck.pecks().close(c.key(), id, reason(c.body("reason").optText("reason")))));
  }

  /** P5: a session token for the caller's side of an active peck (never stored; shown in this reply). */
  static Reply session(Call c) {
    return Reply.created(Views.issuedSession(c.duck.pecks().session(c.key(), peckId(c))));
  }

  /**
   * P5 online verification. The engine's {@code verifySession} takes no caller, but every route
   * except the public ones requires one (zero trust): the caller is authenticated first, then the
   * token verified — the one route that makes two engine calls.
   */
  static Reply verifySession(Call c) {
    Body b = c.body("token", "audience");
    String token = b.text("token");
    Optional<AgentId> audience = b.optText("audience").map(s -> Call.id("audience", s, AgentId::new));
    c.duck.authenticate(c.key());
    SessionToken t = SessionToken.of(token);
    var s = audience.isPresent() ? c.duck.pecks().verifySession(t, audience.get()) : c.duck.pecks().verifySession(t);
    return Reply.ok(Views.session(s));
  }

  // ---- pulses (U) ---------------------------------------------------------------------------------

  static Reply pulse(Call c) {
    String status = c.body("status").optText("status").orElse("ok");
    return Reply.ok(Views.pulse(c.duck.pulses().pulse(c.key(), status)));
  }

  static Reply pulses(Call c) {
    AgentId agent = c.pathId("agent_id", AgentId::new);
    int limit = limit(c);
    return Reply.ok(items(Views.array(c.duck.pulses().history(c.key(), agent, limit), Views::pulse)));
  }

  static Reply stale(Call c) {
    Optional<Long> seconds = c.query.optLong("threshold_seconds", 1, 366L * 24 * 3600);
    var list = seconds.isPresent()
        ? c.duck.pulses().stale(c.key(), Duration.ofSeconds(seconds.get()))
        : c.duck.pulses().stale(c.key());
    return Reply.ok(items(Views.array(list, Views::staleAgent)));
  }

  // ---- blocks ---------------------------------------------------------------------------------------

  static Reply block(Call c) {
    Body b = c.body("identity_id", "reason", "platform_wide");
    IdentityId target = Call.id("identity_id", b.text("identity_id"), Endpoints::identityId);
    ReasonCode reason = reason(b.optText("reason"));
    var blocked = b.optBool("platform_wide").orElse(false)
        ? c.duck.blocks().blockPlatformWide(c.key(), target, reason)
        : c.duck.blocks().block(c.key(), target, reason);
    return Reply.created(Views.block(blocked));
  }

  static Reply unblock(Call c) {
    Body b = c.body("identity_id", "reason", "platform_wide");
    IdentityId target = Call.id("identity_id", b.text("identity_id"), Endpoints::identityId);
    ReasonCode reason = reason(b.optText("reason"));
    if (b.optBool("platform_wide").orElse(false)) {
      c.duck.blocks().unblockPlatformWide(c.key(), target, reason);
    } else {
      c.duck.blocks().unblock(c.key(), target, reason);
    }
    return Reply.ok(JsonCodec.obj().put("unblocked_id", target.value()));
  }

  static Reply blocks(Call c) {
    return Reply.ok(items(Views.array(c.duck.blocks().list(c.key()), Views::block)));
  }

  // ---- audit (A) ------------------------------------------------------------------------------------

  static Reply audit(Call c) {
    long after = c.query.optLong("after", 0, Long.MAX_VALUE).orElse(0L);
    int limit = (int) (long) c.query.optLong("limit", 1, MAX_LIMIT).orElse((long) DEFAULT_LIMIT);
    AuditQuery q = new AuditQuery(c.query.opt("action"), c.query.opt("actor"), c.query.opt("resource"),
        c.query.opt("from").map(s -> instant("from", s)), c.query.opt("to").map(s -> instant("to", s)), after, limit);
    for (String f : List.of("action", "actor", "resource")) {
      if (c.query.opt(f).map(String::length).orElse(0) > AuditQuery.MAX_FILTER) {
        throw ApiException.invalid(f, "too long");
      }
    }
    AuditPage page = c.duck.audit().read(c.key(), q);
    ObjectNode o = JsonCodec.obj();
    o.set("items", Views.array(page.events(), Views::auditEvent));
    OptionalLong next = page.nextAfterSeq();
    next.ifPresent(n -> o.put("next_cursor", Long.toString(n)));
    return Reply.ok(o);
  }

  /** A3: verifies the chain; with {@code head_seq} and {@code head_hash}, also against that expected head. */
  static Reply auditVerify(Call c) {
    Optional<Long> seq = c.query.optLong("head_seq", 1, Long.MAX_VALUE);
    Optional<String> hash = c.query.opt("head_hash");
    if (seq.isPresent() != hash.isPresent()) {
      throw ApiException.invalid("head_seq", "head_seq and head_hash go together");
    }
    var v = seq.isPresent()
        ? c.duck.audit().verify(c.key(), new AuditHead(seq.get(), Call.id("head_hash", hash.get(), Hash::fromHex)))
        : c.duck.audit().verify(c.key());
    return Reply.ok(Views.auditVerification(v));
  }

  /** A signed checkpoint of the audit tree now: the C2SP signed note, as text. */
  static Reply auditCheckpoint(Call c) {
    return Reply.text(200, TEXT, c.duck.audit().checkpoint(c.key()).note().format());
  }

  /** The checkpoint key's verifier keys (C2SP vkey), one a line, the signing one first. Public. */
  static Reply auditVerifierKeys(Call c) {
    return Reply.text(200, TEXT, String.join("\n", c.duck.audit().verifierKeys()) + "\n");
  }

  /** The inclusion proof of the event at {@code seq} in the tree of {@code tree_size} events (text form). */
  static Reply auditInclusionProof(Call c) {
    long seq = c.query.optLong("seq", 1, Long.MAX_VALUE).orElseThrow(() -> ApiException.invalid("seq", "required"));
    long size = c.query.optLong("tree_size", 1, Long.MAX_VALUE).orElseThrow(() -> ApiException.invalid("tree_size", "required"));
    return Reply.text(200, TEXT, c.duck.audit().inclusionProof(c.key(), seq, size).format());
  }

  /** The consistency proof from the tree of {@code old_size} events to that of {@code new_size} (text form). */
  static Reply auditConsistencyProof(Call c) {
    long from = c.query.optLong("old_size", 0, Long.MAX_VALUE).orElseThrow(() -> ApiException.invalid("old_size", "required"));
    long to = c.query.optLong("new_size", 0, Long.MAX_VALUE).orElseThrow(() -> ApiException.invalid("new_size", "required"));
    return Reply.text(200, TEXT, c.duck.audit().consistencyProof(c.key(), from, to).format());
  }

  private static final String TEXT = "text/plain; charset=utf-8";

  // ---- helpers --------------------------------------------------------------------------------------

  private static PeckId peckId(Call c) {
    return c.pathId("peck_id", PeckId::new);
  }

  private static int limit(Call c) {
    return (int) (long) c.query.optLong("limit", 1, MAX_LIMIT).orElse((long) DEFAULT_LIMIT);
  }

  private static ObjectNode items(ArrayNode a) {
    ObjectNode o = JsonCodec.obj();
    o.set("items", a);
    return o;
  }

  private static ObjectNode peckPage(List<Peck> pecks, int limit) {
    ObjectNode o = items(Views.array(pecks, Views::peck));
    if (pecks.size() == limit) {
      o.put("next_cursor", pecks.get(pecks.size() - 1).id().value());
    }
    return o;
  }

  static IdentityId identityId(String s) {
    return IdentityId.parse(s).orElseThrow(() -> new IllegalArgumentException("malformed identity id"));
  }

  private static Tier tier(String s) {
    return switch (s) {
      case "T0" -> Tier.T0;
      case "T1" -> Tier.T1;
      case "T2" -> Tier.T2;
      case "T3" -> Tier.T3;
      default -> throw ApiException.invalid("tier", "one of T0, T1, T2, T3");
    };
  }

  private static ReasonCode reason(Optional<String> s) {
    return s.map(r -> Call.id("reason", r, ReasonCode::new)).orElse(ReasonCode.NONE);
  }

  private static Instant instant(String field, String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(field, "an ISO-8601 UTC instant, e.g. 2026-12-01T00:00:00Z");
    }
  }

  /**
   * The key id of a presented key ({@code bk_<keyid>_<secret>}, K1): the visible part, read without
   * any lookup. A key of another shape cannot authenticate either; the engine then says so.
   */
  private static KeyId ownKeyId(BeakKey key) {
    String raw = key.reveal();
    int second = raw.indexOf('_', BeakKey.PREFIX.length());
    if (raw.startsWith(BeakKey.PREFIX) && second > 0) {
      String id = raw.substring(BeakKey.PREFIX.length(), second);
      if (KeyId.isValid(id)) {
        return new KeyId(id);
      }
    }
    throw new io.spaceduck.api.Unauthenticated();
  }
}
