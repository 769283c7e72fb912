package io.spaceduck.storage.mapdb;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Hash;
import io.spaceduck.conformance.StorageArbitraries;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.Codecs;
import io.spaceduck.storage.RecordCodec;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;

/**
 * Writes the seed corpora of the byte-level fuzz targets (docs/fuzzing.md) from real encoded records:
 * {@code RecordCodecsFuzzTest} (storage-spi), {@link AuditCodecFuzzTest} and {@link
 * JournalReplayFuzzTest}. Skipped unless {@code -Dspaceduck.fuzz.writeSeeds=true}; run it from the
 * storage-mapdb directory after a codec or journal format change, and commit what it writes:
 *
 * <pre>mvn -o -B -ntp verify -pl storage-mapdb -am -Dtest=FuzzSeedCorpusTest -Dsurefire.failIfNoSpecifiedTests=false -Dspaceduck.fuzz.writeSeeds=true -Dspaceduck.fuzz.skip=true</pre>
 */
@EnabledIfSystemProperty(named = "spaceduck.fuzz.writeSeeds", matches = "true")
class FuzzSeedCorpusTest {
  private static final int PER_CODEC = 3;

  @TempDir Path tmp;

  @Test
  void writeSeeds() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path codecs = root.resolve("storage-spi/src/test/resources/io/spaceduck/storage/RecordCodecsFuzzTestInputs/decodeRefusesOrRoundTrips");
    // the order of RecordCodecsFuzzTest.CODECS: the first byte picks the codec
    List<Table<?>> tables = List.of(Tables.IDENTITIES, Tables.CONTACTS, Tables.KEYS, Tables.BONDS, Tables.CERTIFICATES,
        Tables.HATCHES, Tables.KEYSETS, Tables.META, Tables.PECKS, Tables.RULES, Tables.BLOCKS);
    Files.createDirectories(codecs);
    for (int i = 0; i < tables.size(); i++) {
      for (int n = 0; n < PER_CODEC; n++) {
        write(codecs.resolve(tables.get(i).name() + "-" + n), (byte) i, encode(tables.get(i)));
      }
    }
    AgentId agent = StorageArbitraries.agentIds().sample();
    DucklingId operator = StorageArbitraries.ducklingIds().sample();
    for (int n = 0; n < PER_CODEC; n++) {
      write(codecs.resolve("pulse-" + n), (byte) 11, Codecs.PULSE.encode(StorageArbitraries.pulsesOf(agent, operator).sample()));
    }

    Path audit = root.resolve("storage-mapdb/src/test/resources/io/spaceduck/storage/mapdb/AuditCodecFuzzTestInputs/decodeRefusesOrRoundTrips");
    Files.createDirectories(audit);
    for (int n = 0; n < 6; n++) {
      var event = AuditChain.link(StorageArbitraries.auditDrafts().sample(), n + 1, Hash.ZERO);
      write(audit.resolve("event-" + n), (byte) 0, AuditCodec.encode(event));
    }

    Path journal = root.resolve("storage-mapdb/src/test/resources/io/spaceduck/storage/mapdb/JournalReplayFuzzTestInputs/replayAppliesCompleteEntriesOrRefuses");
    Files.createDirectories(journal);
    byte[] one = journalOfCommits(1);
    byte[] two = journalOfCommits(2);
    write(journal.resolve("one-entry"), (byte) 0, one);
    write(journal.resolve("two-entries"), (byte) 0, two);
    write(journal.resolve("torn-second-entry"), (byte) 0, Arrays.copyOf(two, one.length + (two.length - one.length) / 2));
    // the entry without CRC and end marker: the harness seals it (odd first byte)
    write(journal.resolve("one-entry-unsealed"), (byte) 1, Arrays.copyOf(one, one.length - 8));
  }

  private static <V> byte[] encode(Table<V> table) {
    RecordCodec<V> codec = table.codec();
    return codec.encode(StorageArbitraries.valuesOf(table).sample());
  }

  private static void write(Path file, byte first, byte[] body) throws IOException {
    byte[] b = new byte[body.length + 1];
    b[0] = first;
    System.arraycopy(body, 0, b, 1, body.length);
    Files.write(file, b);
  }

  /** A journal of {@code commits} commits on JournalReplayFuzzTest's base file, left unreplayed (a crash before the copy). */
  private byte[] journalOfCommits(int commits) throws IOException {
    Path file = tmp.resolve("seed-" + commits + ".db");
    Files.write(file, JournalReplayFuzzTest.BASE);
    Path jpath = JournaledVolume.journalOf(file);
    Volume raw = RandomAccessFileVol.FACTORY.makeVolume(file.toString(), false, 0L, 20, 0L, false);
    JournaledVolume v = JournaledVolume.open(raw, jpath);
    List<Integer> offsets = new ArrayList<>(List.of(8, JournaledVolume.PAGE - 3, 2 * JournaledVolume.PAGE + 100));
    for (int c = 0; c < commits; c++) {
      v.ensureAvailable(5L * JournaledVolume.PAGE);
      for (int o : offsets) {
        v.putLong(o + c, 0x1122334455667788L + c);
      }
      v.putByte(4L * JournaledVolume.PAGE + 7 + c, (byte) (5 + c));
      if (c == commits - 1) {
        v.crashAfterRanges = 0; // the journal entry is durable, the copy into the file stops at once
        try {
          v.sync();
        } catch (IllegalStateException injected) {
          // as in JournaledVolumeTest: the crash we asked for
        }
      } else {
        v.sync();
      }
    }
    v.close();
    return Files.readAllBytes(jpath);
  }
}
