package io.spaceduck.api;

import java.util.Objects;

/**
 * A checkpoint of the audit tree signed by the engine's checkpoint key: {@link #note()} is the C2SP
 * signed note to hand to verifiers and witnesses ({@code docs/audit-format.md}, "Checkpoints").
 */
public record SignedCheckpoint(Checkpoint checkpoint, SignedNote note) {
  public SignedCheckpoint {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(note, "note");
    if (!note.text().equals(checkpoint.body())) {
      throw new IllegalArgumentException("the note's text is not the checkpoint's body");
    }
  }

  /** Parses a signed checkpoint note (checks no signature). */
  public static SignedCheckpoint parse(String note) {
    SignedNote n = SignedNote.parse(note);
    return new SignedCheckpoint(Checkpoint.parse(n.text()), n);
  }

  @Override
  public String toString() {
    return note.format();
  }
}
