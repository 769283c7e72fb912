package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Hash;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.RecordCodec;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/**
 * Hostile input through the record codecs, which every backend stores through: every table's values
 * round-trip through encode and decode; bytes that are not an encoding (garbage, truncations, a
 * trailing byte, an unknown format byte, a flipped bit) fail only with {@link
 * io.spaceduck.storage.StorageException}, never another exception (codec); a string that is not
 * well-formed UTF-16 is refused or kept exactly, never silently replaced — in an audit draft its hash
 * still tells it apart from its replacement (codec, A3). Needs no store. Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface CodecContract extends StorageConcern {
  /** One value of every table. */
  @Provide
  default Arbitrary<List<TableValue<?>>> onePerTable() {
    return StorageArbitraries.onePerTable();
  }

  /** For every table of {@link Tables#ALL}, {@code decode(encode(v))} equals {@code v}. */
  @Property(tries = 100)
  @Tag("codec")
  @Label("codec every table's values round-trip through encode and decode")
  default void codecs_roundTrip(@ForAll("onePerTable") List<TableValue<?>> values) {
    assertEquals(Tables.ALL.size(), values.size(), "one value per table");
    for (TableValue<?> v : values) {
      Object decoded = roundTrip(v);
      assertEquals(v.value(), decoded, "round trip of " + v.table());
      assertEquals(v.key(), keyOfRaw(v.table(), decoded), "primary key after round trip of " + v.table());
    }
  }

  /**
   * Decoding bytes that are not an encoding — random garbage, every truncation of a valid encoding, a
   * valid encoding with a trailing byte or an unknown format byte — throws {@link StorageException},
   * never another exception; a flipped bit either decodes or throws {@link StorageException}.
   */
  @Property(tries = 100)
  @Tag("codec")
  @Label("codec corrupt bytes fail with StorageException only")
  default void codecs_refuseCorruptBytes(
      @ForAll("onePerTable") List<TableValue<?>> values,
      @ForAll("garbage") byte[] garbage,
      @ForAll @IntRange(min = 0, max = 10_000) int flipAt,
      @ForAll @IntRange(min = 0, max = 7) int flipBit) {
    for (TableValue<?> v : values) {
      RecordCodec<?> codec = v.table().codec();
      String t = v.table().name();
      decodesOrStorageException(codec, garbage, t + ": garbage");
      byte[] valid = encodeRaw(v);
      for (int n = 0; n < valid.length; n++) {
        byte[] cut = Arrays.copyOf(valid, n);
        assertThrows(StorageException.class, () -> codec.decode(cut), t + ": truncated to " + n + " of " + valid.length);
      }
      byte[] longer = Arrays.copyOf(valid, valid.length + 1);
      assertThrows(StorageException.class, () -> codec.decode(longer), t + ": trailing byte");
      byte[] format = valid.clone();
      format[0] = (byte) (format[0] + 1 + flipBit);
      assertThrows(StorageException.class, () -> codec.decode(format), t + ": unknown format byte");
      byte[] flipped = valid.clone();
      flipped[flipAt % flipped.length] ^= (byte) (1 << flipBit);
      decodesOrStorageException(codec, flipped, t + ": flipped bit");
    }
  }

  /** Random bytes, sometimes starting with the format byte 1 so the decoder gets further. */
  @Provide
  default Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return Arbitraries.oneOf(raw, raw.map(b -> {
      byte[] out = new byte[b.length + 1];
      out[0] = 1;
      System.arraycopy(b, 0, out, 1, b.length);
      return out;
    }));
  }

  private static void decodesOrStorageException(RecordCodec<?> codec, byte[] bytes, String what) {
    try {
      assertNotNull(codec.decode(bytes), what + " decoded to null");
    } catch (StorageException expected) {
      // the only allowed failure
    } catch (RuntimeException e) {
      fail(what + " threw " + e.getClass().getName() + " instead of StorageException", e);
    }
  }

  /** Malformed strings, i.e. with unpaired surrogates. */
  @Provide
  default Arbitrary<String> malformedStrings() {
    return StorageArbitraries.malformedStrings();
  }

  /**
   * A string that is not well-formed UTF-16 (an unpaired surrogate) is either refused at encode with
   * {@link IllegalArgumentException} or round-trips exactly; it is never silently replaced. In an
   * audit draft it is refused, or the chain's hash still tells it apart from its replacement (A3).
   */
  @Property(tries = 100)
  @Tag("codec")
  @Tag("A3")
  @Label("codec A3 malformed strings are refused or kept exactly, never replaced")
  default void codecs_neverCorruptMalformedStrings(@ForAll("malformedStrings") String text) {
    List<TableValue<?>> values =
        List.of(
            new TableValue<>(Tables.META, new MetaRecord("conformance.text", text)),
            new TableValue<>(
                Tables.IDENTITIES,
                new Duckling(
                    new DucklingId("dk_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
                    text,
                    Tier.T1,
                    Set.of(),
                    IdentityStatus.ACTIVE,
                    Instant.EPOCH,
                    new CertId("ct_aaaaaaaaaaaaaaaaaaaaaaaaaa"))),
            new TableValue<>(Tables.PECKS, closedPeck(text)));
    for (TableValue<?> v : values) {
      byte[] bytes;
      try {
        bytes = encodeRaw(v);
      } catch (IllegalArgumentException refused) {
        continue;
      }
      Object decoded;
      try {
        decoded = v.table().codec().decode(bytes);
      } catch (StorageException refused) {
        fail(v.table() + ": encode accepted a malformed string that decode then refuses", refused);
        return;
      }
      assertEquals(v.value(), decoded, v.table() + ": a malformed string was silently altered");
    }
    AuditDraft draft;
    try {
      draft = malformedDraft(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    String replaced = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertNotEquals(
        AuditChain.link(draft, 1, Hash.ZERO).hash(),
        AuditChain.link(malformedDraft(replaced), 1, Hash.ZERO).hash(),
        "an audit draft with a malformed string hashes like its replacement: tampering would go unseen");
  }

  /** A closed peck whose free-text closer is {@code closedBy}. */
  private static Peck closedPeck(String closedBy) {
    Instant at = StorageArbitraries.AUDIT_EPOCH;
    return new Peck(
            new PeckId("pk_aaaaaaaaaaaaaaaa"), new AgentId("ag_" + "b".repeat(26)), new DucklingId("dk_" + "c".repeat(26)),
            Optional.empty(), new AgentId("ag_" + "d".repeat(26)), new CertId("ct_" + "e".repeat(26)),
            new DucklingId("dk_" + "f".repeat(26)), Set.of("chat:read"), Duration.ofHours(1), PeckState.REQUESTED, at,
            at.plus(Duration.ofDays(1)), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())
        .ended(PeckState.CLOSED, closedBy, ReasonCode.NONE, Optional.empty());
  }

  private static AuditDraft malformedDraft(String text) {
    return AuditDraft.of(
        "conformance.text",
        AuditEvent.SYSTEM_ACTOR,
        text,
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH,
        "conformance",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of("text", text));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] encodeRaw(TableValue<?> v) {
    return ((RecordCodec) v.table().codec()).encode(v.value());
  }

  private static Object roundTrip(TableValue<?> v) {
    return v.table().codec().decode(encodeRaw(v));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static String keyOfRaw(Table<?> t, Object value) {
    return ((Table) t).keyOf(value);
  }
}
