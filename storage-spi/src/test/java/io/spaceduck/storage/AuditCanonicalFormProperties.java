package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.Tag;

/**
 * A3/I5 on the in-memory store: one encoding per event. A chain of well-formed events (text of every
 * UTF-8 length, {@code '?'} included) always verifies; an event changed into a form that has no
 * canonical encoding but would hash like the original — a {@code '?'} replaced by an unpaired
 * surrogate (which {@code getBytes(UTF_8)} turns back into {@code '?'}), a sub-millisecond part added
 * to the timestamp (which the millisecond encoding drops) — is the first broken link.
 */
class AuditCanonicalFormProperties {

  /** A field that holds a {@code '?'} in every generated event, and what a tamperer can do to it. */
  enum Lossy {
    ACTOR_SURROGATE,
    RESOURCE_SURROGATE,
    SCOPE_SURROGATE,
    DETAIL_SURROGATE,
    VERSION_SURROGATE,
    TIMESTAMP_NANOS
  }

  @Property(tries = 200)
  @Tag("A3")
  @Tag("I5")
  @Label("A3/I5 every canonical chain verifies; a lossy twin of one event is the first broken link")
  void lossyTwin_isTheFirstBrokenLink(
      @ForAll @Size(min = 1, max = 8) List<@From("drafts") AuditDraft> drafts,
      @ForAll @IntRange(min = 0, max = 1000) int pick,
      @ForAll Lossy lossy,
      @ForAll("surrogates") char surrogate) {
    List<AuditEvent> stored = store(drafts);
    AuditVerification ok = AuditChain.verify(stored.iterator(), Optional.of(stored.get(stored.size() - 1).head()));
    assertTrue(ok.valid(), ok.toString());
    assertEquals(stored.size(), ok.eventsVerified());

    int i = pick % stored.size();
    AuditEvent original = stored.get(i);
    AuditEvent twin = lossyTwin(original, lossy, surrogate);
    assertFalse(twin.equals(original), "the tampering changed the stored event");

    List<AuditEvent> tampered = new ArrayList<>(stored);
    tampered.set(i, twin);
    AuditVerification v = AuditChain.verify(tampered.iterator(), Optional.empty());
    assertFalse(v.valid(), lossy + " at seq " + twin.seq() + " went unnoticed");
    assertEquals(twin.seq(), v.firstBrokenSeq().getAsLong(), v.toString());
    assertEquals(i, v.eventsVerified());
    assertThrows(IllegalArgumentException.class, () -> AuditChain.computeHash(twin), "no canonical encoding, no hash");
  }

  /** Appends the drafts to a fresh in-memory store, one unit each, and reads the chain back. */
  static List<AuditEvent> store(List<AuditDraft> drafts) {
    try (InMemoryStorage s = new InMemoryStorage()) {
      for (AuditDraft d : drafts) {
        s.execute(tx -> {
          tx.appendAudit(d);
          return null;
        });
      }
      return s.auditRange(1, drafts.size() + 1);
    }
  }

  static AuditEvent lossyTwin(AuditEvent e, Lossy lossy, char surrogate) {
    String s = String.valueOf(surrogate);
    return switch (lossy) {
      case ACTOR_SURROGATE -> copy(e, e.actor().replaceFirst("\\?", s), e.resource(), e.scope(), e.engineVersion(), e.details(), e.timestamp());
      case RESOURCE_SURROGATE -> copy(e, e.actor(), e.resource().replaceFirst("\\?", s), e.scope(), e.engineVersion(), e.details(), e.timestamp());
      case SCOPE_SURROGATE -> copy(e, e.actor(), e.resource(), e.scope().map(x -> x.replaceFirst("\\?", s)), e.engineVersion(), e.details(), e.timestamp());
      case VERSION_SURROGATE -> copy(e, e.actor(), e.resource(), e.scope(), e.engineVersion().replaceFirst("\\?", s), e.details(), e.timestamp());
      case DETAIL_SURROGATE -> {
        TreeMap<String, String> d = new TreeMap<>(e.details());
        d.put("note", d.get("note").replaceFirst("\\?", s));
        yield copy(e, e.actor(), e.resource(), e.scope(), e.engineVersion(), d, e.timestamp());
      }
      case TIMESTAMP_NANOS -> copy(e, e.actor(), e.resource(), e.scope(), e.engineVersion(), e.details(),
          e.timestamp().plusNanos(1 + (surrogate % 999_999)));
    };
  }

  private static AuditEvent copy(AuditEvent e, String actor, String resource, Optional<String> scope, String version,
      Map<String, String> details, Instant at) {
    return new AuditEvent(e.seq(), e.action(), actor, resource, scope, at, version, e.reason(), e.outcome(),
        new TreeMap<>(details), e.prevHash(), e.hash());
  }

  @Provide
  Arbitrary<Character> surrogates() {
    return Arbitraries.chars().range('\uD800', '\uDFFF');
  }

  /** Drafts whose actor, resource, scope, version and detail "note" each hold a '?' among other text. */
  @Provide
  Arbitrary<AuditDraft> drafts() {
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(12),
        Arbitraries.strings().withCharRange('\u0080', '\uD7FF').ofMaxLength(4),
        Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString));
    Arbitrary<String> withQuestionMark = net.jqwik.api.Combinators.combine(text, text).as((a, b) -> a + "?" + b);
    return net.jqwik.api.Combinators.combine(
            withQuestionMark, withQuestionMark, withQuestionMark, withQuestionMark, withQuestionMark,
            Arbitraries.longs().between(0, 4_000_000_000_000L))
        .as((actor, resource, scope, version, note, millis) ->
            AuditDraft.of("key.revoked", actor, resource, Optional.of(scope), Instant.ofEpochMilli(millis), version,
                ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("note", note, "owner", "ag_x")));
  }
}
