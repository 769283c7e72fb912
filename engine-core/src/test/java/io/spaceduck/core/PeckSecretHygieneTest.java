package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.conformance.MutableClock;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Codecs;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * D2 and I8 for the Peck Protocol, sessions, pulses, blocks and deletion (the spirit of {@link
 * SecretHygieneTest}): a lifecycle runs while every log line (including a failing {@code
 * PeckNotifier}'s), every value written to the store, every stored pulse, every audit draft and
 * event, every refusal and every returned value is captured; none may contain a raw Beak Key or its
 * secret part, a session token or its signature, a verification code or an email address.
 */
class PeckSecretHygieneTest {
  // distinctive addresses: their local parts cannot occur by accident in ids, names or messages
  private static final String ADMIN_EMAIL = "Peck.Admin-z8q@Peck-Hygiene.example";
  private static final String OLIVE_EMAIL = "olive.secret-h4t@peck-hygiene.example";
  private static final String OTTO_EMAIL = "  Otto.Hidden-x2w@Peck-Hygiene.example ";
  private static final String LEAVER_EMAIL = "leaver.private-r6d@peck-hygiene.example";
  private static final String LEAVER_AGAIN = "LEAVER.PRIVATE-R6D@peck-hygiene.example";
  private static final List<String> EMAILS = List.of(ADMIN_EMAIL, OLIVE_EMAIL, OTTO_EMAIL, LEAVER_EMAIL, LEAVER_AGAIN);

  private final ch.qos.logback.classic.Logger root =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Level previousLevel;

  private final List<String> rawKeys = new ArrayList<>();
  private final List<String> tokens = new ArrayList<>();
  private final List<String> codes = new ArrayList<>();
  private final List<Throwable> thrown = new ArrayList<>();
  private final List<Object> results = new CopyOnWriteArrayList<>();
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

  private static HatchResult hatch(SpaceDuck engine, Map<HatchId, String> delivered, List<String> codes, String name, String email) {
    HatchTicket ticket = engine.hatching().start(new HatchRequest(name, Email.of(email), "ok", "src-" + name));
    String code = delivered.get(ticket.id());
    codes.add(code);
    return engine.hatching().complete(ticket.id(), VerificationCode.of(code));
  }

  private static PeckRequest to(BondResult target) {
    return PeckRequest.of(target.certificate().id(), Set.of("chat:read", "files.read"), Duration.ofHours(2));
  }

  @Test
  @Tag("D2")
  @Tag("I8")
  @Tag("P5")
  @Tag("U1")
  @Tag("D1")
  void pecksSessionsPulsesBlocksAndDeletion_leaveNoSecretInLogsExceptionsRecordsOrAuditEvents() throws Exception {
    MutableClock clock = new MutableClock(TestEngine.EPOCH);
    WriteRecordingStorage storage = new WriteRecordingStorage(new InMemoryStorage());
    Map<HatchId, String> delivered = new ConcurrentHashMap<>();
    AtomicReference<PeckId> marker = new AtomicReference<>();
    CountDownLatch drained = new CountDownLatch(1);
    List<Peck> notified = new CopyOnWriteArrayList<>();
    try (SpaceDuck engine =
        SpaceDuck.builder()
            .storage(storage.storage())
            .kek(TestEngine.newKek())
            .clock(clock)
            .random(new SecureRandom())
            .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000, 1_000_000)))
            .humanCheck((token, source) -> true)
            .verificationDelivery((email, hatch, code, expires) -> delivered.put(hatch, code.reveal()))
            .peckNotifier(
                p -> {
                  notified.add(p);
                  if (p.id().equals(marker.get()) && p.state() == PeckState.CLOSED) {
                    drained.countDown(); // the dispatcher is FIFO: every earlier notification is done
                    return;
                  }
                  throw new IllegalStateException("webhook refused"); // its failures are logged
                })
            .build()) {

      HatchResult admin = keep(engine.admin().bootstrap("Admin Duck", Email.of(ADMIN_EMAIL)));
      BeakKey adminKey = admin.key().key();
      HatchResult olive = keep(hatch(engine, delivered, codes, "Olive", OLIVE_EMAIL));
      HatchResult otto = keep(hatch(engine, delivered, codes, "Otto", OTTO_EMAIL));
      HatchResult leaver = keep(hatch(engine, delivered, codes, "Leaver", LEAVER_EMAIL));
      for (HatchResult h : List.of(olive, otto, leaver)) {
        keep(engine.identities().promote(adminKey, h.duckling().id(), Tier.T2));
      }
      BeakKey oliveKey = olive.key().key();
      BeakKey ottoKey = otto.key().key();
      BeakKey leaverKey = leaver.key().key();
      BondResult scout = keep(engine.bonds().bond(oliveKey, "Scout", Tier.T1));
      BondResult peer = keep(engine.bonds().bond(ottoKey, "Peer", Tier.T1));
      BondResult other = keep(engine.bonds().bond(ottoKey, "Other", Tier.T1));
      BondResult wanderer = keep(engine.bonds().bond(leaverKey, "Wanderer", Tier.T1));
      IssuedKey scoutRotated = keep(engine.keys().rotate(oliveKey, scout.key().info().id()));
      BeakKey scoutKey = scoutRotated.key();

      // P1–P5: request, accept, approve, sessions on both sides, verification, tampering, close
      Peck p1 = keep(engine.pecks().request(scoutKey, to(peer)));
      keep(engine.pecks().inbox(peer.key().key(), Optional.empty(), 10));
      keep(engine.pecks().accept(peer.key().key(), p1.id()));
      keep(engine.pecks().pendingApprovals(ottoKey, Optional.empty(), 10));
      keep(engine.pecks().approve(ottoKey, p1.id()));
      IssuedSession s1 = keep(engine.pecks().session(scoutKey, p1.id()));
      IssuedSession s2 = keep(engine.pecks().session(peer.key().key(), p1.id()));
      keep(engine.pecks().verifySession(s1.token()));
      keep(engine.pecks().verifySession(s2.token()));
      String raw = s1.token().reveal();
      String[] parts = raw.split("\\.");
      assertEquals(3, parts.length, "a compact JWS");
      List<String> forged =
          List.of(
              raw.substring(0, raw.length() - 2) + (raw.endsWith("AA") ? "BB" : "AA"), // bad signature
              parts[0] + "." + parts[1] + "." + s2.token().reveal().split("\\.")[2], // another token's signature
              parts[0] + "." + parts[1] + ".", // stripped signature
              raw + raw); // garbage
      tokens.addAll(forged);
      for (String f : forged) {
        expect(Unauthenticated.class, () -> engine.pecks().verifySession(SessionToken.of(f)));
      }
      expect(Unauthenticated.class, () -> engine.authenticate(BeakKey.of(raw)), "a token pasted as a key");
      expect(Unauthenticated.class, () -> engine.pecks().verifySession(SessionToken.of(scoutKey.reveal())), "a key pasted as a token");
      expect(Forbidden.class, () -> engine.pecks().session(other.key().key(), p1.id()), "not a side of the peck");

      Peck p2 = keep(engine.pecks().request(peer.key().key(), to(scout)));
      keep(engine.pecks().decline(scoutKey, p2.id(), ReasonCode.NO_LONGER_NEEDED));
      Peck p3 = keep(engine.pecks().request(other.key().key(), to(scout)));
      keep(engine.pecks().accept(scoutKey, p3.id()));
      keep(engine.pecks().reject(oliveKey, p3.id(), ReasonCode.POLICY_VIOLATION));
      keep(engine.pecks().close(scoutKey, p1.id(), ReasonCode.NO_LONGER_NEEDED));
      expect(Unauthenticated.class, () -> engine.pecks().verifySession(s1.token()));
      expect(Unauthenticated.class, () -> engine.pecks().verifySession(s2.token()));

      // U1–U3: pulses, reads, stale listing, sweep; a status carrying an address is refused unechoed
      keep(engine.pulses().pulse(scoutKey, "ok"));
      keep(engine.pulses().pulse(peer.key().key(), "busy 🦆"));
      clock.advance(Duration.ofMinutes(10));
      keep(engine.pulses().pulse(peer.key().key(), "idle"));
      keep(engine.pulses().latest(oliveKey, scout.agent().id()));
      keep(engine.pulses().history(ottoKey, peer.agent().id(), 10));
      keep(engine.pulses().stale(oliveKey));
      keep(engine.pulses().stale(ottoKey, Duration.ofMinutes(1)));
      engine.pulses().sweepExpired();
      expect(InvalidInput.class, () -> engine.pulses().pulse(scoutKey, "mail " + OLIVE_EMAIL + " \u0000"));
      expect(InvalidInput.class, () -> engine.pulses().pulse(scoutKey, "key " + scoutKey.reveal() + "\u202e"));
      expect(Forbidden.class, () -> engine.pulses().pulse(oliveKey, "ducklings do not pulse"));

      // blocks: an operator's list, a platform-wide block refused on every call, unblocks
      keep(engine.blocks().block(ottoKey, scout.agent().id(), ReasonCode.POLICY_VIOLATION));
      expect(Forbidden.class, () -> engine.pecks().request(scoutKey, to(peer)));
      keep(engine.blocks().list(ottoKey));
      engine.blocks().unblock(ottoKey, scout.agent().id(), ReasonCode.NONE);
      keep(engine.blocks().blockPlatformWide(adminKey, wanderer.agent().id(), ReasonCode.COMPROMISED));
      expect(Forbidden.class, () -> engine.authenticate(wanderer.key().key()));
      expect(Forbidden.class, () -> engine.pulses().pulse(wanderer.key().key(), "let me in"));
      expect(Forbidden.class, () -> engine.blocks().blockPlatformWide(ottoKey, peer.agent().id(), ReasonCode.NONE));
      keep(engine.blocks().list(adminKey));
      engine.blocks().unblockPlatformWide(adminKey, wanderer.agent().id(), ReasonCode.NONE);

      // D1: a deletion with an active peck and session; the address hatches again afterwards
      Peck p4 = keep(engine.pecks().request(wanderer.key().key(), to(peer)));
      keep(engine.pecks().accept(peer.key().key(), p4.id()));
      keep(engine.pecks().approve(ottoKey, p4.id()));
      IssuedSession s4 = keep(engine.pecks().session(wanderer.key().key(), p4.id()));
      expect(Forbidden.class, () -> engine.identities().requestDeletion(ottoKey, leaver.duckling().id(), ReasonCode.NONE));
      keep(engine.identities().requestDeletion(leaverKey, leaver.duckling().id(), ReasonCode.DELETION_REQUEST));
      expect(Unauthenticated.class, () -> engine.pecks().verifySession(s4.token()));
      expect(Unauthenticated.class, () -> engine.authenticate(leaverKey));
      HatchResult reborn = keep(hatch(engine, delivered, codes, "Leaver again", LEAVER_AGAIN));

      keep(engine.audit().read(adminKey, AuditQuery.all().limit(1000)));
      assertTrue(keep(engine.audit().verify(adminKey)).valid());

      // drain the notifier: a marker peck's close is the last notification
      Peck last = engine.pecks().request(scoutKey, to(peer));
      marker.set(last.id());
      engine.pecks().close(scoutKey, last.id(), ReasonCode.NONE);
      assertTrue(drained.await(30, TimeUnit.SECONDS), "the notifier saw the marker");
      results.addAll(notified);

      for (IssuedKey k :
          List.of(admin.key(), olive.key(), otto.key(), leaver.key(), scout.key(), peer.key(), other.key(), wanderer.key(),
              scoutRotated, reborn.key())) {
        rawKeys.add(k.key().reveal());
      }
      for (IssuedSession s : List.of(s1, s2, s4)) {
        tokens.add(s.token().reveal());
      }

      // sanity: the lifecycle did what the scan relies on
      assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("peck notifier failed")), "notifier failures were logged");
      assertFalse(storage.writesTo(Tables.PECKS).isEmpty());
      assertFalse(storage.writesTo(Tables.BLOCKS).isEmpty());
      assertTrue(
          storage.writesTo(Tables.CONTACTS).stream().anyMatch(w -> ((ContactRecord) w.value()).erased()), "the deletion wrote a tombstone");
      assertEquals(3, tokens.size() - forged.size());

      scanEverything(storage, List.of(scout.agent().id(), peer.agent().id(), other.agent().id(), wanderer.agent().id()));
    }
    assertEquals(List.of(), findings);
  }

  // ------------------------------------------------------------------ redaction of session tokens

  @Test
  @Tag("D2")
  @Tag("P5")
  void sessionTokens_printRedacted_andCompareByIdentity() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey opA = t.operator(admin, "Operator A");
      BeakKey opB = t.operator(admin, "Operator B");
      BondResult a = t.bond(opA, "alpha", Tier.T1);
      BondResult b = t.bond(opB, "beta", Tier.T1);
      Peck p = t.engine.pecks().request(a.key().key(), to(b));
      t.engine.pecks().accept(b.key().key(), p.id());
      t.engine.pecks().approve(opB, p.id());
      IssuedSession issued = t.engine.pecks().session(a.key().key(), p.id());
      String raw = issued.token().reveal();
      String signature = raw.substring(raw.lastIndexOf('.') + 1);

      assertEquals("SessionToken[***]", issued.token().toString());
      assertEquals("SessionToken[***]", String.valueOf(SessionToken.of(raw)));
      for (Object o : List.of(issued, issued.token(), List.of(issued), Optional.of(issued.token()))) {
        assertFalse(o.toString().contains(signature), o.getClass().getSimpleName() + " prints the signature");
        assertFalse(o.toString().contains(raw), o.getClass().getSimpleName() + " prints the token");
      }
      assertNotEquals(SessionToken.of(raw), SessionToken.of(raw), "identity equality, no value equality");
      assertEquals(issued.session(), t.engine.pecks().verifySession(SessionToken.of(raw)), "yet the raw value verifies");
    }
  }

  @Test
  @Tag("D2")
  void theScanFindsPlantedSecrets() {
    tokens.add("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ18ifQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu");
    rawKeys.add("bk_abcdefghijklmnop_" + "s".repeat(52));
    scan("planted token", "prefix " + tokens.get(0) + " suffix", true);
    scan("planted signature", "sig=c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu;", true);
    scan("planted email", OTTO_EMAIL.strip().toUpperCase(Locale.ROOT), true);
    scan("planted key secret", "s".repeat(52), true);
    assertTrue(findings.contains("planted token contains a session token"), findings.toString());
    assertTrue(findings.contains("planted signature contains a session token signature"), findings.toString());
    assertTrue(findings.contains("planted email contains a email local part"), findings.toString());
    assertTrue(findings.contains("planted key secret contains a key secret"), findings.toString());
    findings.clear();
    scan("clean", "Peck pk_abcdefghijklmnop (CLOSED) SessionToken[***] bk_abcdefghijklmnop_***", true);
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

  private <T extends Throwable> void expect(Class<T> type, Executable call, String what) {
    thrown.add(assertThrows(type, call, what));
  }

  private record Needle(String kind, String value) {}

  /** Every form of every secret to search for (case-insensitively). */
  private List<Needle> needles(boolean includeCodes) {
    List<Needle> n = new ArrayList<>();
    for (String k : rawKeys) {
      n.add(new Needle("raw key", k));
      if (k.startsWith("bk_") && k.length() >= 72) {
        n.add(new Needle("key secret", k.substring(20, 72)));
      }
    }
    for (String t : tokens) {
      n.add(new Needle("session token", t));
      String sig = t.substring(t.lastIndexOf('.') + 1);
      if (sig.length() >= 16) {
        n.add(new Needle("session token signature", sig));
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

  private void scanEverything(WriteRecordingStorage storage, List<AgentId> agents) {
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
    for (Throwable t : thrown) {
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      scan("exception " + t.getClass().getSimpleName(), t.getMessage() + " " + t + " " + trace, true);
    }
    for (WriteRecordingStorage.Write w : storage.writes) {
      scan("record " + w.table() + ".toString", w.value().toString(), true);
      boolean hatch = w.value() instanceof PendingHatch;
      scan("record " + w.table() + " (UTF-8 encoding)", w.encodedText(), hatch);
      scan("record " + w.table() + " (byte encoding)", w.encodedLatin1(), hatch);
    }
    Storage store = storage.storage();
    for (AgentId a : agents) {
      List<Pulse> stored = new ArrayList<>(store.pulseHistory(a, 10_000));
      store.latestPulse(a).ifPresent(stored::add);
      for (Pulse p : stored) {
        byte[] bytes = Codecs.PULSE.encode(p);
        scan("pulse.toString", p.toString(), true);
        scan("pulse (UTF-8 encoding)", new String(bytes, StandardCharsets.UTF_8), false);
        scan("pulse (byte encoding)", new String(bytes, StandardCharsets.ISO_8859_1), false);
      }
    }
    for (AuditDraft d : storage.drafts) {
      scan("audit draft " + d.action(), d.toString(), true);
    }
    List<AuditEvent> events = store.auditRange(1, 100_000);
    assertFalse(events.isEmpty());
    for (AuditEvent e : events) {
      String fields =
          String.join(
              " ", e.action(), e.actor(), e.resource(), e.scope().orElse(""), e.engineVersion(), e.reason().code(),
              e.outcome().name(), e.timestamp().toString(), e.details().toString());
      scan("audit event " + e.seq(), fields, true);
    }
    for (Object r : results) {
      // audit pages and verifications print SHA-256 hex, where a six-digit run can occur by chance
      boolean hashes = r instanceof AuditPage || r instanceof AuditVerification;
      scan("toString of " + r.getClass().getSimpleName(), r.toString(), !hashes);
    }
  }
}
