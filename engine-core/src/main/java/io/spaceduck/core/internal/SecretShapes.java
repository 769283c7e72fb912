package io.spaceduck.core.internal;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * Recognises text shaped like one of the engine's secrets, so that free text the engine stores and
 * shows to others (pulse statuses, U1) can never carry one (I8, D2). Shapes, not values: a key of
 * another engine, a truncated key or a token of any issuer is refused too.
 *
 * <ul>
 *   <li>a Beak Key past its public id: {@code bk_<16 base32>_} followed by a secret character (K1) —
 *       the redacted form {@code bk_<id>_***} that {@code BeakKey.toString()} prints is not a secret;
 *   <li>a compact JWS/JWT (a session token or certificate, P5, C2): a base64url JSON header
 *       ({@code eyJ…}) followed by a dot, or three dot-separated base64url segments of ≥ 16 characters;
 *   <li>a hatch verification code (H2): a run of exactly six digits, standing alone or glued to
 *       other text ({@code x123456}) — but not inside a token shaped like a typed id ({@code pk_…}),
 *       whose base32 body may hold six digits 2–7 in a row;
 *   <li>a bare secret or hash: a run of ≥ 32 ASCII letters and digits with ≥ 12 distinct characters
 *       (a key's 52-character secret, hex or base64 of a digest) — long repetitive runs such as
 *       {@code zzzz…} are not random-looking and pass.
 * </ul>
 *
 * The check runs on the NFKC form of the text, so full-width or other compatibility look-alikes
 * ({@code ｂｋ＿…}, {@code １２３４５６}) are caught as well; invisible separators are refused earlier
 * as format characters. Stateless and thread-safe.
 */
final class SecretShapes {
  static final int RUN = 32;
  static final int RUN_DISTINCT = 12;
  static final int CODE_DIGITS = 6;
  private static final Pattern KEY = Pattern.compile("(?i)bk_[a-z2-7]{16}_[a-z2-7]");
  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.|[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}");

  private SecretShapes() {}

  /** Whether {@code text} contains something shaped like a key, code or token. */
  static boolean containsSecret(String text) {
    String s = isAscii(text) ? text : Normalizer.normalize(text, Normalizer.Form.NFKC);
    return KEY.matcher(s).find() || JWT.matcher(s).find() || codeOrRandomRun(s);
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** One pass: a standalone run of six digits, or a long random-looking alphanumeric run. */
  private static boolean codeOrRandomRun(String s) {
    int digits = 0;
    int alnum = 0;
    long seen = 0; // which of the 62 ASCII alphanumerics occur in the current run
    for (int i = 0; i <= s.length(); ) {
      int cp = i < s.length() ? s.codePointAt(i) : -1;
      boolean digit = cp >= 0 && Character.isDigit(cp);
      if (digit) {
        digits++;
      } else {
        if (digits == CODE_DIGITS && !insideTypedId(s, i - CODE_DIGITS, i)) {
          return true;
        }
        digits = 0;
      }
      int idx = asciiAlnumIndex(cp);
      if (idx >= 0) {
        alnum++;
        seen |= 1L << idx;
      } else {
        if (alnum >= RUN && Long.bitCount(seen) >= RUN_DISTINCT) {
          return true;
        }
        alnum = 0;
        seen = 0;
      }
      i += cp < 0 ? 1 : Character.charCount(cp);
    }
    return false;
  }

  /**
   * Whether {@code s[from, to)} lies inside a token shaped like one of the engine's typed ids
   * ({@code pk_}, {@code ag_}, … and 16–40 lowercase base32 characters, standing alone): the base32
   * alphabet holds the digits 2–7, so a random id carries six of them in a row about once in a
   * thousand, and an agent naming its peck in a status is not sending a code.
   */
  private static boolean insideTypedId(String s, int from, int to) {
    int start = from;
    while (start > 0 && isBase32(s.charAt(start - 1))) {
      start--;
    }
    int end = to;
    while (end < s.length() && isBase32(s.charAt(end))) {
      end++;
    }
    int body = end - start;
    return body >= 16 && body <= 40
        && start >= 3 && s.charAt(start - 1) == '_' && isLower(s.charAt(start - 2)) && isLower(s.charAt(start - 3))
        && (start == 3 || asciiAlnumIndex(s.charAt(start - 4)) < 0 && s.charAt(start - 4) != '_')
        && (end == s.length() || asciiAlnumIndex(s.charAt(end)) < 0 && s.charAt(end) != '_');
  }

  private static boolean isBase32(char c) {
    return isLower(c) || c >= '2' && c <= '7';
  }

  private static boolean isLower(char c) {
    return c >= 'a' && c <= 'z';
  }

  /** 0–61 for {@code [0-9A-Za-z]}, else −1. */
  private static int asciiAlnumIndex(int cp) {
    if (cp >= '0' && cp <= '9') {
      return cp - '0';
    }
    if (cp >= 'A' && cp <= 'Z') {
      return 10 + cp - 'A';
    }
    if (cp >= 'a' && cp <= 'z') {
      return 36 + cp - 'a';
    }
    return -1;
  }
}
