package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.Email;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * Tampering with a real MapDB store file (issue 20): an engine on {@code mapdb:<file>} keeps its
 * checkpoint in {@code <file>.checkpoint} by default, and the next open refuses a store whose audit log
 * was cut back — events (whose records carry the audit tree's nodes) and the recorded head, edited
 * consistently with MapDB itself, as someone with the file would — or replaced by another history
 * signed with another key; and a file cut back, its kept checkpoint dropped and grown another way (a
 * fork) is refused by the witnesses that saw either branch. The names below are those of the MapDB store's format 4 ({@code
 * docs/storage.md}).
 */
@Tag("A3")
class MapDbTamperTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private static SpaceDuckBuilder builder(KekSource kek) {
    return builder(kek, null);
  }

  private static SpaceDuckBuilder builder(KekSource kek, String origin) {
    SpaceDuckBuilder b =
        SpaceDuck.builder()
            .kek(kek)
            .humanCheck((token, source) -> true)
            .verificationDelivery((email, hatch, code, expires) -> {});
    return origin == null ? b : b.checkpointOrigin(origin);
  }

  /** An engine on {@code file}: an admin, {@code bonds} bonds and a checkpoint asked for. Returns the event count. */
  private static long populate(String uri, KekSource kek, String origin, int bonds) {
    try (SpaceDuck duck = builder(kek, origin).storageUri(uri).build()) {
      BeakKey admin = duck.admin().bootstrap("Ada", Email.of("ada@example.org")).key().key();
      for (int i = 0; i < bonds; i++) {
        duck.bonds().bond(admin, "scout" + i, Tier.T1);
      }
      duck.audit().checkpoint(admin);
    }
    try (Storage s = Storages.open(uri, Map.of())) {
      return s.auditHead().orElseThrow().seq();
    }
  }

  @Test
  void aMapDbFileCutBackWithItsHeadRewound_isRefusedOnTheNextOpen() {
    Path file = dir.resolve("duck.db");
    String uri = "mapdb:" + file;
    KekSource kek = TestEngine.newKek();
    long size = populate(uri, kek, null, 3);
    long keep = size - 2;
    String keptHead;
    try (Storage s = Storages.open(uri, Map.of())) {
      keptHead = s.auditRange(keep, 1).get(0).head().toString();
    }
    // the attacker deletes the newest events with MapDB (and with them the tree nodes they completed:
    // a node is stored in the record of its last leaf's event) and rewinds the head
    cutBack(file, keep, size, keptHead);
    try (Storage s = Storages.open(uri, Map.of())) {
      assertEquals(keep, s.auditHead().orElseThrow().seq(), "the store itself opens: the edit is consistent");
    }
    Unavailable refused = assertThrows(Unavailable.class, () -> builder(kek).storageUri(uri).build().close());
    assertTrue(refused.getMessage().contains("holds " + keep + " audit events but the checkpoint kept in")
        && refused.getMessage().contains("duck.db.checkpoint")
        && refused.getMessage().contains("has " + size)
        && refused.getMessage().contains("truncated"), refused.getMessage());
  }

  /** Deletes the events after {@code keep} (of {@code size}) from a closed store file and sets its head to {@code keptHead}, as MapDB itself would. */
  private static void cutBack(Path file, long keep, long size, String keptHead) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<Long, byte[]> audit = db.treeMap("audit", Serializer.LONG, Serializer.BYTE_ARRAY).open();
      for (long seq = keep + 1; seq <= size; seq++) {
        audit.remove(seq);
      }
      db.treeMap("store.meta", Serializer.STRING, Serializer.STRING).open().put("audit_head", keptHead);
      db.commit();
    } finally {
      db.close();
    }
  }

  @Test
  void aForkOfAMapDbFileShownToTwoWitnesses_isRefusedByEach() throws IOException {
    Path file = dir.resolve("fork").resolve("duck.db");
    Files.createDirectories(file.getParent());
    String uri = "mapdb:" + file;
    KekSource kek = TestEngine.newKek();
    BeakKey admin;
    SignedCheckpoint a;
    List<String> vkeys;
    try (SpaceDuck duck = builder(kek).storageUri(uri).build()) {
      admin = duck.admin().bootstrap("Ada", Email.of("ada@example.org")).key().key();
      for (int i = 0; i < 3; i++) {
        duck.bonds().bond(admin, "scout" + i, Tier.T1);
      }
      a = duck.audit().checkpoint(admin);
      vkeys = duck.audit().verifierKeys();
    }
    long sizeA = a.checkpoint().size();
    OfflineAuditVerifier log = OfflineAuditVerifier.forVerifierKeys(vkeys);
    OfflineAuditVerifier.Witness w1 = log.witness(dir.resolve("w1"), "witness.example/one", CLOCK);
    OfflineAuditVerifier.Witness w2 = log.witness(dir.resolve("w2"), "witness.example/two", CLOCK);
    w1.cosign(a.note().format(), Optional.empty());

    // someone with the host cuts the file back by two events, drops the kept checkpoint beside it (the
    // engine would refuse the file otherwise), and the log grows another way, signed by its own key
    String keptHead;
    try (Storage s = Storages.open(uri, Map.of())) {
      keptHead = s.auditRange(sizeA - 2, 1).get(0).head().toString();
    }
    cutBack(file, sizeA - 2, sizeA, keptHead);
    Files.delete(dir.resolve("fork").resolve("duck.db.checkpoint"));
    SignedCheckpoint b;
    ConsistencyProof bFromA;
    try (SpaceDuck duck = builder(kek).storageUri(uri).build()) {
      for (int i = 0; i < 3; i++) {
        duck.bonds().bond(admin, "other" + i, Tier.T1);
      }
      b = duck.audit().checkpoint(admin);
      bFromA = duck.audit().consistencyProof(admin, sizeA, b.checkpoint().size());
    }
    long sizeB = b.checkpoint().size();
    assertTrue(sizeB > sizeA, "branch B is longer");
    w2.cosign(b.note().format(), Optional.empty()); // w2 sees only branch B: accepted

    Conflict toW1 = assertThrows(Conflict.class, () -> w1.cosign(b.note().format(), Optional.of(bFromA)));
    assertTrue(toW1.getMessage().contains("is not consistent with the checkpoint of size " + sizeA)
        && toW1.getMessage().contains("a fork or a rewritten log"), toW1.getMessage());
    Conflict toW2 = assertThrows(Conflict.class, () -> w2.cosign(a.note().format(), Optional.empty()));
    assertTrue(toW2.getMessage().contains("is older than the checkpoint of size " + sizeB), toW2.getMessage());
  }

  @Test
  void aMapDbFileReplacedByAnotherHistorySignedWithAnotherKey_isRefusedOnTheNextOpen() throws IOException {
    // the attacker even claims the store's origin: the kept checkpoint is signed by no key of the copy
    Unavailable sameOrigin = replacedByAnotherHistory("same", "audit.example.org/duck");
    assertTrue(sameOrigin.getMessage().contains("is not signed by a checkpoint key of this store")
        && sameOrigin.getMessage().contains("duck.db.checkpoint"), sameOrigin.getMessage());
    // with the default (random) origins the copy is of another log
    Unavailable defaultOrigin = replacedByAnotherHistory("default", null);
    assertTrue(defaultOrigin.getMessage().contains("is of another log"), defaultOrigin.getMessage());
  }

  /** A store file replaced by another store's file (another KEK, a longer history), its checkpoint file left. */
  private Unavailable replacedByAnotherHistory(String name, String origin) throws IOException {
    Path file = Files.createDirectories(dir.resolve(name)).resolve("duck.db");
    String uri = "mapdb:" + file;
    KekSource kek = TestEngine.newKek();
    populate(uri, kek, origin, 1);
    Path other = Files.createDirectories(dir.resolve(name + "-other")).resolve("duck.db");
    KekSource otherKek = TestEngine.newKek();
    populate("mapdb:" + other, otherKek, origin, 4);
    Files.copy(other, file, StandardCopyOption.REPLACE_EXISTING);
    return assertThrows(Unavailable.class, () -> builder(otherKek, origin).storageUri(uri).build().close());
  }
}
