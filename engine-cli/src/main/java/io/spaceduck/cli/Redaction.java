package io.spaceduck.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Keeps what a user typed out of duck's messages when it might be a secret (D2). A user pastes a key
 * where a file name belongs, a token as an argument, a password inside a store URL: picocli, the
 * engine and duck itself would each echo the value in an error. Every line duck prints on failure
 * passes through {@link #scrub}; file options refuse secret-shaped values up front
 * ({@link Converters.FileName}).
 *
 * <p>Thread-safe: stateless.
 */
final class Redaction {
  /** What replaces a value that is not shown. */
  static final String HIDDEN = "…";

  /** A Beak Key, whole or cut short: {@code bk_} and the key id, then anything key-like. */
  private static final Pattern KEY = Pattern.compile("bk_[A-Za-z0-9]{4,}_[A-Za-z0-9_-]*|bk_[A-Za-z0-9_-]{12,}");
  /** A JWS/JWT (session token, certificate): base64url of a JSON header, a dot, more. */
  private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{6,}(\\.[A-Za-z0-9_-]*){0,2}");
  /** An email address. */
  private static final Pattern EMAIL = Pattern.compile("[^\\s'\"<>@,;:]+@[^\\s'\"<>@,;:]+");
  /** A verification code on its own (six digits), or any long run of digits typed as a value. */
  private static final Pattern CODE = Pattern.compile("\\d{6,}");
  /** A value that is safe to show back: a plain word, number, id, path or option name. */
  private static final Pattern ECHOABLE = Pattern.compile("[A-Za-z0-9._/~+,:=-]{1,120}");

  private Redaction() {}

  /** Whether {@code value} looks like one of the engine's secrets or personal data: never show it. */
  static boolean secretShaped(String value) {
    return KEY.matcher(value).find() || JWT.matcher(value).find() || EMAIL.matcher(value).find()
        || CODE.matcher(value).matches();
  }

  /** Whether {@code value} may be shown back in a message as typed. */
  static boolean echoable(String value) {
    return ECHOABLE.matcher(value).matches() && !secretShaped(value.replaceFirst("^-+", "")); // "--123456" too
  }

  /**
   * {@code message} with every value the user gave ({@code typed}: the arguments, and the
   * environment variables that carry secrets) that is not {@linkplain #echoable echoable} replaced by
   * {@value #HIDDEN}, then anything still secret-shaped replaced, and control characters dropped.
   */
  static String scrub(String message, List<String> typed) {
    String m = message;
    List<String> values = new ArrayList<>();
    for (String t : typed) {
      if (t == null || t.isEmpty()) {
        continue;
      }
      values.add(t);
      int eq = t.indexOf('=');
      if (t.startsWith("-") && eq > 0) {
        values.add(t.substring(eq + 1)); // --option=value
      }
    }
    values.sort(Comparator.comparingInt(String::length).reversed()); // a value before its own parts
    for (String v : values) {
      if (v.isEmpty() || echoable(v)) {
        continue;
      }
      m = m.replace("'" + v + "'", "'" + HIDDEN + "'");
      if (v.length() >= 3) {
        m = m.replace(v, HIDDEN);
      }
    }
    m = KEY.matcher(m).replaceAll(r -> keyId(r.group()));
    m = JWT.matcher(m).replaceAll("eyJ" + HIDDEN);
    m = EMAIL.matcher(m).replaceAll(HIDDEN + "@" + HIDDEN);
    StringBuilder out = new StringBuilder(m.length());
    m.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) && c != '\n' && c != '\t' ? '?' : c));
    return out.toString();
  }

  /** A key shown as its public id only, as {@code BeakKey.toString} does. */
  private static String keyId(String key) {
    int second = key.indexOf('_', 3);
    String id = second > 3 ? key.substring(3, second) : "";
    return id.matches("[a-z2-7]{16}") ? "bk_" + id + "_***" : "bk_***";
  }
}
