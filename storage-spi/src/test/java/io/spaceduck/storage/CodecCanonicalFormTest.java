package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.CertId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.Role;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Decoding accepts only what encoding writes (one stored form is one record). Each case takes a real
 * encoding and changes one field to a form {@code encode} never writes but a lenient reader took for
 * the same value: before the fix each decoded, and re-encoded to other bytes (RecordCodecsFuzzTest's
 * first findings, docs/fuzzing.md).
 */
class CodecCanonicalFormTest {
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
  private static final DucklingId OP = new DucklingId("dk_" + "a".repeat(26));
  private static final AgentId AGENT = new AgentId("ag_" + "b".repeat(26));

  private static StandingRule rule(Set<String> scope) {
    return new StandingRule(new RuleId("sr_" + "c".repeat(26)), OP, AGENT, scope, Duration.ofMinutes(30), AT, true);
  }

  private static int indexOf(byte[] in, byte[] part, int from) {
    for (int i = from; i <= in.length - part.length; i++) {
      if (ByteBuffer.wrap(in, i, part.length).equals(ByteBuffer.wrap(part))) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  private static void refused(RecordCodec<?> codec, byte[] bytes, String name) {
    StorageException e = assertThrows(StorageException.class, () -> codec.decode(bytes));
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }

  @Test
  void aBooleanOtherThanZeroOrOne_isCorruption() {
    byte[] b = Codecs.RULE.encode(rule(Set.of("chat:read")));
    assertEquals(1, b[b.length - 1], "active is the last byte");
    b[b.length - 1] = 2;
    refused(Codecs.RULE, b, "standing_rule");

    Duckling d = new Duckling(OP, "Olive", Tier.T2, EnumSet.of(Role.ADMIN), IdentityStatus.ACTIVE, AT, new CertId("ct_" + "d".repeat(26)));
    byte[] id = Codecs.IDENTITY.encode(d);
    int admin = indexOf(id, new byte[] {0, 0, 0, 2, 'T', '2'}, 0) + 6; // the byte after the tier
    assertEquals(1, id[admin]);
    id[admin] = (byte) 0x80;
    refused(Codecs.IDENTITY, id, "identity");
  }

  @Test
  void aPresenceByteOtherThanZeroOrOne_isCorruption() {
    byte[] b = Codecs.CONTACT.encode(new ContactRecord(OP, java.util.Optional.empty(), java.util.Optional.empty()));
    b[b.length - 1] = 7; // the encrypted email's presence byte
    refused(Codecs.CONTACT, b, "contact");
  }

  @Test
  void nanosecondsOutOfRange_areCorruption() {
    byte[] b = Codecs.RULE.encode(rule(Set.of("chat:read")));
    // ... | i64 duration seconds | i32 duration nanos | i64 created seconds | i32 created nanos | active
    int createdNanos = b.length - 1 - 4;
    ByteBuffer.wrap(b).putInt(createdNanos, 1_000_000_000); // would normalise to the next second
    refused(Codecs.RULE, b, "standing_rule");

    byte[] c = Codecs.RULE.encode(rule(Set.of("chat:read")));
    int durationNanos = c.length - 1 - 12 - 4;
    ByteBuffer.wrap(c).putInt(durationNanos, -1); // would normalise to one nanosecond less
    refused(Codecs.RULE, c, "standing_rule");
  }

  @Test
  void aScopeNotStrictlyAscending_isCorruption() {
    byte[] sorted = Codecs.RULE.encode(rule(new LinkedHashSet<>(List.of("a:x", "b:y"))));
    int first = indexOf(sorted, "a:x".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    int second = indexOf(sorted, "b:y".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    byte[] swapped = sorted.clone();
    System.arraycopy(sorted, second, swapped, first, 3);
    System.arraycopy(sorted, first, swapped, second, 3);
    refused(Codecs.RULE, swapped, "standing_rule");
    byte[] duplicate = sorted.clone();
    System.arraycopy(sorted, first, duplicate, second, 3);
    refused(Codecs.RULE, duplicate, "standing_rule");
    assertEquals(rule(Set.of("a:x", "b:y")), Codecs.RULE.decode(sorted));
  }
}
