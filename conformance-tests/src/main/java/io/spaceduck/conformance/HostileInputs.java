package io.spaceduck.conformance;

import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile input for the engine contract: text built from the pieces that break naive
 * validators and stores — controls, bidi overrides, zero-width and combining characters, lone
 * surrogates, emoji sequences, NUL, very long strings — and emails and Beak Keys that are almost
 * right. Whatever the engine accepts of it travels through the backend and must come back exactly.
 *
 * <p>Published for the engine's and the front ends' own input tests, so that every layer is fed the same
 * hostile text. Each method returns a new arbitrary; {@link #email()}'s valid addresses are unique in the
 * JVM (a shared counter), so they are never taken. Thread-safe.
 */
public final class HostileInputs {
  /** The alphabet of the variable part of ids and Beak Keys (RFC 4648 base32, lower case). */
  public static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static final AtomicInteger SEQ = new AtomicInteger();

  private HostileInputs() {}

  /**
   * Text built from the pieces that break naive validators and stores, plus plain random strings, long
   * strings and the documented edge cases (blank, 64 and 65 characters or emoji, 10,000 characters).
   */
  public static Arbitrary<String> text() {
    Arbitrary<String> piece =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6)),
            Tuple.of(2, Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(3)),
            Tuple.of(2, Arbitraries.of(" ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "\u2003")),
            Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001F').map(String::valueOf)),
            Tuple.of(1, Arbitraries.of("\u0000", "\u007F", "\u0085", "\u009B")),
            Tuple.of(2, Arbitraries.of("\u202E", "\u202D", "\u202A", "\u2066", "\u2067", "\u2069", "\u061C")),
            Tuple.of(2, Arbitraries.of("\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD")),
            Tuple.of(1, Arbitraries.of("\u2028", "\u2029")),
            Tuple.of(2, Arbitraries.of("\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800")),
            Tuple.of(2, Arbitraries.of("\uD83E\uDD86", "\uD83D\uDC69\u200D\uD83D\uDE80", "\u2764\uFE0F", "\uD83C\uDDE9\uD83C\uDDEA")),
            Tuple.of(2, Arbitraries.of("\u0301", "\u0308", "\u20DD", "e\u0301", "Z\u0351\u0352\u0353\u0354", "\u1100\u1161")),
            Tuple.of(1, Arbitraries.of("\uE000", "\uF8FF", "\u0378", "\uFFFF", "\uFFFE", "\uDB80\uDC00")),
            Tuple.of(2, Arbitraries.of("<script>", "'", "\"", "&", "%s", "%n", "${jndi:ldap://x}", "\\", "@", ".", "../", "\u0130",
                "\u00DF", "'; DROP TABLE sd_identities; --", "\\x00", "0x00")),
            Tuple.of(1, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(4)));
    return Arbitraries.oneOf(
        piece.list().ofMaxSize(24).map(l -> String.join("", l)),
        Arbitraries.strings().all().ofMaxLength(80),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(60).ofMaxLength(300),
        Arbitraries.of("", " ", "   ", "\t\n", "\u0000", "\u202E", "\u200B", "\uD800", "a".repeat(64), "a".repeat(65),
            "\uD83E\uDD86".repeat(64), "\uD83E\uDD86".repeat(65), "e\u0301".repeat(40), "x".repeat(10_000)));
  }

  /** Hostile email addresses (two thirds) and valid, never-taken ones, some needing normalisation (one third). */
  public static Arbitrary<String> email() {
    Arbitrary<String> text = text();
    Arbitrary<String> local = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> hostile = Arbitraries.oneOf(
        text,
        text.map(s -> s + "@example.org"),
        text.map(s -> "someone@" + s),
        Combinators.combine(local, text).as((l, s) -> l + s + "@example.org"),
        Combinators.combine(local, text).as((l, s) -> l + "@exa" + s + "mple.org"),
        local.map(l -> l + "@@example.org"),
        local.map(l -> "." + l + "@example.org"),
        local.map(l -> l + "..x@example.org"),
        local.map(l -> l + "@example"),
        local.map(l -> l + "@-example.org"),
        local.map(l -> l.repeat(30) + "@example.org"),
        local.map(l -> l + "@" + "a".repeat(300) + ".org"));
    // valid addresses (fresh, so never taken), some needing normalisation: a third of all tries, so the
    // property sees both outcomes even in a short run
    Arbitrary<String> valid = Arbitraries.oneOf(
        local.map(l -> l + "." + SEQ.incrementAndGet() + "@example.org"),
        local.map(l -> "  " + l.toUpperCase() + SEQ.incrementAndGet() + "@Example.ORG  "));
    return Arbitraries.frequencyOf(Tuple.of(2, hostile), Tuple.of(1, valid));
  }

  /** Anything but {@code real}: wrong prefixes, truncations, bad characters, unknown ids or wrong secrets. */
  public static Arbitrary<String> notAKey(String real) {
    String knownId = real.substring(3, 19);
    Arbitrary<String> b32 = Arbitraries.strings().withChars(BASE32.toCharArray()).ofLength(52);
    Arbitrary<String> id16 = Arbitraries.strings().withChars(BASE32.toCharArray()).ofLength(16);
    Arbitrary<Character> badChar =
        Arbitraries.of('0', '1', '8', '9', 'A', 'Z', '-', '_', '=', '+', '/', ' ', '\u0000', '\u00E9', '\u202E');
    return Arbitraries.oneOf(
            text(),
            Arbitraries.strings().all().ofLength(72),
            Arbitraries.strings().ascii().ofLength(69).map(s -> "bk_" + s),
            Arbitraries.of("bK_", "BK_", "bk-", "kb_", "", "bk", "bk__", " bk_").map(p -> p + real.substring(3)),
            Arbitraries.integers().between(0, 71).map(n -> real.substring(0, n)),
            Arbitraries.strings().withChars(BASE32.toCharArray()).ofMinLength(1).ofMaxLength(8).map(s -> real + s),
            Combinators.combine(Arbitraries.integers().between(3, 71).filter(i -> i != 19), badChar)
                .as((i, c) -> real.substring(0, i) + c + real.substring(i + 1)),
            Combinators.combine(id16, b32).as((id, s) -> "bk_" + id + "_" + s), // well-formed, unknown
            b32.map(s -> "bk_" + knownId + "_" + s), // known id, wrong secret
            Arbitraries.of(real.toUpperCase(), " " + real, real + "\n", real.replace('_', '-')))
        .filter(s -> !s.equals(real));
  }
}
