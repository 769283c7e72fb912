package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spaceduck.api.Email;
import io.spaceduck.api.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Fuzz target (docs/fuzzing.md): display names and email addresses ({@link Inputs#name}, {@link
 * Inputs#email}) on arbitrary text, read both as UTF-8 and as UTF-16 (the second reaches unpaired
 * surrogates). The contract: a refusal is {@link InvalidInput} naming the field, never another
 * exception or a hang (the domain pattern is a regular expression: a catastrophic backtrack would
 * show as a timeout); an accepted value is in the documented form — a name NFC, trimmed, 1–64 code
 * points with no control, format, unassigned, private-use or surrogate character; an email lowercase
 * ASCII of at most 254 characters with exactly one {@code @} — and normalising it again changes
 * nothing (one stored form per value).
 */
class UserTextFuzzTest {
  @FuzzTest
  void namesAndEmailsRefusedOrNormalised(byte[] data) {
    check(new String(data, StandardCharsets.UTF_8));
    check(new String(data, StandardCharsets.UTF_16BE));
  }

  private static void check(String raw) {
    String name;
    try {
      name = Inputs.name("displayName", raw);
    } catch (InvalidInput e) {
      assertEquals("displayName", e.field());
      name = null;
    }
    if (name != null) {
      assertEquals(name, Normalizer.normalize(name, Normalizer.Form.NFC));
      assertEquals(name, name.strip());
      int n = name.codePointCount(0, name.length());
      assertTrue(n >= 1 && n <= Inputs.MAX_NAME, "code points: " + n);
      name.codePoints().forEach(cp -> {
        int t = Character.getType(cp);
        assertTrue(t != Character.CONTROL && t != Character.FORMAT && t != Character.SURROGATE
            && t != Character.PRIVATE_USE && t != Character.UNASSIGNED, "character type " + t);
      });
      assertEquals(name, Inputs.name("displayName", name), "normalising a name twice changes it");
    }

    String email;
    try {
      email = Inputs.email(Email.of(raw));
    } catch (InvalidInput e) {
      assertEquals("email", e.field());
      return;
    }
    assertTrue(email.length() <= Inputs.MAX_EMAIL && !email.isEmpty());
    assertTrue(email.chars().allMatch(c -> c > 0x20 && c < 0x7f), "not printable ASCII");
    assertEquals(email, email.toLowerCase(java.util.Locale.ROOT));
    assertEquals(email.indexOf('@'), email.lastIndexOf('@'));
    assertEquals(email, Inputs.email(Email.of(email)), "normalising an email twice changes it");
  }
}
