package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Email;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Principal;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.conformance.MutableClock;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hatching, H1–H5: the anonymous path from a challenge token to a T1 duckling. */
class HatchingTest {

  /** A fresh in-memory store whose writes are recorded. */
  private static WriteRecordingStorage recording() {
    return new WriteRecordingStorage(new InMemoryStorage());
  }

  private static TestEngine on(WriteRecordingStorage rec) {
    return new TestEngine(rec.storage(), TestEngine.newKek(), b -> {});
  }

  private static HatchRequest request(String name, String email, String token, String source) {
    return new HatchRequest(name, Email.of(email), token, source);
  }

  private static VerificationCode codeOf(TestEngine t, HatchTicket ticket) {
    return VerificationCode.of(t.codes.get(ticket.id()));
  }

  /** A six-digit code that differs from the real one. */
  private static VerificationCode wrongCode(TestEngine t, HatchTicket ticket, int offset) {
    int real = Integer.parseInt(t.codes.get(ticket.id()));
    return VerificationCode.of(String.format("%06d", (real + offset) % 1_000_000));
  }

  private static List<AuditEvent> events(TestEngine t) {
    return t.storage.auditRange(1, 10_000);
  }

  private static void assertHatchRejected(Rejected e) {
    assertEquals(Rejected.HATCH_MESSAGE, e.getMessage());
    assertEquals(ErrorCode.REJECTED, e.code());
  }

  // ------------------------------------------------------------------ H1

  @Test
  @Tag("H1")
  void failedChallenge_isRejectedGenerically_andNothingIsDeliveredOrStored() {
    WriteRecordingStorage rec = recording();
    try (TestEngine t = on(rec)) {
      rec.reset(); // forget the keysets written when the engine opened

      Rejected e =
          assertThrows(Rejected.class, () -> t.engine.hatching().start(request("Robo", "robo@example.org", "bot", "s1")));

      assertHatchRejected(e);
      assertTrue(t.codes.isEmpty(), "the delivery must not be called");
      assertTrue(rec.writes.isEmpty(), "nothing may be stored: " + rec.writes);
      assertTrue(rec.drafts.isEmpty());
      assertTrue(t.storage.auditHead().isEmpty());
    }
  }

  @Test
  @Tag("H1")
  void failedChallenge_isCheckedBeforeAnyOtherWork_soEvenMalformedInputGetsTheGenericRejection() {
    WriteRecordingStorage rec = recording();
    try (TestEngine t = on(rec)) {
      rec.reset();
      // malformed name, email and source would each be InvalidInput for a human; a bot learns nothing
      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().start(request(" ", "not-an-email", "bot", "")));
      assertHatchRejected(e);
      assertTrue(t.codes.isEmpty());
      assertTrue(rec.writes.isEmpty());
    }
  }

  @Test
  @Tag("H1")
  void throwingHumanCheck_countsAsFailed_sameRejection_noDelivery_nothingStored() {
    WriteRecordingStorage storage = recording();
    AtomicInteger deliveries = new AtomicInteger();
    HumanCheck exploding =
        (token, source) -> {
          throw new IllegalStateException("challenge service down");
        };
    try (SpaceDuck engine =
        SpaceDuck.builder()
            .storage(storage.storage())
            .kek(TestEngine.newKek())
            .clock(new MutableClock(TestEngine.EPOCH))
            .random(new SecureRandom())
            .humanCheck(exploding)
            .verificationDelivery((email, hatch, code, expires) -> deliveries.incrementAndGet())
            .build()) {
      storage.reset();

      Rejected e =
          assertThrows(Rejected.class, () -> engine.hatching().start(request("Human", "human@example.org", "ok", "s1")));

      assertHatchRejected(e);
      assertEquals(0, deliveries.get());
      assertTrue(storage.writes.isEmpty());
      assertTrue(storage.drafts.isEmpty());
    }
  }

  // ------------------------------------------------------------------ H2

  @Test
  @Tag("H2")
  void startHatch_deliversSixDigitCode_expiringIn15Minutes_storedOnlyAsMac_withNoIdentity() {
    WriteRecordingStorage rec = recording();
    try (TestEngine t = on(rec)) {
      rec.reset();
      String email = "pending.person@example.org";

      HatchTicket ticket = t.startHatch("Pending", email);

      String code = t.codes.get(ticket.id());
      assertTrue(code.matches("[0-9]{6}"), "a six-digit code");
      assertEquals(TestEngine.EPOCH.plus(Duration.ofMinutes(15)), ticket.expiresAt());

      // exactly one pending-hatch record, no identity, contact, key, certificate or audit event (H2)
      List<WriteRecordingStorage.Write> writes = rec.writes;
      assertEquals(1, writes.size(), writes.toString());
      assertEquals(Tables.HATCHES, writes.get(0).table());
      assertTrue(rec.drafts.isEmpty());
      assertTrue(t.storage.auditHead().isEmpty());

      PendingHatch stored = (PendingHatch) writes.get(0).value();
      assertEquals(ticket.id(), stored.id());
      assertEquals(0, stored.failedAttempts());
      assertFalse(stored.consumed());
      assertEquals(ticket.expiresAt(), stored.expiresAt());
      assertNotEquals(code, new String(stored.codeMac().toByteArray(), StandardCharsets.UTF_8));
      assertFalse(stored.toString().contains(code));
      assertFalse(writes.get(0).encodedText().contains(email), "the email is stored only encrypted");
    }
  }

  @Test
  @Tag("H2")
  void codeWorksJustBeforeExpiry() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Early", TestEngine.uniqueEmail());
      t.clock.advance(Duration.ofMinutes(15).minusMillis(1));

      HatchResult r = t.engine.hatching().complete(ticket.id(), codeOf(t, ticket));

      assertEquals(Tier.T1, r.duckling().tier());
    }
  }

  @Test
  @Tag("H2")
  void codeIsDeadAtExpiry() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Late", TestEngine.uniqueEmail());
      t.clock.set(ticket.expiresAt());

      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), codeOf(t, ticket)));

      assertHatchRejected(e);
      assertTrue(t.storage.auditHead().isEmpty(), "no duckling was created");
      t.clock.advance(Duration.ofHours(1));
      assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), codeOf(t, ticket)));
    }
  }

  @Test
  @Tag("H2")
  @Tag("H3")
  void fiveWrongCodes_killTheHatch_evenTheRightCodeIsThenRejected() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Guesser", TestEngine.uniqueEmail());
      for (int i = 1; i <= 5; i++) {
        VerificationCode wrong = wrongCode(t, ticket, i);
        assertHatchRejected(assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), wrong)));
      }

      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), codeOf(t, ticket)));

      assertHatchRejected(e);
      assertTrue(t.storage.auditHead().isEmpty(), "no duckling was created");
    }
  }

  @Test
  @Tag("H2")
  void fourWrongCodes_leaveTheLastAttemptForTheRightCode() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Typo", TestEngine.uniqueEmail());
      for (int i = 1; i <= 4; i++) {
        VerificationCode wrong = wrongCode(t, ticket, i);
        assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), wrong));
      }

      HatchResult r = t.engine.hatching().complete(ticket.id(), codeOf(t, ticket));

      assertEquals("Typo", r.duckling().displayName());
    }
  }

  @Test
  @Tag("H2")
  @Tag("H3")
  void unknownHatchId_isRejectedGenerically() {
    try (TestEngine t = new TestEngine()) {
      HatchId unknown = new HatchId("ht_" + "a".repeat(26));
      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(unknown, VerificationCode.of("123456")));
      assertHatchRejected(e);
    }
  }

  // ------------------------------------------------------------------ H3

  @Test
  @Tag("H3")
  void completion_createsT1Duckling_currentCertificate_workingKey_andOneAuditEvent() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Alice", TestEngine.uniqueEmail());
      t.clock.advance(Duration.ofMinutes(3));

      HatchResult r = t.engine.hatching().complete(ticket.id(), codeOf(t, ticket));

      Duckling d = r.duckling();
      assertEquals(Tier.T1, d.tier());
      assertEquals("Alice", d.displayName());
      assertTrue(d.roles().isEmpty());
      assertEquals(IdentityStatus.ACTIVE, d.status());
      assertEquals(t.clock.instant(), d.createdAt());
      assertEquals(r.certificate().id(), d.currentCert());

      assertEquals(d.id(), r.certificate().subject());
      assertEquals(IdentityKind.DUCKLING, r.certificate().kind());
      assertEquals(Tier.T1, r.certificate().tier());
      assertTrue(r.certificate().operator().isEmpty());
      assertTrue(r.certificate().supersedes().isEmpty());
      assertEquals(CertStatus.CURRENT, t.engine.certificates().get(r.key().key(), r.certificate().id()).status());

      Principal p = t.engine.authenticate(r.key().key());
      assertEquals(d.id(), p.id());
      assertEquals(Tier.T1, p.tier());
      assertEquals(r.key().info().id(), p.keyId());
      assertEquals(d, t.engine.identities().get(r.key().key(), d.id()));

      List<AuditEvent> events = events(t);
      assertEquals(1, events.size());
      AuditEvent e = events.get(0);
      assertEquals(AuditAction.HATCH_COMPLETED.code(), e.action());
      assertEquals(d.id().value(), e.actor());
      assertEquals(d.id().value(), e.resource());
      assertEquals(AuditOutcome.SUCCESS, e.outcome());
      assertEquals(r.certificate().id().value(), e.details().get("cert_id"));
      assertEquals(r.key().info().id().value(), e.details().get("key_id"));
    }
  }

  @Test
  @Tag("H3")
  void completingTwice_isRejected_andCreatesNothingMore() {
    try (TestEngine t = new TestEngine()) {
      HatchTicket ticket = t.startHatch("Once", TestEngine.uniqueEmail());
      VerificationCode code = codeOf(t, ticket);
      t.engine.hatching().complete(ticket.id(), code);

      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), code));

      assertHatchRejected(e);
      assertEquals(1, events(t).size());
    }
  }

  // ------------------------------------------------------------------ H4

  @Test
  @Tag("H4")
  void rehatchingAnExistingEmail_differentCaseAndWhitespace_isRejectedAtCompletion_withTheSameMessage() {
    WriteRecordingStorage rec = recording();
    try (TestEngine t = on(rec)) {
      HatchTicket original = t.startHatch("Mallard", "Mallard.Duck@Example.org");
      t.engine.hatching().complete(original.id(), codeOf(t, original));
      assertEquals(1, events(t).size());

      for (String variant : List.of("Mallard.Duck@Example.org", "  mallard.duck@EXAMPLE.ORG\t", "MALLARD.DUCK@example.org")) {
        HatchTicket again = t.startHatch("Imposter", variant); // starting reveals nothing either
        rec.reset();

        Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(again.id(), codeOf(t, again)));

        assertHatchRejected(e);
        assertTrue(rec.writesTo(Tables.IDENTITIES).isEmpty(), "no second duckling for " + variant);
        assertTrue(rec.writesTo(Tables.CONTACTS).isEmpty());
        assertTrue(rec.writesTo(Tables.KEYS).isEmpty());
        assertTrue(rec.writesTo(Tables.CERTIFICATES).isEmpty());
        assertTrue(rec.drafts.isEmpty());
      }
      assertEquals(1, events(t).size());

      // the refusal is indistinguishable from a wrong code
      HatchTicket fresh = t.startHatch("Fresh", TestEngine.uniqueEmail());
      Rejected wrong = assertThrows(Rejected.class, () -> t.engine.hatching().complete(fresh.id(), wrongCode(t, fresh, 1)));
      assertHatchRejected(wrong);
    }
  }

  @Test
  @Tag("H4")
  void theAdminsEmailCannotBeHatchedAgain() {
    try (TestEngine t = new TestEngine()) {
      t.engine.admin().bootstrap("Admin Duck", Email.of("root@spaceduck.example"));
      HatchTicket ticket = t.startHatch("Not the admin", "Root@SpaceDuck.example");

      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), codeOf(t, ticket)));

      assertHatchRejected(e);
    }
  }

  @Test
  @Tag("H4")
  void twoPendingHatchesOfOneEmail_onlyTheFirstCompletionWins() {
    try (TestEngine t = new TestEngine()) {
      String email = TestEngine.uniqueEmail();
      HatchTicket first = t.startHatch("First", email);
      HatchTicket second = t.startHatch("Second", email);

      t.engine.hatching().complete(second.id(), codeOf(t, second));
      Rejected e = assertThrows(Rejected.class, () -> t.engine.hatching().complete(first.id(), codeOf(t, first)));

      assertHatchRejected(e);
      assertEquals(1, events(t).size());
    }
  }

  // ------------------------------------------------------------------ H5

  private static TestEngine withHatchBucket(long capacity, double refillPerSecond) {
    Map<Tier, RateLimits.Bucket> perTier = new EnumMap<>(Tier.class);
    for (Tier tier : Tier.values()) {
      perTier.put(tier, new RateLimits.Bucket(1_000_000, 1_000_000));
    }
    RateLimits limits = new RateLimits(perTier, new RateLimits.Bucket(capacity, refillPerSecond));
    return new TestEngine(b -> b.rateLimits(limits));
  }

  @Test
  @Tag("H5")
  void hatchAttempts_areRateLimitedPerSource_otherSourcesUnaffected_andTheBucketRefills() {
    try (TestEngine t = withHatchBucket(2, 1.0 / 60)) {
      String source = "203.0.113.7";
      t.engine.hatching().start(request("One", TestEngine.uniqueEmail(), "ok", source));
      t.engine.hatching().start(request("Two", TestEngine.uniqueEmail(), "ok", source));
      int delivered = t.codes.size();

      RateLimited limited =
          assertThrows(RateLimited.class, () -> t.engine.hatching().start(request("Three", TestEngine.uniqueEmail(), "ok", source)));

      assertEquals(ErrorCode.RATE_LIMITED, limited.code());
      Duration retryAfter = limited.retryAfter();
      assertTrue(retryAfter.compareTo(Duration.ZERO) > 0, "positive retry-after: " + retryAfter);
      assertTrue(retryAfter.compareTo(Duration.ofSeconds(60)) <= 0, "one token per minute: " + retryAfter);
      assertEquals(delivered, t.codes.size(), "a limited attempt delivers nothing");

      // another source has its own bucket
      t.engine.hatching().start(request("Elsewhere", TestEngine.uniqueEmail(), "ok", "198.51.100.9"));

      // not yet refilled ...
      t.clock.advance(retryAfter.minusSeconds(1));
      assertThrows(RateLimited.class, () -> t.engine.hatching().start(request("Still", TestEngine.uniqueEmail(), "ok", source)));
      // ... and refilled once retry-after has passed
      t.clock.advance(Duration.ofSeconds(1));
      HatchTicket later = t.engine.hatching().start(request("Later", TestEngine.uniqueEmail(), "ok", source));
      assertTrue(t.codes.containsKey(later.id()));
    }
  }

  @Test
  @Tag("H5")
  @Tag("R1")
  void defaultLimits_allowFiveHatchAttemptsPerSourceAndMinute_thenRateLimitedWithRetryAfter() {
    try (TestEngine t = new TestEngine(b -> b.rateLimits(RateLimits.defaults()))) {
      String source = "192.0.2.55";
      for (int i = 0; i < 5; i++) {
        t.engine.hatching().start(request("Duck " + i, TestEngine.uniqueEmail(), "ok", source));
      }
      int delivered = t.codes.size();

      RateLimited limited =
          assertThrows(RateLimited.class, () -> t.engine.hatching().start(request("Sixth", TestEngine.uniqueEmail(), "ok", source)));

      assertEquals(ErrorCode.RATE_LIMITED, limited.code());
      assertTrue(limited.retryAfter().compareTo(Duration.ZERO) > 0 && limited.retryAfter().compareTo(Duration.ofMinutes(1)) <= 0,
          "one attempt a minute refills: " + limited.retryAfter());
      assertEquals(delivered, t.codes.size(), "a limited attempt delivers no code");
      t.clock.advance(Duration.ofMinutes(1));
      t.engine.hatching().start(request("A minute later", TestEngine.uniqueEmail(), "ok", source));
      assertThrows(RateLimited.class, () -> t.engine.hatching().start(request("Again", TestEngine.uniqueEmail(), "ok", source)));
    }
  }

  @Test
  @Tag("H5")
  void everyAttemptThatPassesTheChallenge_countsAgainstItsSource_evenAMalformedOne() {
    try (TestEngine t = withHatchBucket(2, 1.0 / 60)) {
      String source = "198.51.100.23";
      assertThrows(InvalidInput.class, () -> t.engine.hatching().start(request("Bad", "not an email", "ok", source)));
      assertThrows(InvalidInput.class, () -> t.engine.hatching().start(request("\u0000", TestEngine.uniqueEmail(), "ok", source)));

      RateLimited limited =
          assertThrows(RateLimited.class, () -> t.engine.hatching().start(request("Good", TestEngine.uniqueEmail(), "ok", source)));

      assertEquals(ErrorCode.RATE_LIMITED, limited.code());
      assertTrue(t.codes.isEmpty(), "nothing was delivered to this source");
      // a source that guesses challenges is refused as generically as ever (H1), limited or not
      Rejected bot = assertThrows(Rejected.class, () -> t.engine.hatching().start(request("Bot", TestEngine.uniqueEmail(), "bot", source)));
      assertEquals(ErrorCode.REJECTED, bot.code());
    }
  }
}
