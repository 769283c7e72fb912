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

  /** Time-ordered (for stable inbox paging): 64 bits of epoch millis, then 80 random bits. */
  io.spaceduck.api.PeckId peckId(java.time.Instant now) {
    byte[] b = new byte[18];
    java.nio.ByteBuffer.wrap(b).putLong(now.toEpochMilli());
    byte[] r = new byte[10];
    random.nextBytes(r);
    System.arraycopy(r, 0, b, 8, 10);
    return new io.spaceduck.api.PeckId(io.spaceduck.api.PeckId.PREFIX + BASE32.encode(b));
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
