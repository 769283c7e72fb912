package io.spaceduck.storage;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Strict UTF-8 for stores: text with an unpaired surrogate has no UTF-8 form and is refused, never
 * turned into {@code ?} (the bytes of a real {@code ?}), so one encoding always means one text. An
 * unpaired surrogate is the only thing that makes a Java string malformed: once a scan has found none,
 * {@link String#getBytes} gives exactly a strict {@code CharsetEncoder}'s bytes, without building one
 * per call (which was a tenth of the JDBC group commit's CPU). Stateless.
 */
public final class Utf8 {
  private Utf8() {}

  /** Whether {@code s} holds no unpaired surrogate. */
  public static boolean wellFormed(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return false;
        }
      }
    }
    return true;
  }

  /** The UTF-8 bytes of {@code s}; empty if it holds an unpaired surrogate. */
  public static Optional<byte[]> encode(String s) {
    return wellFormed(s) ? Optional.of(s.getBytes(StandardCharsets.UTF_8)) : Optional.empty();
  }
}
