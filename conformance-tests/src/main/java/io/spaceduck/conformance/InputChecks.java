package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.InvalidInput;
import java.text.Normalizer;

/**
 * What the engine promises about hostile input, as assertions the kit and the engine's own tests
 * share: a refusal names the field and a plain rule without echoing the value (D2), and an accepted
 * name is clean. Stateless.
 */
public final class InputChecks {
  private InputChecks() {}

  /** The refusal names the field, states a plain rule, and does not echo the value (D2). */
  public static void assertNamesFieldOnly(InvalidInput e, String field, String value) {
    assertEquals(field, e.field());
    assertEquals(ErrorCode.INVALID_INPUT, e.code());
    String m = e.getMessage();
    assertTrue(m.startsWith(field + ": "), m);
    String rule = m.substring(field.length() + 2);
    assertTrue(rule.matches("[\\x20-\\x7E]{1,100}"), "a short plain-ASCII rule: " + rule);
    String v = value.strip();
    if (v.length() >= 6) {
      assertFalse(m.contains(v), "the message echoes the value");
    }
  }

  /** What an accepted name must look like: normalised, trimmed, 1–64 code points, nothing invisible. */
  public static void assertCleanName(String name) {
    assertEquals(Normalizer.normalize(name, Normalizer.Form.NFC), name);
    assertEquals(name.strip(), name);
    int count = name.codePointCount(0, name.length());
    assertTrue(count >= 1 && count <= 64, "1-64 code points: " + count);
    name.codePoints()
        .forEach(
            cp -> {
              int type = Character.getType(cp);
              assertFalse(
                  type == Character.CONTROL
                      || type == Character.FORMAT
                      || type == Character.SURROGATE
                      || type == Character.PRIVATE_USE
                      || type == Character.UNASSIGNED
                      || type == Character.LINE_SEPARATOR
                      || type == Character.PARAGRAPH_SEPARATOR,
                  "forbidden code point U+" + Integer.toHexString(cp));
            });
  }
}
