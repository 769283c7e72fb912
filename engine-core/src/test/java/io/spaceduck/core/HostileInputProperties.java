package io.spaceduck.core;

import io.spaceduck.conformance.HostileInputs;
import io.spaceduck.conformance.InputChecks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.VerificationCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.function.Executable;

/**
 * Hostile input gives the documented refusal and never an unexpected exception: the documented name
 * cases; an unknown key id and a wrong secret fail identically (K6); garbage certificates are {@link
 * InvalidInput}; reason codes take only their form; {@code null} is a caller mistake ({@link
 * NullPointerException}). The properties whose input travels through the store — any display name,
 * agent name or email, anything that is not a live key — are the engine contract's ({@code
 * EngineContract} in the conformance kit), which runs them on every backend.
 */
class HostileInputProperties {
  private static final Pattern REASON = Pattern.compile("[a-z0-9_]{1,40}");
  private static final AtomicInteger SEQ = new AtomicInteger();

  // one engine for the whole container; every try adds to it (rate limits are generous)
  private static TestEngine t;
  private static SpaceDuck engine;
  private static BeakKey adminKey;
  private static BeakKey operatorKey;
  private static HatchResult alice;
  private static String jwks;

  @BeforeContainer
  static void openEngine() {
    t = new TestEngine();
    engine = t.engine;
    adminKey = t.bootstrap().key().key();
    operatorKey = t.operator(adminKey, "Operator");
    alice = t.hatch("Alice");
    jwks = engine.certificates().publicJwks();
  }

  @AfterContainer
  static void closeEngine() {
    t.close();
  }

  private static String uniqueEmail() {
    return "hostile" + SEQ.incrementAndGet() + "@example.org";
  }

  // ------------------------------------------------------------------ arbitraries

  /** The kit's hostile text ({@link HostileInputs#text()}), which the engine contract feeds every backend. */
  @Provide
  Arbitrary<String> hostileText() {
    return HostileInputs.text();
  }

  @Provide
  Arbitrary<String> garbageJws() {
    String real = alice.certificate().jws();
    String[] p = real.split("\\.");
    Arbitrary<String> seg = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()).ofMaxLength(120);
    return Arbitraries.oneOf(
        hostileText(),
        Combinators.combine(seg, seg, seg).as((a, b, c) -> a + "." + b + "." + c),
        seg.map(s -> p[0] + "." + s + "." + p[2]),
        seg.map(s -> p[0] + "." + p[1] + "." + s),
        seg.map(s -> s + "." + p[1] + "." + p[2]),
        Arbitraries.integers().between(0, real.length() - 1).map(n -> real.substring(0, n)),
        Arbitraries.of(
            p[0] + "." + p[1] + ".",
            p[0] + "." + p[1],
            real + ".",
            real + "." + p[2],
            b64("{\"alg\":\"none\",\"typ\":\"sd-cert+jwt\"}") + "." + p[1] + ".",
            b64("{\"alg\":\"HS256\",\"typ\":\"sd-cert+jwt\"}") + "." + p[1] + "." + p[2],
            b64("{\"alg\":\"ES256\"") + "." + p[1] + "." + p[2],
            p[0] + "." + b64("[]") + "." + p[2],
            p[0] + "." + b64("{\"sub\":null}") + "." + p[2],
            "a".repeat(9000),
            real.replace('.', ',')));
  }

  /** Hostile text, and near-miss codes around the 40-character limit. */
  @Provide
  Arbitrary<String> reasonText() {
    return Arbitraries.oneOf(
        hostileText(),
        Arbitraries.strings().withChars("abcxyz0189_".toCharArray()).ofMinLength(1).ofMaxLength(44),
        Arbitraries.strings().withChars("abcxyz0189_-. A".toCharArray()).ofMinLength(1).ofMaxLength(40));
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------ checks

  // ------------------------------------------------------------------ names

  /** Records the outcome and requires the generators to reach both outcomes often enough. */
  private static void coverBoth(boolean accepted) {
    Statistics.label("outcome").collect(accepted ? "accepted" : "refused");
    Statistics.label("outcome")
        .coverage(
            c -> {
              c.check("accepted").percentage(p -> p >= 5);
              c.check("refused").percentage(p -> p >= 5);
            });
  }

  @Example
  @Tag("H1")
  @Label("H1 documented name cases: blank, too long, invisible and lone-surrogate names are refused")
  void documentedNameCases() {
    for (String bad :
        List.of("", "   ", "a".repeat(65), "Ann\u202Eevil", "zero\u200Bwidth", "lone\uD800", "nul\u0000", "line\nbreak",
            "\u2028", "private\uE000")) {
      InvalidInput e =
          assertThrows(InvalidInput.class, () -> engine.hatching().start(new HatchRequest(bad, Email.of(uniqueEmail()), "ok", "ex")));
      assertEquals("display_name", e.field());
    }
    for (String good : List.of("a".repeat(64), "Duck \uD83E\uDD86", "Zoe\u0308", "  padded  ", "\u00C5ngstr\u00F6m", "\u674E\u5C0F\u9F8D")) {
      HatchTicket ticket = engine.hatching().start(new HatchRequest(good, Email.of(uniqueEmail()), "ok", "ex"));
      HatchResult r = engine.hatching().complete(ticket.id(), VerificationCode.of(t.codes.get(ticket.id())));
      InputChecks.assertCleanName(r.duckling().displayName());
    }
    HatchTicket nfc = engine.hatching().start(new HatchRequest("Zoe\u0308", Email.of(uniqueEmail()), "ok", "ex"));
    assertEquals("Zo\u00EB", engine.hatching().complete(nfc.id(), VerificationCode.of(t.codes.get(nfc.id()))).duckling().displayName());
  }

  // ------------------------------------------------------------------ keys (K6)

  @Example
  @Tag("K6")
  @Label("K6 unknown key id and known key id with a wrong secret fail identically")
  void unknownIdAndWrongSecret_failIdentically() {
    String real = alice.key().key().reveal();
    BeakKey unknownId = BeakKey.of("bk_" + "a".repeat(16) + "_" + real.substring(20));
    BeakKey wrongSecret = BeakKey.of(real.substring(0, 20) + "b".repeat(52));
    for (Executable[] pair :
        List.of(
            new Executable[] {() -> engine.authenticate(unknownId), () -> engine.authenticate(wrongSecret)},
            new Executable[] {
              () -> engine.certificates().get(unknownId, alice.certificate().id()),
              () -> engine.certificates().get(wrongSecret, alice.certificate().id())
            },
            new Executable[] {
              () -> engine.bonds().bond(unknownId, "Agent", Tier.T0), () -> engine.bonds().bond(wrongSecret, "Agent", Tier.T0)
            })) {
      Unauthenticated a = assertThrows(Unauthenticated.class, pair[0]);
      Unauthenticated b = assertThrows(Unauthenticated.class, pair[1]);
      assertEquals(a.getClass(), b.getClass());
      assertEquals(a.getMessage(), b.getMessage());
      assertEquals(a.code(), b.code());
      assertEquals(a.toString(), b.toString());
      assertNull(a.getCause());
      assertNull(b.getCause());
      assertEquals(0, a.getSuppressed().length + b.getSuppressed().length);
    }
    // and the real key still works: the failures did not lock it out
    assertEquals(alice.duckling().id(), engine.authenticate(alice.key().key()).id());
  }

  // ------------------------------------------------------------------ certificates

  @Property(tries = 300)
  @Tag("C2")
  @Label("C2 garbage or forged JWS is InvalidInput, online and offline")
  void garbageJws_isInvalidInput(@ForAll("garbageJws") String jws) {
    InvalidInput online = assertThrows(InvalidInput.class, () -> engine.certificates().verify(jws));
    InputChecks.assertNamesFieldOnly(online, "certificate", jws);
    OfflineCertificateVerifier offline = OfflineCertificateVerifier.fromJwks(jwks);
    InvalidInput off = assertThrows(InvalidInput.class, () -> offline.verify(jws));
    assertEquals("certificate", off.field());
  }

  // ------------------------------------------------------------------ reason codes

  @Property(tries = 300)
  @Tag("K4")
  @Label("K4 ReasonCode.of accepts exactly [a-z0-9_]{1,40}, else IllegalArgumentException")
  void reasonCode_acceptsOnlyItsForm(@ForAll("reasonText") String text) {
    if (REASON.matcher(text).matches()) {
      assertEquals(text, ReasonCode.of(text).code());
      coverBoth(true);
    } else {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReasonCode.of(text));
      if (text.length() >= 6) {
        assertFalse(e.getMessage().contains(text));
      }
      coverBoth(false);
    }
  }

  @Example
  @Tag("K4")
  @Label("K4 ReasonCode boundaries")
  void reasonCodeBoundaries() {
    assertEquals("a".repeat(40), ReasonCode.of("a".repeat(40)).code());
    for (String bad : List.of("", "a".repeat(41), "Compromised", "key revoked", "r\u00E9voqu\u00E9", "x\n", "x-y", "\u0000")) {
      assertThrows(IllegalArgumentException.class, () -> ReasonCode.of(bad), bad);
    }
  }

  // ------------------------------------------------------------------ nulls

  @Example
  @Tag("D2")
  @Label("null arguments are caller mistakes: NullPointerException, not a refusal")
  void nullArguments_throwNullPointerException() {
    BeakKey k = alice.key().key();
    CertId cert = alice.certificate().id();
    HatchId hatch = new HatchId("ht_" + "a".repeat(26));
    List<Executable> calls =
        List.of(
            () -> engine.hatching().start(null),
            () -> engine.hatching().complete(null, VerificationCode.of("123456")),
            () -> engine.hatching().complete(hatch, null),
            () -> new HatchRequest(null, Email.of("a@example.org"), "ok", "s"),
            () -> new HatchRequest("n", null, "ok", "s"),
            () -> new HatchRequest("n", Email.of("a@example.org"), null, "s"),
            () -> new HatchRequest("n", Email.of("a@example.org"), "ok", null),
            () -> Email.of(null),
            () -> BeakKey.of(null),
            () -> VerificationCode.of(null),
            () -> ReasonCode.of(null),
            () -> engine.authenticate(null),
            () -> engine.certificates().get(null, cert),
            () -> engine.certificates().get(k, null),
            () -> engine.certificates().history(k, null),
            () -> engine.certificates().renderHtml(null, cert),
            () -> engine.certificates().verify(null),
            () -> OfflineCertificateVerifier.fromJwks(null),
            () -> OfflineCertificateVerifier.fromJwks(jwks).verify(null),
            () -> engine.bonds().bond(null, "Agent", Tier.T0),
            () -> engine.bonds().bond(operatorKey, null, Tier.T0),
            () -> engine.bonds().bond(operatorKey, "Agent", null),
            () -> engine.bonds().revoke(operatorKey, null, ReasonCode.NONE),
            () -> engine.keys().rotate(k, null),
            () -> engine.keys().revoke(k, alice.key().info().id(), null),
            () -> engine.keys().replace(adminKey, null, ReasonCode.COMPROMISED),
            () -> engine.keys().list(k, null),
            () -> engine.identities().get(k, null),
            () -> engine.identities().promote(adminKey, null, Tier.T2),
            () -> engine.identities().promote(adminKey, alice.duckling().id(), null),
            () -> engine.audit().read(adminKey, null),
            () -> engine.audit().verify(adminKey, null),
            () -> engine.admin().bootstrap(null, Email.of("a@example.org")),
            () -> engine.admin().bootstrap("Admin", null),
            () -> engine.admin().promoteSigningKey(adminKey, null));
    int i = 0;
    for (Executable call : calls) {
      try {
        call.execute();
        fail("call " + i + " accepted null");
      } catch (NullPointerException expected) {
        // the documented caller mistake
      } catch (Throwable other) {
        fail("call " + i + " threw " + other.getClass().getName() + " instead of NullPointerException", other);
      }
      i++;
    }
    // none of that touched anyone's standing
    assertEquals(alice.duckling().id(), engine.authenticate(k).id());
    assertEquals(alice.certificate(), engine.certificates().verify(alice.certificate().jws()));
  }
}
