package io.spaceduck.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The Peck Protocol (P1–P7) and session tokens (P5). */
final class PecksImpl implements Pecks {
  static final int MAX_SCOPE_TOKENS = 16;
  static final int MAX_PAGE = 100;
  static final int MAX_TOKEN = 4096;
  static final Duration MIN_DURATION = Duration.ofMinutes(1);
  static final Duration MAX_DURATION = Duration.ofDays(30);
  private static final Pattern SCOPE = Pattern.compile("[a-z0-9][a-z0-9:._-]{0,63}");

  /**
   * SPEC §1: "an Egg agent may pulse and read its own record only". A peck is a connection to another
   * agent and its session token (P5) the credential for it, so an Egg (T0) is never a side of a peck:
   * not as requester (P1), not as target (PECK_RESPOND), not as the subject of a sponsorship (P6), and
   * it is never handed or verified a session token. A policy may only tighten, so no host can undo it.
   */
  static final String EGG = "an Egg agent may pulse and read its own record only";

  private final Core core;
  private final SessionTokens tokens;
  /**
   * Verified token claims by SHA-256 of the token: a token seen before costs no ECDSA verification.
   * Only the signature is cached; the audience, that the signing key is still published (not
   * retired), expiry and the peck, identities and bonds are checked on every call.
   */
  private final Cache<String, Verified> verified =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();

  PecksImpl(Core core) {
    this.core = core;
    this.tokens = new SessionTokens(core.clock);
  }

  // ------------------------------------------------------------ validation

  static Set<String> scope(Set<String> requested) {
    Objects.requireNonNull(requested, "scope");
    if (requested.isEmpty() || requested.size() > MAX_SCOPE_TOKENS) {
      throw new InvalidInput("scope", "1 to " + MAX_SCOPE_TOKENS + " tokens");
    }
    for (String s : requested) {
      if (s == null || !SCOPE.matcher(s).matches()) {
        throw new InvalidInput("scope", "tokens match [a-z0-9][a-z0-9:._-]{0,63}");
      }
    }
    return new TreeSet<>(requested);
  }

  static Duration duration(Duration d) {
    Objects.requireNonNull(d, "duration");
    if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(MAX_DURATION) > 0) {
      throw new InvalidInput("duration", "1 minute to 30 days");
    }
    return d;
  }

  private static Optional<String> operatorScope(Principal p) {
    return Optional.of(p.operator().map(DucklingId::value).orElse(p.id().value()));
  }

  private Agent agent(Transaction tx, AgentId id) {
    return tx.get(Tables.IDENTITIES, id.value())
        .map(Versioned::value)
        .filter(Agent.class::isInstance)
        .map(Agent.class::cast)
        .orElseThrow(() -> new NotFound("no such agent"));
  }

  /** Why a pair of agents may not be connected (P2), as a denial or a conflict; empty when they may. */
  private sealed interface Invalid permits Deny, Stale {}

  private record Deny(String why) implements Invalid {}

  private record Stale(String why) implements Invalid {}

  private Optional<Invalid> checkPair(Transaction tx, AgentId requester, Optional<AgentId> sponsor, AgentId target) {
    for (AgentId id : sponsor.isPresent() ? List.of(requester, sponsor.get(), target) : List.of(requester, target)) {
      Optional<Versioned<Identity>> row = tx.get(Tables.IDENTITIES, id.value());
      if (row.isEmpty() || !(row.get().value() instanceof Agent a)) {
        return Optional.of(new Stale("an agent no longer exists"));
      }
      tx.check(Tables.IDENTITIES, row.get());
      if (a.status() == IdentityStatus.BLOCKED) {
        return Optional.of(new Deny("an agent is blocked"));
      }
      if (a.status() != IdentityStatus.ACTIVE) {
        return Optional.of(new Stale("an agent is not active"));
      }
      Optional<Versioned<Bond>> bond = tx.get(Tables.BONDS, a.bond().value());
      if (bond.isEmpty() || bond.get().value().status() != BondStatus.ACTIVE) {
        return Optional.of(new Stale("an agent's bond is revoked"));
      }
      tx.check(Tables.BONDS, bond.get());
      Optional<Versioned<Identity>> op = tx.get(Tables.IDENTITIES, a.operator().value());
      op.ifPresent(o -> tx.check(Tables.IDENTITIES, o));
      if (op.isEmpty() || op.get().value().status() == IdentityStatus.BLOCKED) {
        return Optional.of(new Deny("an operator is blocked"));
      }
      if (op.get().value().status() != IdentityStatus.ACTIVE) {
        return Optional.of(new Stale("an operator is not active"));
      }
    }
    Agent t = agent(tx, target);
    Agent r = agent(tx, requester);
    if (!core.policy.allows(Permission.PECK_RESPOND, t.tier(), t.kind(), false)) {
      return Optional.of(new Deny("the target's tier may not be pecked"));
    }
    if (r.tier() == Tier.T0) {
      return Optional.of(new Deny(EGG)); // §1, also for a sponsored request stored before this rule
    }
    Optional<DucklingId> list = Optional.of(t.operator());
    List<IdentityId> candidates = new ArrayList<>(List.of(r.id(), r.operator()));
    sponsor.ifPresent(candidates::add);
    for (IdentityId c : candidates) {
      Optional<Versioned<io.spaceduck.api.Block>> b = tx.get(Tables.BLOCKS, Tables.blockKey(list, c));
      if (b.isPresent()) {
        return Optional.of(new Deny("blocked by the target's operator"));
      }
    }
    return Optional.empty();
  }

  private void requirePair(Core.Ctx ctx, Peck p, String resource, Optional<String> scope) {
    Optional<Invalid> invalid = checkPair(ctx.tx, p.requester(), p.sponsor(), p.target());
    if (invalid.isPresent()) {
      if (invalid.get() instanceof Deny d) {
        throw ctx.deny(d.why(), resource, scope);
      }
      throw new Conflict(((Stale) invalid.get()).why());
    }
  }

  // ------------------------------------------------------------ P1, P2, P6

  @Override
  public Peck request(BeakKey caller, PeckRequest request) {
    Objects.requireNonNull(request, "request");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.PECK_REQUESTED,
        "peck",
        ctx -> {
          Principal me = ctx.caller();
          Optional<String> scopeOfMe = operatorScope(me);
          AgentId requester;
          Optional<AgentId> sponsor = Optional.empty();
          if (request.onBehalfOf().isPresent()) {
            ctx.require(Permission.PECK_SPONSOR, "peck", scopeOfMe);
            Agent subject = agent(ctx.tx, request.onBehalfOf().get());
            if (!me.operator().equals(Optional.of(subject.operator()))
                || subject.id().equals(me.id())
                || !me.tier().atLeast(subject.tier())
                || me.tier() == subject.tier()) {
              throw ctx.deny("sponsorship is for lower-tier agents of the same operator", "peck", scopeOfMe); // P6
            }
            if (subject.tier() == Tier.T0) {
              throw ctx.deny(EGG, "peck", scopeOfMe); // §1: a sponsored Egg would hold a session (P5)
            }
            requester = subject.id();
            sponsor = Optional.of((AgentId) me.id());
          } else {
            ctx.require(Permission.PECK_REQUEST, "peck", scopeOfMe); // an Egg cannot initiate (P1)
            requester = (AgentId) me.id();
          }
          Set<String> scope = scope(request.scope());
          Duration duration = duration(request.duration());
          BirthCertificate cert =
              ctx.tx.get(Tables.CERTIFICATES, request.targetCert().value())
                  .map(Versioned::value)
                  .orElseThrow(() -> new NotFound("no such certificate"));
          if (!(cert.subject() instanceof AgentId targetId)) {
            throw new InvalidInput("target_cert", "must name an agent");
          }
          if (targetId.equals(requester) || sponsor.map(targetId::equals).orElse(false)) {
            throw new InvalidInput("target_cert", "an agent cannot peck itself");
          }
          Agent target = agent(ctx.tx, targetId);
          if (!target.currentCert().equals(cert.id())) {
            throw new Conflict("the target certificate is not current"); // P2
          }
          Agent req = agent(ctx.tx, requester);
          Peck p =
              new Peck(
                  core.randoms.peckId(ctx.now),
                  requester,
                  req.operator(),
                  sponsor,
                  targetId,
                  cert.id(),
                  target.operator(),
                  scope,
                  duration,
                  PeckState.REQUESTED,
                  ctx.now,
                  ctx.now.plus(core.config.peckRequestTtl()),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty());
          requirePair(ctx, p, "peck", scopeOfMe);
          ctx.tx.insert(Tables.PECKS, p);
          ctx.notify.add(p);
          Map<String, String> details = new HashMap<>();
          details.put("requester", requester.value());
          details.put("target", targetId.value());
          details.put("target_cert", cert.id().value());
          details.put("scope", String.join(" ", scope));
          details.put("duration", duration.toString());
          sponsor.ifPresent(s -> details.put("sponsor", s.value()));
          ctx.audit(p.id().value(), scopeOfMe, ReasonCode.NONE, details);
          return p;
        });
  }

  // ------------------------------------------------------------ P3

  @Override
  public List<Peck> inbox(BeakKey caller, Optional<PeckId> after, int limit) {
    return list(caller, Permission.READ_SELF, Tables.PECKS_BY_TARGET, PeckState.REQUESTED, p -> true, after, limit);
  }

  /**
   * Pecks found through {@code index} under the caller's id, in {@code state} and within their
   * request lifetime, oldest first (ids are time-ordered), after the cursor.
   */
  private List<Peck> list(BeakKey caller, Permission permission, io.spaceduck.storage.Index<Peck> index,
      PeckState state, java.util.function.Predicate<Peck> which, Optional<PeckId> after, int limit) {
    Objects.requireNonNull(after, "after");
    int n = page(limit);
    return core.read(
        caller,
        permission,
        a -> {
          Instant now = core.now();
          return core.storage.findBy(index, a.principal().id().value()).stream()
              .map(Versioned::value)
              .filter(p -> p.state() == state && now.isBefore(p.requestExpiresAt()) && which.test(p))
              .filter(p -> after.map(x -> p.id().value().compareTo(x.value()) > 0).orElse(true))
              .sorted(Comparator.comparing(p -> p.id().value()))
              .limit(n)
              .toList();
        });
  }

  private static int page(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidInput("limit", "1 to " + MAX_PAGE);
    }
    return limit;
  }

  private Versioned<Peck> peck(Core.Ctx ctx, PeckId id) {
    return ctx.tx.get(Tables.PECKS, id.value()).orElseThrow(() -> new NotFound("no such peck"));
  }

  private static void requireState(Peck p, PeckState expected) {
    if (p.state() != expected) {
      throw new Conflict("the peck is " + p.state().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  private static void requireUnexpired(Peck p, Instant now) {
    if (!now.isBefore(p.requestExpiresAt())) {
      throw new Conflict("the peck request has expired"); // P7
    }
  }

  /** The accept/decline checks (P3): the target agent, a pending request within its lifetime. */
  private Versioned<Peck> response(Core.Ctx ctx, PeckId id) {
    Versioned<Peck> row = peck(ctx, id);
    Peck p = row.value();
    Optional<String> scope = Optional.of(p.targetOperator().value());
    if (!p.target().equals(ctx.caller().id())) {
      throw ctx.deny("only the target agent responds", id.value(), scope);
    }
    ctx.require(Permission.PECK_RESPOND, id.value(), scope);
    requireState(p, PeckState.REQUESTED);
    requireUnexpired(p, ctx.now);
    return row;
  }

  @Override
  public Peck accept(BeakKey caller, PeckId id) {
    Objects.requireNonNull(id, "id");
    Peck accepted =
        core.govern(
            caller,
            Optional.empty(),
            AuditAction.PECK_ACCEPTED,
            id.value(),
            ctx -> {
              Versioned<Peck> row = response(ctx, id);
              Peck p = row.value();
              Optional<String> scope = Optional.of(p.targetOperator().value());
              Peck next = p.withState(PeckState.ACCEPTED);
              ctx.tx.update(Tables.PECKS, row, next);
              ctx.notify.add(next);
              ctx.audit(id.value(), scope, ReasonCode.NONE, Map.of("requester", p.requester().value()));
              return next;
            });
    return autoApprove(accepted).orElse(accepted);
  }

  /**
   * P4 with T3_AUTOMATION: an active standing rule of the target's operator that covers the request
   * approves it at once, in its own unit, audited as automatic and naming the rule. Anything off — the
   * flag, the tier, the rule, P2 — leaves the peck accepted for a human decision.
   */
  private Optional<Peck> autoApprove(Peck accepted) {
    if (!core.config.enabled(Feature.T3_AUTOMATION)) {
      return Optional.empty();
    }
    Instant now = core.now();
    try {
      Optional<Peck> approved =
          core.storage.execute(
              tx -> {
                Optional<Versioned<Peck>> row = tx.get(Tables.PECKS, accepted.id().value());
                if (row.isEmpty() || row.get().value().state() != PeckState.ACCEPTED || !now.isBefore(accepted.requestExpiresAt())) {
                  return Optional.<Peck>empty();
                }
                Peck p = row.get().value();
                Agent target = agent(tx, p.target());
                if (target.tier() != Tier.T3) {
                  return Optional.<Peck>empty();
                }
                Optional<Versioned<StandingRule>> rule =
                    tx.findBy(Tables.RULES_BY_TARGET, p.target().value()).stream()
                        .filter(r -> r.value().operator().equals(p.targetOperator()))
                        .filter(r -> r.value().covers(p.scope(), p.duration()))
                        .findFirst();
                if (rule.isEmpty() || checkPair(tx, p.requester(), p.sponsor(), p.target()).isPresent()) {
                  return Optional.<Peck>empty();
                }
                // P2 as at a human approval: the certificate the request named must still be the
                // target's current one. checkPair checked the target's row in this unit, so a
                // promotion that lands before commit makes the unit conflict
                if (!target.currentCert().equals(p.targetCert())) {
                  return Optional.<Peck>empty();
                }
                if (p.requesterOperator().equals(p.targetOperator())) {
                  return Optional.<Peck>empty(); // the requesting side never approves, not even by rule
                }
                tx.check(Tables.RULES, rule.get());
                StandingRule r = rule.get().value();
                Peck next = p.approved(now, r.operator(), Optional.of(r.id()));
                tx.update(Tables.PECKS, row.get(), next);
                tx.appendAudit(
                    AuditDraft.of(
                        AuditAction.PECK_APPROVED.code(),
                        r.operator().value(),
                        p.id().value(),
                        Optional.of(p.targetOperator().value()),
                        now,
                        core.version,
                        ReasonCode.NONE,
                        AuditOutcome.SUCCESS,
                        Map.of("automatic", "true", "rule_id", r.id().value(),
                            "session_expires_at", next.sessionExpiresAt().orElseThrow().toString())));
                return Optional.of(next);
              });
      approved.ifPresent(p -> core.dispatcher.dispatch(List.of(p)));
      return approved;
    } catch (StorageConflictException raced) {
      return Optional.empty(); // someone decided first; the peck stays as they left it
    } catch (StorageException e) {
      throw core.unavailable(e);
    }
  }

  @Override
  public Peck decline(BeakKey caller, PeckId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.PECK_DECLINED,
        id.value(),
        ctx -> {
          Versioned<Peck> row = response(ctx, id);
          Peck p = row.value();
          Optional<String> scope = Optional.of(p.targetOperator().value());
          Peck next = p.ended(PeckState.DECLINED, ctx.caller().id().value(), reason, Optional.empty());
          ctx.tx.update(Tables.PECKS, row, next);
          ctx.notify.add(next);
          ctx.audit(id.value(), scope, reason, Map.of("requester", p.requester().value()));
          return next;
        });
  }

  // ------------------------------------------------------------ P4

  @Override
  public List<Peck> pendingApprovals(BeakKey caller, Optional<PeckId> after, int limit) {
    // a peck between two of the caller's own agents is not listed: only an admin may decide it
    return list(caller, Permission.PECK_APPROVE, Tables.PECKS_BY_TARGET_OPERATOR, PeckState.ACCEPTED,
        p -> !p.requesterOperator().equals(p.targetOperator()), after, limit);
  }

  /** The approve/reject governance checks (P4); returns the peck's row. */
  private Versioned<Peck> decision(Core.Ctx ctx, PeckId id) {
    Versioned<Peck> row = peck(ctx, id);
    Peck p = row.value();
    Optional<String> scope = Optional.of(p.targetOperator().value());
    ctx.require(Permission.PECK_APPROVE, id.value(), scope);
    Principal me = ctx.caller();
    if (!me.id().equals(p.targetOperator()) && !me.isAdmin()) {
      throw ctx.deny("only an operator governing the target decides", id.value(), scope);
    }
    if (me.id().equals(p.requesterOperator())) {
      throw ctx.deny("the requesting side cannot approve its own peck", id.value(), scope); // P4, I2
    }
    return row;
  }

  @Override
  public Peck approve(BeakKey caller, PeckId id) {
    Objects.requireNonNull(id, "id");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.PECK_APPROVED,
        id.value(),
        ctx -> {
          Versioned<Peck> row = decision(ctx, id);
          Peck p = row.value();
          Optional<String> scope = Optional.of(p.targetOperator().value());
          requireState(p, PeckState.ACCEPTED);
          requireUnexpired(p, ctx.now);
          requirePair(ctx, p, id.value(), scope);
          if (!agent(ctx.tx, p.target()).currentCert().equals(p.targetCert())) {
            throw new Conflict("the target certificate is not current"); // P2, re-checked at approval
          }
          Peck next = p.approved(ctx.now, (DucklingId) ctx.caller().id(), Optional.empty());
          ctx.tx.update(Tables.PECKS, row, next);
          ctx.notify.add(next);
          ctx.audit(id.value(), scope, ReasonCode.NONE,
              Map.of("automatic", "false", "session_expires_at", next.sessionExpiresAt().orElseThrow().toString()));
          return next;
        });
  }

  @Override
  public Peck reject(BeakKey caller, PeckId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.PECK_REJECTED,
        id.value(),
        ctx -> {
          Versioned<Peck> row = decision(ctx, id);
          Peck p = row.value();
          requireState(p, PeckState.ACCEPTED); // P4: the operator decides after the target accepted
          requireUnexpired(p, ctx.now);
          Peck next =
              p.ended(PeckState.REJECTED, ctx.caller().id().value(), reason, Optional.of((DucklingId) ctx.caller().id()));
          ctx.tx.update(Tables.PECKS, row, next);
          ctx.notify.add(next);
          ctx.audit(id.value(), Optional.of(p.targetOperator().value()), reason, Map.of());
          return next;
        });
  }

  // ------------------------------------------------------------ close, get

  private static boolean involved(Principal me, Peck p) {
    return me.isAdmin()
        || p.involves(me.id())
        || p.sponsor().map(me.id()::equals).orElse(false)
        || p.requesterOperator().equals(me.id())
        || p.targetOperator().equals(me.id());
  }

  @Override
  public Peck close(BeakKey caller, PeckId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.PECK_CLOSED,
        id.value(),
        ctx -> {
          Versioned<Peck> row = peck(ctx, id);
          Peck p = row.value();
          Optional<String> scope = operatorScope(ctx.caller());
          if (!involved(ctx.caller(), p)) {
            throw ctx.deny("not involved in the peck", id.value(), scope);
          }
          ctx.require(Permission.PECK_CLOSE, id.value(), scope);
          if (p.state().isFinal()) {
            requireState(p, PeckState.ACTIVE);
          }
          Peck next = p.ended(PeckState.CLOSED, ctx.caller().id().value(), reason, Optional.empty());
          ctx.tx.update(Tables.PECKS, row, next);
          ctx.notify.add(next);
          ctx.audit(id.value(), scope, reason, Map.of("from", p.state().name()));
          return next;
        });
  }

  @Override
  public Peck get(BeakKey caller, PeckId id) {
    Objects.requireNonNull(id, "id");
    return core.read(
        caller,
        Permission.READ_SELF,
        a -> {
          Peck p = core.storage.get(Tables.PECKS, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such peck"));
          if (!involved(a.principal(), p)) {
            throw new Forbidden("not involved in the peck");
          }
          return p;
        });
  }

  // ------------------------------------------------------------ P5

  @Override
  public IssuedSession session(BeakKey caller, PeckId id) {
    Objects.requireNonNull(id, "id");
    return core.read(
        caller,
        Permission.READ_SELF,
        a -> {
          Peck p = core.storage.get(Tables.PECKS, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such peck"));
          IdentityId me = a.principal().id();
          if (!p.involves(me)) {
            throw new Forbidden("only the two agents of a peck hold its sessions");
          }
          if (a.principal().tier() == Tier.T0) {
            throw new Forbidden(EGG); // §1, P5
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
          Session s = new Session(p.id(), subject, peer, p.scope(), exp);
          try {
            String jwt = SessionTokens.sign(core.keysets.signing().signer(), core.randoms.tokenId(), s, now);
            return new IssuedSession(s, SessionToken.of(jwt));
          } catch (GeneralSecurityException e) {
            throw new IllegalStateException("session signing failed", e);
          }
        });
  }

  @Override
  public Session verifySession(SessionToken token) {
    return verifySession(token, Optional.empty());
  }

  @Override
  public Session verifySession(SessionToken token, AgentId audience) {
    return verifySession(token, Optional.of(Objects.requireNonNull(audience, "audience")));
  }

  private Session verifySession(SessionToken token, Optional<AgentId> audience) {
    Objects.requireNonNull(token, "token");
    String raw = token.reveal();
    if (raw.isEmpty() || raw.length() > MAX_TOKEN) {
      throw new Unauthenticated();
    }
    String key = sha256(raw);
    Verified v = verified.getIfPresent(key);
    EngineKeysets.Signing signing = core.guard(() -> core.keysets.signing()); // a store failure is Unavailable
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
    Session session = s;
    boolean live =
        core.guard(
            () -> {
              Optional<Peck> p = core.storage.get(Tables.PECKS, session.peck().value()).map(Versioned::value);
              return p.isPresent()
                  && p.get().state() == PeckState.ACTIVE
                  && now.isBefore(p.get().sessionExpiresAt().orElse(Instant.MIN))
                  && p.get().involves(session.subject())
                  && p.get().involves(session.peer())
                  && agentLive(session.subject())
                  && agentLive(session.peer());
            });
    if (!live) {
      throw new Unauthenticated();
    }
    return session;
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

  // ------------------------------------------------------------ P7

  @Override
  public int expireDue() {
    Instant now = core.now();
    List<Versioned<Peck>> open = core.guard(() -> core.storage.findBy(Tables.PECKS_BY_OPEN, Tables.OPEN));
    int expired = 0;
    for (Versioned<Peck> candidate : open) {
      if (!due(candidate.value(), now)) {
        continue;
      }
      try {
        Optional<Peck> done =
            core.guard(
                () ->
                    core.storage.execute(
                        tx -> {
                          Optional<Versioned<Peck>> row = tx.get(Tables.PECKS, candidate.value().id().value());
                          if (row.isEmpty() || !due(row.get().value(), now)) {
                            return Optional.<Peck>empty();
                          }
                          Peck p = row.get().value();
                          Peck next = p.ended(PeckState.EXPIRED, io.spaceduck.api.AuditEvent.SYSTEM_ACTOR, ReasonCode.EXPIRED, Optional.empty());
                          tx.update(Tables.PECKS, row.get(), next);
                          tx.appendAudit(
                              AuditDraft.of(AuditAction.PECK_EXPIRED.code(), io.spaceduck.api.AuditEvent.SYSTEM_ACTOR,
                                  p.id().value(), Optional.of(p.targetOperator().value()), now, core.version,
                                  ReasonCode.EXPIRED, AuditOutcome.SUCCESS, Map.of("from", p.state().name())));
                          return Optional.of(next);
                        }));
        if (done.isPresent()) {
          expired++;
          core.dispatcher.dispatch(List.of(done.get()));
        }
      } catch (StorageConflictException raced) {
        // a concurrent transition won: exactly one of them is applied and audited
      }
    }
    return expired;
  }

  /** Requests past their lifetime, and sessions past their end. */
  private static boolean due(Peck p, Instant now) {
    return switch (p.state()) {
      case REQUESTED, ACCEPTED -> !now.isBefore(p.requestExpiresAt());
      case ACTIVE -> !now.isBefore(p.sessionExpiresAt().orElse(Instant.MAX));
      default -> false;
    };
  }

  // ------------------------------------------------------------ standing rules (T3)

  @Override
  public StandingRule addStandingRule(BeakKey caller, AgentId target, Set<String> scope, Duration maxDuration) {
    Objects.requireNonNull(target, "target");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.STANDING_RULE_ADDED,
        target.value(),
        ctx -> {
          Optional<String> opScope = Optional.of(ctx.caller().id().value());
          ctx.require(Permission.MANAGE_STANDING_RULES, target.value(), opScope);
          if (!core.config.enabled(Feature.T3_AUTOMATION)) {
            throw ctx.deny("T3 is disabled (feature T3_AUTOMATION is off)", target.value(), opScope);
          }
          Agent a = agent(ctx.tx, target);
          if (!a.operator().equals(ctx.caller().id())) {
            throw ctx.deny("a standing rule is its operator's", target.value(), opScope);
          }
          if (a.tier() != Tier.T3) {
            throw new Conflict("standing rules are for T3 agents");
          }
          StandingRule r =
              new StandingRule(core.randoms.ruleId(), a.operator(), target, scope(scope), duration(maxDuration), ctx.now, true);
          ctx.tx.insert(Tables.RULES, r);
          ctx.audit(r.id().value(), opScope, ReasonCode.NONE,
              Map.of("target", target.value(), "scope", String.join(" ", r.scope()), "max_duration", r.maxDuration().toString()));
          return r;
        });
  }

  @Override
  public StandingRule removeStandingRule(BeakKey caller, RuleId id) {
    Objects.requireNonNull(id, "id");
    return core.govern(
        caller,
        Optional.empty(),
        AuditAction.STANDING_RULE_REMOVED,
        id.value(),
        ctx -> {
          Versioned<StandingRule> row =
              ctx.tx.get(Tables.RULES, id.value()).orElseThrow(() -> new NotFound("no such rule"));
          StandingRule r = row.value();
          Optional<String> opScope = Optional.of(r.operator().value());
          ctx.require(Permission.MANAGE_STANDING_RULES, id.value(), opScope);
          if (!r.operator().equals(ctx.caller().id()) && !ctx.caller().isAdmin()) {
            throw ctx.deny("a standing rule is its operator's", id.value(), opScope);
          }
          if (!r.active()) {
            throw new Conflict("the rule is already removed");
          }
          StandingRule next = r.deactivated();
          ctx.tx.update(Tables.RULES, row, next);
          ctx.audit(id.value(), opScope, ReasonCode.NONE, Map.of("target", r.target().value()));
          return next;
        });
  }
}
