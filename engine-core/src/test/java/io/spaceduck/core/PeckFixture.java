package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;

/**
 * A {@link TestEngine} with an admin and helpers for peck tests: operators and agents as small
 * records, an active peck in one call, and audit assertions read straight from the store (so they
 * count every event, whatever the caller may read).
 */
final class PeckFixture implements AutoCloseable {
  static final Set<String> SCOPE = Set.of("chat:read");
  static final Duration HOUR = Duration.ofHours(1);
  private static final AtomicInteger NAMES = new AtomicInteger();

  /** An operator (a T2 duckling) and its key. */
  record Op(DucklingId id, BeakKey key) {}

  /** A bonded agent and everything a test needs of it. */
  record Ag(AgentId id, BeakKey key, KeyId keyId, CertId cert, BondId bond, DucklingId operator, Tier tier) {
    static Ag of(BondResult r) {
      return new Ag(r.agent().id(), r.key().key(), r.key().info().id(), r.certificate().id(), r.bond().id(),
          r.agent().operator(), r.agent().tier());
    }
  }

  final TestEngine t;
  final SpaceDuck engine;
  final Pecks pecks;
  final HatchResult admin;
  final BeakKey adminKey;

  PeckFixture() {
    this(b -> {});
  }

  PeckFixture(Consumer<SpaceDuckBuilder> customise) {
    this.t = new TestEngine(customise);
    this.engine = t.engine;
    this.pecks = engine.pecks();
    this.admin = t.bootstrap();
    this.adminKey = admin.key().key();
  }

  Op operator(String name) {
    HatchResult h = t.hatch(name + " " + NAMES.incrementAndGet());
    engine.identities().promote(adminKey, h.duckling().id(), Tier.T2);
    return new Op(h.duckling().id(), h.key().key());
  }

  Ag agent(Op op, String name, Tier tier) {
    return Ag.of(engine.bonds().bond(op.key(), name + " " + NAMES.incrementAndGet(), tier));
  }

  /** An agent bonded by the admin itself (the admin is a T2 duckling and may operate agents). */
  Ag adminAgent(String name, Tier tier) {
    return Ag.of(engine.bonds().bond(adminKey, name + " " + NAMES.incrementAndGet(), tier));
  }

  static PeckRequest req(Ag target) {
    return PeckRequest.of(target.cert(), SCOPE, HOUR);
  }

  Peck request(Ag from, Ag to) {
    return pecks.request(from.key(), req(to));
  }

  /** Request, accept and approve (by the target's operator key {@code approver}). */
  Peck active(Ag from, Ag to, BeakKey approver) {
    Peck p = request(from, to);
    pecks.accept(to.key(), p.id());
    Peck a = pecks.approve(approver, p.id());
    assertEquals(PeckState.ACTIVE, a.state());
    return a;
  }

  Peck state(Peck p) {
    return pecks.get(adminKey, p.id());
  }

  // ---------------------------------------------------------------- audit

  long head() {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  List<AuditEvent> since(long head) {
    return t.storage.auditRange(head + 1, 100_000);
  }

  /** Exactly one event was appended after {@code head}, with this action and outcome; returns it. */
  AuditEvent onlyEventSince(long head, AuditAction action, AuditOutcome outcome) {
    List<AuditEvent> events = since(head);
    assertEquals(1, events.size(), () -> "expected exactly one new audit event, found " + events);
    AuditEvent e = events.get(0);
    assertEquals(action.code(), e.action(), "audited action");
    assertEquals(outcome, e.outcome(), "audited outcome");
    return e;
  }

  /**
   * The call is refused with {@link Forbidden} and exactly one DENIED event of {@code action} by
   * {@code actor} is appended (A1).
   */
  AuditEvent deniedAndAudited(IdentityId actor, AuditAction action, Executable call) {
    long h = head();
    assertThrows(Forbidden.class, call);
    AuditEvent e = onlyEventSince(h, action, AuditOutcome.DENIED);
    assertEquals(actor.value(), e.actor(), "the denied event names the caller");
    return e;
  }

  /** The call is refused with {@code type} and leaves no audit event (a non-Forbidden refusal). */
  <T extends SpaceDuckException> T refusedUnaudited(Class<T> type, Executable call) {
    long h = head();
    T thrown = assertThrows(type, call);
    assertEquals(List.of(), since(h), "a " + type.getSimpleName() + " refusal appended an audit event");
    return thrown;
  }

  /** The call succeeds and appends exactly one SUCCESS event of {@code action} by {@code actor}. */
  <T> T succeedsAudited(String actor, AuditAction action, ThrowingSupplier<T> call) {
    long h = head();
    T result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new AssertionError(e);
    }
    AuditEvent e = onlyEventSince(h, action, AuditOutcome.SUCCESS);
    assertEquals(actor, e.actor(), "the success event names the caller");
    return result;
  }

  /** The last event about {@code resource}. */
  AuditEvent lastEventAbout(String resource) {
    List<AuditEvent> all = since(0);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).resource().equals(resource)) {
        return all.get(i);
      }
    }
    throw new AssertionError("no event about " + resource);
  }

  void assertChainVerifies() {
    assertTrue(engine.audit().verify(adminKey).valid(), "the audit chain verifies");
  }

  @FunctionalInterface
  interface ThrowingSupplier<T> {
    T get() throws Throwable;
  }

  static Optional<AgentId> none() {
    return Optional.empty();
  }

  @Override
  public void close() {
    t.close();
  }
}
