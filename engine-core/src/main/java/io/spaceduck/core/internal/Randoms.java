package io.spaceduck.core.internal;

import com.google.common.io.BaseEncoding;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.BondId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.KeyId;
import java.security.SecureRandom;

/** Ids, key secrets and codes from the injected {@link SecureRandom}. Thread-safe. */
final class Randoms {
  static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();
  private final SecureRandom random;

  Randoms(SecureRandom random) {
    this.random = random;
  }

  /** 128 random bits as 26 lowercase base32 characters. */
  private String body() {
    return base32(16);
  }

  String base32(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return BASE32.encode(b);
  }

  DucklingId ducklingId() {
    return new DucklingId(DucklingId.PREFIX + body());
  }

  AgentId agentId() {
    return new AgentId(AgentId.PREFIX + body());
  }

  BondId bondId() {
    return new BondId(BondId.PREFIX + body());
  }

  CertId certId() {
    return new CertId(CertId.PREFIX + body());
  }

  HatchId hatchId() {
    return new HatchId(HatchId.PREFIX + body());
  }

  /** RFC 4648 base32 digits in value order, and the same 32 characters in ASCII order. */
  private static final String RFC_ORDER = "abcdefghijklmnopqrstuvwxyz234567";
  private static final String SORTED_ORDER = "234567abcdefghijklmnopqrstuvwxyz";

  /**
   * Time-ordered (for stable inbox paging): 64 bits of epoch millis, then 80 random bits. The inbox
   * sorts and pages by the id <em>string</em>, so the digits are written with the base32 alphabet
   * rearranged into ASCII order ({@code 2–7} before {@code a–z}): with RFC 4648 order a later peck
   * could sort before an earlier one and be skipped by a poller's cursor (P3).
   */
  io.spaceduck.api.PeckId peckId(java.time.Instant now) {
    byte[] b = new byte[18];
    java.nio.ByteBuffer.wrap(b).putLong(now.toEpochMilli());
    byte[] r = new byte[10];
    random.nextBytes(r);
    System.arraycopy(r, 0, b, 8, 10);
    char[] digits = BASE32.encode(b).toCharArray();
    for (int i = 0; i < digits.length; i++) {
      digits[i] = SORTED_ORDER.charAt(RFC_ORDER.indexOf(digits[i]));
    }
    return new io.spaceduck.api.PeckId(io.spaceduck.api.PeckId.PREFIX + new String(digits));
  }

  io.spaceduck.api.RuleId ruleId() {
    return new io.spaceduck.api.RuleId(io.spaceduck.api.RuleId.PREFIX + body());
  }

  /** 128 random bits for a token id. */
  String tokenId() {
    return body();
  }

  /** 80 random bits: the public part of a key, unique enough for a primary key. */
  KeyId keyId() {
    return new KeyId(base32(10));
  }

  /** 256 random bits (K1): 52 base32 characters. */
  String keySecret() {
    return base32(32);
  }

  /** A six-digit code, uniformly distributed. */
  String sixDigitCode() {
    return String.format("%06d", random.nextInt(1_000_000));
  }
}
