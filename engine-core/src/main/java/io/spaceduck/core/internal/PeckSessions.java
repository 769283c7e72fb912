package io.spaceduck.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Peck sessions (P5, I3, §1 Egg): who is handed a session token of an active peck, and whether a
 * token shown later is still good — offline by signature, type, audience and expiry, online by the
 * peck and both agents and bonds, so that it fails at once after the peck is closed or either bond is
 * revoked.
 *
 * <p>Thread-safe.
 */
final class PeckSessions {
  static final int MAX_TOKEN = 4096;

  private final Core core;
  private final PeckTransitions transitions;
  private final SessionTokens tokens;
  /**
   * Verified token claims by SHA-256 of the token: a token seen before costs no ECDSA verification.
   * Only the signature is cached; the audience, that the signing key is still published (not
   * retired), expiry and the peck, identities and bonds are checked on every call.
   */
  private final Cache<String, Verified> verified =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();

  PeckSessions(Core core, PeckTransitions transitions) {
    this.core = core;
    this.transitions = transitions;
    this.tokens = new SessionTokens(core.clock);
  }

  /** A session token for the caller, one of the two agents of an active peck (P5). */
  IssuedSession session(BeakKey caller, PeckId id) {
    return transitions.read(
        caller,
        id,
        (a, p) -> {
          IdentityId me = a.principal().id();
          if (!p.involves(me)) {
            throw new Forbidden("only the two agents of a peck hold its sessions");
          }
          if (a.principal().tier() == Tier.T0) {
            throw new Forbidden(PeckTransitions.EGG); // §1, P5
          }
          Instant now = core.now();
          if (p.state() != PeckState.ACTIVE || !now.isBefore(p.sessionExpiresAt().orElseThrow())) {
            throw new Conflict("the peck has no active session");
          }
          AgentId subject = (AgentId) me;
          AgentId peer = p.requester().equals(subject) ? p.target() : p.requester();
          Instant exp = Instant.ofEpochSecond(p.sessionExpiresAt().orElseThrow().getEpochSecond()); // JWT exp: seconds
          if (!now.isBefore(exp)) {
            throw new Conflict("the peck has no active session");
          }
          return core.issuer.issueSession(new Session(p.id(), subject, peer, p.scope(), exp), now);
        });
  }

  /** Whether {@code token} is a live session; with an audience, one shown to that agent (P5). */
  Session verify(SessionToken token, Optional<AgentId> audience) {
    Objects.requireNonNull(token, "token");
    String raw = token.reveal();
    if (raw.isEmpty() || raw.length() > MAX_TOKEN) {
      throw new Unauthenticated();
    }
    String key = sha256(raw);
    Verified v = verified.getIfPresent(key);
    EngineKeysets.Signing signing = core.failClosed.guard(() -> core.keysets.signing()); // a store failure is Unavailable
    if (v == null) {
      try {
        Session decoded = tokens.verify(signing.verifier(), raw, Optional.empty());
        v = new Verified(decoded, CertificateTokens.kidOf(raw).orElseThrow(Unauthenticated::new));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new Unauthenticated();
      }
      verified.put(key, v);
    }
    Session s = v.session();
    // the audience (= the peer, checked at decode) must be the agent the token is shown to; and the
    // signing key must still be published: a retired key's tokens fail even when cached
    if (audience.isPresent() && !audience.get().equals(s.peer()) || !signing.published().contains(v.kid())) {
      throw new Unauthenticated();
    }
    Instant now = core.now();
    if (!now.isBefore(s.expiresAt())) {
      throw new Unauthenticated();
    }
    boolean live =
        core.failClosed.guard(
            () -> {
              Optional<Peck> p = core.storage.get(Tables.PECKS, s.peck().value()).map(Versioned::value);
              return p.isPresent()
                  && p.get().state() == PeckState.ACTIVE
                  && now.isBefore(p.get().sessionExpiresAt().orElse(Instant.MIN))
                  && p.get().involves(s.subject())
                  && p.get().involves(s.peer())
                  && agentLive(s.subject())
                  && agentLive(s.peer());
            });
    if (!live) {
      throw new Unauthenticated();
    }
    return s;
  }

  /** A token whose signature, type, issuer and claims verified, and the key that signed it. */
  private record Verified(Session session, String kid) {}

  private boolean agentLive(AgentId id) {
    Optional<Identity> i = core.storage.get(Tables.IDENTITIES, id.value()).map(Versioned::value);
    if (i.isEmpty() || !(i.get() instanceof Agent a) || a.status() != IdentityStatus.ACTIVE || a.tier() == Tier.T0) {
      return false; // an Egg's token (issued before §1 was enforced) is no session either
    }
    return core.storage.get(Tables.BONDS, a.bond().value()).map(b -> b.value().status() == BondStatus.ACTIVE).orElse(false);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
