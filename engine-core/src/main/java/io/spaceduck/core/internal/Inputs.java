package io.spaceduck.core.internal;

import io.spaceduck.api.Email;
import io.spaceduck.api.InvalidInput;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Validation and normalisation of user-supplied text. Refusals name the field and the rule, never the
 * value (D2).
 */
final class Inputs {
  static final int MAX_NAME = 64;
  static final int MAX_EMAIL = 254;
  private static final Pattern LOCAL = Pattern.compile("[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}");
  private static final Pattern DOMAIN =
      Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");

  private Inputs() {}

  /**
   * A display or agent name: NFC-normalised and trimmed; 1–64 code points; no control, format
   * (bidi overrides, zero-width), unassigned, private-use or unpaired surrogate characters; no line
   * breaks; at least one visible character (not only spaces such as U+00A0 or fillers such as
   * U+3164).
   */
  static String name(String field, String raw) {
    if (raw.length() > 4 * MAX_NAME) {
      throw new InvalidInput(field, "at most " + MAX_NAME + " characters");
    }
    String s = Normalizer.normalize(raw, Normalizer.Form.NFC).strip();
    int count = s.codePointCount(0, s.length());
    if (count < 1 || count > MAX_NAME) {
      throw new InvalidInput(field, "1 to " + MAX_NAME + " characters");
    }
    boolean visible = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      visible |= !Character.isWhitespace(cp) && !Character.isSpaceChar(cp) && !INVISIBLE_FILLERS.contains(cp);
      int type = Character.getType(cp);
      if (type == Character.CONTROL
          || type == Character.FORMAT
          || type == Character.SURROGATE
          || type == Character.PRIVATE_USE
          || type == Character.UNASSIGNED
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        throw new InvalidInput(field, "contains a control, format or unassigned character");
      }
      i += Character.charCount(cp);
    }
    if (!visible) {
      throw new InvalidInput(field, "must contain a visible character");
    }
    return s;
  }

  /** Letters that render as nothing (Hangul fillers, the blank Braille pattern). */
  private static final java.util.Set<Integer> INVISIBLE_FILLERS =
      java.util.Set.of(0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800);

  /**
   * An email address, normalised for uniqueness: trimmed, lowercased, ASCII only, one {@code @}, a
   * local part of 1–64 allowed characters, a dotted domain; at most 254 characters.
   */
  static String email(Email email) {
    String raw = email.reveal();
    if (raw.length() > 2 * MAX_EMAIL) {
      throw new InvalidInput("email", "at most " + MAX_EMAIL + " characters");
    }
    String s = raw.strip().toLowerCase(Locale.ROOT);
    if (s.isEmpty() || s.length() > MAX_EMAIL) {
      throw new InvalidInput("email", "1 to " + MAX_EMAIL + " characters");
    }
    int at = s.indexOf('@');
    if (at < 1 || at != s.lastIndexOf('@')) {
      throw new InvalidInput("email", "one @ between a local part and a domain");
    }
    String local = s.substring(0, at);
    String domain = s.substring(at + 1);
    if (!LOCAL.matcher(local).matches()
        || local.startsWith(".")
        || local.endsWith(".")
        || local.contains("..")
        || !DOMAIN.matcher(domain).matches()) {
      throw new InvalidInput("email", "not a valid address");
    }
    return s;
  }
}
