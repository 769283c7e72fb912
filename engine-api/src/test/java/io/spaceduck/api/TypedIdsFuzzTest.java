package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Fuzz target (docs/fuzzing.md): every typed id and {@link ReasonCode} on arbitrary text. The
 * contract: {@code isValid} never throws and agrees with the documented language
 * ({@code <prefix>[a-z2-7]{16,40}}, a key id {@code [a-z2-7]{16}}, a reason code
 * {@code [a-z0-9_]{1,40}}); the constructor accepts exactly the valid strings and refuses every other
 * one with {@link IllegalArgumentException} only; {@link IdentityId#parse} returns the one kind whose
 * prefix the value carries. The input bytes are read both as UTF-8 and as UTF-16 (the second reaches
 * unpaired surrogates).
 */
class TypedIdsFuzzTest {
  private static final Pattern BODY = Pattern.compile("[a-z2-7]{16,40}");
  private static final Pattern KEY_ID = Pattern.compile("[a-z2-7]{16}");
  private static final Pattern REASON = Pattern.compile("[a-z0-9_]{1,40}");

  private record Kind(String prefix, Predicate<String> isValid, Function<String, Object> make) {}

  private static final List<Kind> PREFIXED =
      List.of(
          new Kind(DucklingId.PREFIX, DucklingId::isValid, DucklingId::new),
          new Kind(AgentId.PREFIX, AgentId::isValid, AgentId::new),
          new Kind(BondId.PREFIX, BondId::isValid, BondId::new),
          new Kind(CertId.PREFIX, CertId::isValid, CertId::new),
          new Kind(PeckId.PREFIX, PeckId::isValid, PeckId::new),
          new Kind(HatchId.PREFIX, HatchId::isValid, HatchId::new),
          new Kind(RuleId.PREFIX, RuleId::isValid, RuleId::new));

  @FuzzTest
  void idsAcceptExactlyTheirLanguage(byte[] data) {
    check(new String(data, StandardCharsets.UTF_8));
    check(new String(data, StandardCharsets.UTF_16BE));
  }

  private static void check(String s) {
    for (Kind k : PREFIXED) {
      boolean expected = s.startsWith(k.prefix()) && BODY.matcher(s.substring(k.prefix().length())).matches();
      assertEquals(expected, k.isValid().test(s), k.prefix());
      accepts(expected, () -> k.make().apply(s));
    }
    boolean keyId = KEY_ID.matcher(s).matches();
    assertEquals(keyId, KeyId.isValid(s));
    accepts(keyId, () -> new KeyId(s));

    boolean reason = REASON.matcher(s).matches();
    accepts(reason, () -> ReasonCode.of(s));

    Optional<IdentityId> parsed = IdentityId.parse(s);
    if (DucklingId.isValid(s)) {
      assertEquals(Optional.of(new DucklingId(s)), parsed);
    } else if (AgentId.isValid(s)) {
      assertEquals(Optional.of(new AgentId(s)), parsed);
    } else {
      assertEquals(Optional.empty(), parsed);
    }
  }

  private static void accepts(boolean valid, Runnable make) {
    if (valid) {
      make.run();
    } else {
      assertThrows(IllegalArgumentException.class, make::run);
    }
  }
}
