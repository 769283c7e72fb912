package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
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
import java.util.Map;
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
 * signed with another key. The names below are those of the MapDB store's format 4 ({@code
 * docs/storage.md}).
 */
@Tag("A3")
class MapDbTamperTest {
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
    try (Storage s = Storages.open(uri, Map.of())) {
      assertEquals(keep, s.auditHead().orElseThrow().seq(), "the store itself opens: the edit is consistent");
    }
    Unavailable refused = assertThrows(Unavailable.class, () -> builder(kek).storageUri(uri).build().close());
    assertTrue(refused.getMessage().contains("holds " + keep + " audit events but the checkpoint kept in")
        && refused.getMessage().contains("duck.db.checkpoint")
        && refused.getMessage().contains("has " + size)
        && refused.getMessage().contains("truncated"), refused.getMessage());
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
