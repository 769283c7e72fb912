package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target (docs/fuzzing.md): the transparency text formats a verifier or a witness reads from
 * outside — C2SP {@link SignedNote}, {@link Checkpoint} bodies and {@link SignedCheckpoint} — on
 * arbitrary text (the input read as UTF-8 and as UTF-16, the second reaching unpaired surrogates).
 * The contract: each parser refuses with a plain {@link IllegalArgumentException} (not a subclass
 * such as {@code NumberFormatException}, whose message is the JDK's, not ours) and nothing else; what
 * it accepts is canonical — a checkpoint's body and a note's format are exactly the text they were
 * parsed from (one text per value: standard padded base64 with no stray bits, decimals without leading
 * zeros), and a signed checkpoint's note text is its body.
 */
class SignedCheckpointFuzzTest {
  @FuzzTest
  void transparencyTextIsRefusedPlainlyOrCanonical(byte[] data) {
    check(new String(data, StandardCharsets.UTF_8));
    check(new String(data, StandardCharsets.UTF_16BE));
  }

  private static void check(String s) {
    Checkpoint cp = PlainRefusal.parsed(Checkpoint::parse, s);
    if (cp != null) {
      assertEquals(s, cp.body(), "a checkpoint is parsed only from its own body");
      assertEquals(cp, Checkpoint.parse(cp.body()));
    }
    SignedNote note = PlainRefusal.parsed(SignedNote::parse, s);
    if (note != null) {
      assertEquals(s, note.format(), "a note is parsed only from its own format");
      assertEquals(note, SignedNote.parse(note.format()));
    }
    SignedCheckpoint signed = PlainRefusal.parsed(SignedCheckpoint::parse, s);
    if (signed != null) {
      assertEquals(signed.checkpoint().body(), signed.note().text());
      assertEquals(signed, SignedCheckpoint.parse(signed.note().format()));
    }
  }
}
