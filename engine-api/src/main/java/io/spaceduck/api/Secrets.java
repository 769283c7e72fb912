package io.spaceduck.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Constant-time comparison shared by the secret types. */
final class Secrets {
  private Secrets() {}

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
