package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Email;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.conformance.MutableClock;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * I8 and D2: a full lifecycle runs while every log line, every value written to the store, every
 * audit draft and every refusal is captured; then none of them may contain a raw Beak Key, a key's
 * secret part, a verification code or an email address (nor its local part).
 */
class SecretHygieneTest {
  // distinctive addresses: their local parts cannot occur by accident in ids, names or messages
  private static final String ADMIN_EMAIL = "Root.Admin-q7x@Hygiene-Test.example";
  private static final String ALICE_EMAIL = "  Alice.Private+ducks-k3v@Hygiene-Test.example ";
  private static final String ALICE_EMAIL_VARIANT = "ALICE.PRIVATE+DUCKS-K3V@hygiene-test.EXAMPLE";
  private static final String BOB_EMAIL = "bob.hidden-w9z@hygiene-test.example";
  private static final String BOUNCE_EMAIL = "bounce.victim-m2p@hygiene-test.example";
  private static final String INVALID_EMAIL = "broken-j5r@@hygiene-test.example";
  private static final List<String> EMAILS =
      List.of(ADMIN_EMAIL, ALICE_EMAIL, ALICE_EMAIL_VARIANT, BOB_EMAIL, BOUNCE_EMAIL, INVALID_EMAIL);

  private final ch.qos.logback.classic.Logger root =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level previousLevel;

  private final List<String> rawKeys = new ArrayList<>();
  private final List<String> codes = new ArrayList<>();
  private final List<Throwable> thrown = new ArrayList<>();
  private final List<Object> results = new ArrayList<>();
  private final List<String> findings = new ArrayList<>();

  @BeforeEach
  void captureLogs() {
    previousLevel = root.getLevel();
    root.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    root.detachAppender(logs);
    logs.stop();
    root.setLevel(previousLevel);
  }

  // ------------------------------------------------------------------ the lifecycle

  @Test
  @Tag("I8")
  @Tag("D2")
  @Tag("K1")
  @Tag("H2")
  void fullLifecycle_leavesNoSecretInLogsExceptionsRecordsEncodingsOrAuditEvents() {
    MutableClock clock = new MutableClock(TestEngine.EPOCH);
    WriteRecordingStorage storage = new WriteRecordingStorage(new InMemoryStorage());
    Map<HatchId, String> delivered = new ConcurrentHashMap<>();
    try (SpaceDuck engine =
        SpaceDuck.builder()
            .storage(storage.storage())
            .kek(TestEngine.newKek())
            .clock(clock)
            .random(new SecureRandom())
            .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000, 1_000_000)))
            .humanCheck(
                (token, source) -> {
                  if (token.equals("explode")) {
                    throw new IllegalStateException("challenge service down");
                  }
                  return !token.equals("bot");
                })
            .verificationDelivery(
                (email, hatch, code, expires) -> {
                  delivered.put(hatch, code.reveal());
                  if (email.reveal().contains("bounce")) {
                    // a careless host puts the address and the code into its exception
                    throw new IllegalStateException("mailbox " + email.reveal() + " refused code " + code.reveal());
                  }
                })
            .build()) {

      // bootstrap and hatching, including a wrong code and every kind of hatch refusal
      HatchResult admin = keep(engine.admin().bootstrap("Admin Duck", Email.of(ADMIN_EMAIL)));
      BeakKey adminKey = admin.key().key();
      expect(Rejected.class, () -> engine.admin().bootstrap("Second Admin", Email.of(ADMIN_EMAIL)));

      HatchTicket at = engine.hatching().start(new HatchRequest("Alice", Email.of(ALICE_EMAIL), "ok", "src-1"));
      String aliceCode = delivered.get(at.id());
      codes.add(aliceCode);
      String wrong = String.format("%06d", (Integer.parseInt(aliceCode) + 1) % 1_000_000);
      codes.add(wrong);
      expect(Rejected.class, () -> engine.hatching().complete(at.id(), VerificationCode.of(wrong)));
      HatchResult alice = keep(engine.hatching().complete(at.id(), VerificationCode.of(aliceCode)));

      HatchTicket bt = engine.hatching().start(new HatchRequest("Bob", Email.of(BOB_EMAIL), "ok", "src-2"));
      codes.add(delivered.get(bt.id()));
      HatchResult bob = keep(engine.hatching().complete(bt.id(), VerificationCode.of(delivered.get(bt.id()))));
      BeakKey bobKey = bob.key().key();

      expect(Rejected.class, () -> engine.hatching().start(new HatchRequest("Robo", Email.of(BOB_EMAIL), "bot", "src-3")));
      expect(Rejected.class, () -> engine.hatching().start(new HatchRequest("Boom", Email.of(BOB_EMAIL), "explode", "src-3")));
      expect(Rejected.class, () -> engine.hatching().start(new HatchRequest("Bounce", Email.of(BOUNCE_EMAIL), "ok", "src-4")));
      expect(InvalidInput.class, () -> engine.hatching().start(new HatchRequest("Broken", Email.of(INVALID_EMAIL), "ok", "src-5")));
      HatchTicket dup = engine.hatching().start(new HatchRequest("Alice again", Email.of(ALICE_EMAIL_VARIANT), "ok", "src-6"));
      codes.add(delivered.get(dup.id()));
      expect(Rejected.class, () -> engine.hatching().complete(dup.id(), VerificationCode.of(delivered.get(dup.id()))));
      codes.addAll(delivered.values()); // also the bounced hatch's code

      // governance: promote, bond, rotate (agent's and own), let grace expire, revoke, replace
      keep(engine.identities().promote(adminKey, alice.duckling().id(), Tier.T2));
      BondResult bot = keep(engine.bonds().bond(alice.key().key(), "Scout", Tier.T1));
      IssuedKey rotated = keep(engine.keys().rotate(alice.key().key(), bot.key().info().id()));
      IssuedKey aliceNew = keep(engine.keys().rotate(alice.key().key(), alice.key().info().id()));
      BeakKey aliceKey = aliceNew.key();
      clock.advance(Duration.ofMinutes(16));
      expect(Unauthenticated.class, () -> engine.authenticate(bot.key().key()));
      expect(Unauthenticated.class, () -> engine.authenticate(alice.key().key()));
      keep(engine.keys().revoke(aliceKey, rotated.info().id(), ReasonCode.COMPROMISED));
      expect(Unauthenticated.class, () -> engine.authenticate(rotated.key()));
      IssuedKey replacement = keep(engine.keys().replace(adminKey, rotated.info().id(), ReasonCode.COMPROMISED));
      keep(engine.authenticate(replacement.key()));

      // failed authentications with wrong keys of every shape
      String aliceRaw = aliceKey.reveal();
      List<String> wrongKeys =
          List.of(
              aliceRaw.substring(0, 20) + "a".repeat(52), // known id, wrong secret
              "bk_" + "q".repeat(16) + "_" + aliceRaw.substring(20), // unknown id, real secret
              aliceRaw + "x", // too long
              aliceRaw.substring(0, 71), // truncated
              aliceRaw.toUpperCase(Locale.ROOT), // wrong case
              ALICE_EMAIL); // an email pasted as a key
      rawKeys.addAll(wrongKeys);
      for (String w : wrongKeys) {
        expect(Unauthenticated.class, () -> engine.authenticate(BeakKey.of(w)));
        expect(Unauthenticated.class, () -> engine.certificates().get(BeakKey.of(w), alice.certificate().id()));
        expect(Unauthenticated.class, () -> engine.keys().rotate(BeakKey.of(w), aliceNew.info().id()));
      }

      // refusals of authenticated callers
      expect(Forbidden.class, () -> engine.bonds().bond(bobKey, "Nope", Tier.T0));
      expect(Forbidden.class, () -> engine.keys().rotate(bobKey, replacement.info().id()));
      expect(Forbidden.class, () -> engine.admin().addSigningKey(bobKey));
      expect(Forbidden.class, () -> engine.audit().verify(bobKey));
      expect(NotFound.class, () -> engine.certificates().get(bobKey, new CertId("ct_" + "m".repeat(26))));
      expect(NotFound.class, () -> engine.keys().revoke(adminKey, new KeyId("n".repeat(16)), ReasonCode.NONE));

      // bond revocation, signing-key rotation, reads
      keep(engine.bonds().revoke(aliceKey, bot.bond().id(), ReasonCode.NO_LONGER_NEEDED));
      expect(Unauthenticated.class, () -> engine.authenticate(replacement.key()));
      String kid = engine.admin().addSigningKey(adminKey);
      engine.admin().promoteSigningKey(adminKey, kid);
      keep(engine.keys().list(adminKey, alice.duckling().id()));
      keep(engine.keys().list(aliceKey, bot.agent().id()));
      keep(engine.certificates().history(bobKey, alice.duckling().id()));
      keep(engine.identities().get(adminKey, alice.duckling().id()));
      keep(engine.bonds().list(aliceKey));
      keep(engine.audit().read(adminKey, AuditQuery.all().limit(1000)));
      assertTrue(keep(engine.audit().verify(adminKey)).valid());
      keep(engine.certificates().renderHtml(bobKey, alice.certificate().id()));
      keep(engine);

      for (IssuedKey k :
          List.of(admin.key(), alice.key(), bob.key(), bot.key(), rotated, aliceNew, replacement)) {
        rawKeys.add(k.key().reveal());
      }

      // sanity: the lifecycle did what the scan relies on
      assertTrue(codes.stream().allMatch(c -> c.matches("[0-9]{6}")), "codes were captured");
      assertFalse(storage.writesTo(Tables.KEYS).isEmpty());
      assertFalse(storage.writesTo(Tables.CONTACTS).isEmpty());
      assertTrue(storage.writesTo(Tables.HATCHES).size() >= 5);
      assertTrue(logged("human check failed"), "the failing human check was logged");
      assertTrue(logged("verification delivery failed"), "the failing delivery was logged");

      scanEverything(storage);
    }
    assertEquals(List.of(), findings);
  }

  // ------------------------------------------------------------------ redacted secret types

  @Test
  @Tag("D2")
  @Tag("K1")
  void secretTypes_printRedacted() {
    try (TestEngine t = new TestEngine()) {
      HatchResult h = t.hatch("Redacted");
      String raw = h.key().key().reveal();
      String secret = raw.substring(20);

      assertEquals("bk_" + h.key().info().id().value() + "_***", h.key().key().toString());
      for (Object o : List.of(h.key().key(), h.key(), h)) {
        assertFalse(o.toString().contains(secret), o.getClass().getSimpleName());
      }
      assertEquals("BeakKey[***]", BeakKey.of("hunter2-not-a-key").toString());
      assertFalse(BeakKey.of("bk_" + secret).toString().contains(secret));

      String email = "someone.secret@example.org";
      assertFalse(Email.of(email).toString().contains("someone"));
      assertFalse(new HatchRequest("N", Email.of(email), "ok", "s").toString().contains("someone"));

      VerificationCode code = VerificationCode.of("493817");
      assertFalse(code.toString().contains("493817"));
      assertFalse(code.equals(VerificationCode.of("493817")), "identity equality, no value equality");
      assertTrue(code.matches(VerificationCode.of("493817")));
    }
  }

  @Test
  @Tag("D2")
  void theScanFindsAPlantedSecret() {
    // the scan used above must be able to fail
    scan("planted", "prefix " + ALICE_EMAIL.strip().toUpperCase(Locale.ROOT) + " suffix", true);
    assertTrue(findings.contains("planted contains a email"), findings.toString());
    assertTrue(findings.contains("planted contains a email local part"), findings.toString());
    findings.clear();
    scan("clean", "Alice Duck ct_abcdefghijklmnop234567 bk_abcdefghijklmnop_***", true);
    assertEquals(List.of(), findings);
  }

  // ------------------------------------------------------------------ capture and scan

  private <T> T keep(T result) {
    results.add(result);
    return result;
  }

  private <T extends Throwable> void expect(Class<T> type, Executable call) {
    thrown.add(assertThrows(type, call));
  }

  private boolean logged(String fragment) {
    return logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains(fragment));
  }

  private record Needle(String kind, String value) {}

  /** Every form of every secret to search for (case-insensitively). */
  private List<Needle> needles(boolean includeCodes) {
    List<Needle> n = new ArrayList<>();
    for (String k : rawKeys) {
      n.add(new Needle("raw key", k));
      if (k.startsWith("bk_") && k.length() >= 72) {
        n.add(new Needle("key secret", k.substring(20, 72))); // the part after the second '_'
      }
    }
    for (String e : EMAILS) {
      String s = e.strip();
      n.add(new Needle("email", s));
      n.add(new Needle("email local part", s.substring(0, s.indexOf('@'))));
    }
    if (includeCodes) {
      codes.forEach(c -> n.add(new Needle("verification code", c)));
    }
    return n;
  }

  private void scan(String where, String text, boolean includeCodes) {
    String hay = text.toLowerCase(Locale.ROOT);
    for (Needle needle : needles(includeCodes)) {
      if (hay.contains(needle.value().toLowerCase(Locale.ROOT))) {
        findings.add(where + " contains a " + needle.kind()); // name the place and kind, never the secret
      }
    }
  }

  private void scanEverything(WriteRecordingStorage storage) {
    // log lines: message, arguments and any throwable chain
    for (ILoggingEvent e : logs.list) {
      StringBuilder line = new StringBuilder(e.getFormattedMessage());
      if (e.getArgumentArray() != null) {
        for (Object a : e.getArgumentArray()) {
          line.append(' ').append(a);
        }
      }
      line.append(' ').append(e.getMDCPropertyMap());
      for (IThrowableProxy p = e.getThrowableProxy(); p != null; p = p.getCause()) {
        line.append(' ').append(p.getClassName()).append(": ").append(p.getMessage());
      }
      scan("log line '" + e.getLoggerName() + "'", line.toString(), true);
    }
    // refusals handed to the caller, with their whole stack trace and causes
    for (Throwable t : thrown) {
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      scan("exception " + t.getClass().getSimpleName(), t.getMessage() + " " + t + " " + trace, true);
    }
    // every value written to the store: toString and its codec encoding
    for (WriteRecordingStorage.Write w : storage.writes) {
      scan("record " + w.table() + ".toString", w.value().toString(), true);
      boolean hatch = w.value() instanceof PendingHatch; // its bytes are checked for the code too
      scan("record " + w.table() + " (UTF-8 encoding)", w.encodedText(), hatch);
      scan("record " + w.table() + " (byte encoding)", w.encodedLatin1(), hatch);
    }
    // audit drafts and the stored events (all fields but the hashes, which are random-looking hex)
    for (AuditDraft d : storage.drafts) {
      scan("audit draft " + d.action(), d.toString(), true);
    }
    List<AuditEvent> events = storage.storage().auditRange(1, 100_000);
    assertFalse(events.isEmpty());
    for (AuditEvent e : events) {
      String fields =
          String.join(
              " ", e.action(), e.actor(), e.resource(), e.scope().orElse(""), e.engineVersion(), e.reason().code(),
              e.outcome().name(), e.timestamp().toString(), e.details().toString());
      scan("audit event " + e.seq(), fields, true);
    }
    // results returned to the host: their toString must be redacted too
    for (Object r : results) {
      // audit pages and verifications print SHA-256 hex, where a six-digit run can occur by chance:
      // their events' fields were scanned for codes above
      boolean hashes = r instanceof AuditPage || r instanceof AuditVerification;
      scan("toString of " + r.getClass().getSimpleName(), r.toString(), !hashes);
    }
  }
}
