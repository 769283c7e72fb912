package io.spaceduck.storage.mapdb;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditDraft;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Well-formed values for the MapDB tests and the crash child. */
final class Fixtures {
  private Fixtures() {}

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  /** A 16-character id body ({@code [a-z2-7]}) for a non-negative number, distinct per number. */
  static String body(long n) {
    char[] c = new char[16];
    long v = n;
    for (int i = 15; i >= 0; i--) {
      c[i] = BASE32.charAt((int) (v & 31));
      v >>>= 5;
    }
    return new String(c);
  }

  static DucklingId operator(long n) {
    return new DucklingId(DucklingId.PREFIX + body(n));
  }

  static AgentId agent(long n) {
    return new AgentId(AgentId.PREFIX + body(n));
  }

  static Bond bond(long n, DucklingId operator) {
    return new Bond(
        new BondId(BondId.PREFIX + body(n)), agent(n), operator, "agent " + n, T0, BondStatus.ACTIVE, Optional.empty());
  }

  static AuditDraft draft(String action, String resource, Map<String, String> details) {
    return AuditDraft.of(
        action, AuditEvent.SYSTEM_ACTOR, resource, Optional.empty(), T0, "test", ReasonCode.NONE, AuditOutcome.SUCCESS, details);
  }
}
