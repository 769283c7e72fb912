package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Peck;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.InputChecks;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
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

/**
 * Issue 15 #9: a pulse status is stored for 90 days and shown to the operator and admins, so a
 * secret sent as a status would be persisted and disclosed (I8, D2). Every status that contains
 * something shaped like a Beak Key, a session token or certificate (JWT), a hatch code or a bare
 * random secret — in any surrounding text, upper-cased or in full-width look-alikes — is refused as
 * {@link InvalidInput} naming only the field, and nothing is recorded; ordinary statuses still pass.
 */
class PulseStatusSecretProperties {
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static PeckFixture f;
  private static PeckFixture.Ag agent;
  private static String realKey;
  private static String realSession;
  private static String realCert;

  @BeforeContainer
  static void open() {
    f = new PeckFixture();
    PeckFixture.Op op = f.operator("Olive");
    agent = f.agent(op, "Scout", Tier.T1);
    PeckFixture.Op otherOp = f.operator("Otto");
    PeckFixture.Ag peer = f.agent(otherOp, "Peer", Tier.T1);
    Peck p = f.active(agent, peer, otherOp.key());
    realKey = agent.key().reveal();
    realSession = f.pecks.session(agent.key(), p.id()).token().reveal();
    realCert = f.engine.certificates().get(agent.key(), agent.cert()).certificate().jws();
  }

  @AfterContainer
  static void close() {
    f.close();
  }

  /** Plain status words around a secret: the secret is what must be caught, wherever it sits. */
  private static Arbitrary<String> around() {
    return Arbitraries.of("", "", "key ", "my key is ", "token=", "(", "status: ", "ok ", "🦆 ", "code: ", "x");
  }

  /** Random base32 as the engine generates it (uniform, no edge cases such as {@code aaaa…}). */
  private static Arbitrary<String> b32(int n) {
    return Arbitraries.randomValue(r -> {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        b.append(BASE32.charAt(r.nextInt(32)));
      }
      return b.toString();
    });
  }

  private static Arbitrary<byte[]> randomBytes(int n) {
    return Arbitraries.randomValue(r -> {
      byte[] b = new byte[n];
      r.nextBytes(b);
      return b;
    });
  }

  /** What an attacker (or a careless agent) might send: real and well-formed secrets, disguised. */
  @Provide
  Arbitrary<String> secrets() {
    Arbitrary<String> keys =
        Arbitraries.oneOf(
            Arbitraries.just(realKey),
            Combinators.combine(b32(16), b32(52)).as((id, s) -> "bk_" + id + "_" + s), // another engine's key
            Arbitraries.integers().between(21, 72).map(n -> realKey.substring(0, n)), // id plus part of the secret
            Arbitraries.just(realKey.substring(20)), // the secret alone
            b32(52));
    Arbitrary<String> tokens =
        Arbitraries.oneOf(
            Arbitraries.just(realSession),
            Arbitraries.just(realCert),
            // the public header, a dot and any part of the claims on
            Arbitraries.integers().between(1, 40).map(n -> realSession.substring(0, realSession.indexOf('.') + n)),
            Arbitraries.just(realSession.substring(realSession.indexOf('.') + 1))); // claims and signature
    Arbitrary<String> codes =
        Arbitraries.integers().between(0, 999_999).map(n -> String.format("%06d", n));
    Arbitrary<String> hashes =
        Arbitraries.oneOf(
            randomBytes(32).map(HexFormat.of()::formatHex),
            randomBytes(32).map(b -> java.util.Base64.getEncoder().withoutPadding().encodeToString(b).replaceAll("[+/]", "A")));
    // base32 and hex survive upper-casing (they are case-insensitive); base64url does not, so
    // tokens are only disguised as full-width look-alikes
    Arbitrary<Function<String, String>> anyCase =
        Arbitraries.of(s -> s, s -> s.toUpperCase(java.util.Locale.ROOT), PulseStatusSecretProperties::fullWidth);
    Arbitrary<Function<String, String>> sameCase = Arbitraries.of(s -> s, PulseStatusSecretProperties::fullWidth);
    Arbitrary<String> disguised =
        Arbitraries.oneOf(
            Combinators.combine(Arbitraries.oneOf(keys, codes, hashes), anyCase).as((x, d) -> d.apply(x)),
            Combinators.combine(tokens, sameCase).as((x, d) -> d.apply(x)));
    return Combinators.combine(around(), disguised, around())
        .as((a, secret, b) -> a + secret + (b.isEmpty() ? "" : " " + b))
        .filter(s -> s.codePointCount(0, s.length()) <= 256);
  }

  /** ASCII letters, digits and {@code _} as their full-width forms (NFKC maps them back). */
  static String fullWidth(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append(c > 0x20 && c < 0x7F ? (char) (c - 0x21 + 0xFF01) : (char) c));
    assertEquals(s, Normalizer.normalize(b.toString(), Normalizer.Form.NFKC));
    return b.toString();
  }

  @Property(tries = 300)
  @Label("I8, U1: a status shaped like a key, token, code or secret is refused and nothing is recorded")
  @Tag("I8")
  @Tag("U1")
  void secretShapedStatus_isRefused(@ForAll("secrets") String status) {
    Optional<Pulse> before = f.t.storage.latestPulse(agent.id());
    InvalidInput e = assertThrows(InvalidInput.class, () -> f.engine.pulses().pulse(agent.key(), status));
    InputChecks.assertNamesFieldOnly(e, "status", status);
    assertEquals(before, f.t.storage.latestPulse(agent.id()), "nothing recorded");
  }

  /** Operational text an agent sends: words, small and long numbers, ids, the redacted key form. */
  @Provide
  Arbitrary<String> ordinary() {
    Arbitrary<String> word = Arbitraries.of("ok", "busy", "idle", "queue", "load", "🦆", "déjà", "名前", "eta", "peer",
        "connected", "to", "retrying", "in", "s", "%", "v1.2.3", "2026-01-01T00:00:00Z", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
    Arbitrary<String> number = Arbitraries.oneOf(
        Arbitraries.integers().between(0, 99_999).map(String::valueOf),
        Arbitraries.longs().between(1_000_000L, Long.MAX_VALUE).map(String::valueOf),
        Arbitraries.integers().between(100, 999).map(n -> n + ",000"));
    Arbitrary<String> id = Arbitraries.oneOf(
        b32(26).map(s -> AgentId.PREFIX + s),
        b32(29).map(s -> "pk_" + s),
        Arbitraries.just(BeakKey.of(realKey).toString())); // bk_<id>_*** is what logs show, not a secret
    return Arbitraries.oneOf(word, word, number, id).list().ofMinSize(1).ofMaxSize(8).map(l -> String.join(" ", l))
        .filter(s -> s.codePointCount(0, s.length()) <= 256);
  }

  @Property(tries = 200)
  @Label("U1: ordinary operational statuses (numbers, ids, the redacted key form) are still accepted")
  @Tag("U1")
  void ordinaryStatus_isAccepted(@ForAll("ordinary") String status) {
    Pulse p = f.engine.pulses().pulse(agent.key(), status);
    assertEquals(status, p.status());
    assertEquals(Optional.of(p), f.t.storage.latestPulse(agent.id()));
  }

  @Example
  @Label("U1: six base32 digits in a row inside a typed id are not a code; a code glued to text still is")
  @Tag("U1")
  @Tag("I8")
  void sixDigitsInsideATypedId_areNotACode() {
    // a peck id the ordinary generator once produced (its base32 body ends in 763554)
    for (String ok : List.of("pk_7v6j2vnrvqjgkl2twkfkg5l763554", "peer pk_7v6j2vnrvqjgkl2twkfkg5l763554 ok",
        "ag_234567abcdefghijklmnopqr")) {
      assertEquals(ok, f.engine.pulses().pulse(agent.key(), ok).status());
    }
    for (String code : List.of("x123456", "code:123456", "pk_abc123456", "pk_7v6j2vnrvqjgkl2twkfkg5l763554_123456",
        "Pk_7v6j2vnrvqjgkl2twkfkg5l763554", "xpk_7v6j2vnrvqjgkl2twkfkg5l763554")) {
      assertThrows(InvalidInput.class, () -> f.engine.pulses().pulse(agent.key(), code), code);
    }
  }

  @Property(tries = 200)
  @Label("I8: whatever an agent sends, no stored pulse ever holds a raw key or token of this engine")
  @Tag("I8")
  void noStoredPulseHoldsASecret(@ForAll("anyStatus") String status) {
    try {
      f.engine.pulses().pulse(agent.key(), status);
    } catch (InvalidInput refused) {
      // the documented refusal
    }
    List<Pulse> stored = f.t.storage.pulseHistory(agent.id(), 1000);
    String secretPart = realKey.substring(20);
    String signature = realSession.substring(realSession.lastIndexOf('.') + 1);
    for (Pulse p : stored) {
      String folded = Normalizer.normalize(p.status(), Normalizer.Form.NFKC).toLowerCase(java.util.Locale.ROOT);
      assertFalse(folded.contains(secretPart.substring(0, 16)), "a stored status holds the key's secret");
      assertFalse(p.status().contains(signature.substring(0, 16)), "a stored status holds a session token");
    }
  }

  @Provide
  Arbitrary<String> anyStatus() {
    return Arbitraries.oneOf(secrets(), ordinary());
  }

  @Property(tries = 50)
  @Label("U1: the status bounds hold whatever the secret check says: over 256 code points is refused")
  @Tag("U1")
  void oversizedStatus_isRefused(@ForAll("ordinary") String s) {
    String status = s + " " + "x".repeat(257);
    InvalidInput e = assertThrows(InvalidInput.class, () -> f.engine.pulses().pulse(agent.key(), status));
    assertTrue(e.getMessage().startsWith("status: "));
  }
}
