package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.Bond;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record cache of {@link MapDbStorage} (class comment, "The record cache"): what it holds, and the
 * cases the conformance kit's {@code ReadAfterCommitContract} cannot force — a reader descheduled between
 * its B-tree read and its cache put while a unit commits, a failed unit, a failed commit, a reopen.
 */
class MapDbStorageCacheTest {
  private static final DucklingId OPERATOR = Fixtures.operator(1);

  @TempDir Path dir;
  private Path file;
  private MapDbStorage store;
  private ExecutorService pool;

  @BeforeEach
  void open() {
    file = dir.resolve("cache.db");
    store = MapDbStorage.open(file);
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void close() {
    pool.shutdownNow();
    store.close();
  }

  private void insert(Bond b) {
    store.execute(tx -> {
      tx.insert(Tables.BONDS, b);
      return null;
    });
  }

  private void revoke(Versioned<Bond> current) {
    store.execute(tx -> {
      tx.update(Tables.BONDS, current, revoked(current.value()));
      return null;
    });
  }

  private static Bond revoked(Bond b) {
    return b.revoked(new Revocation(OPERATOR, Fixtures.T0, ReasonCode.COMPROMISED));
  }

  /** A seam that, on its first call only, says it was reached and waits until {@code resume}: a descheduled reader. */
  private static Runnable holdFirstCall(CountDownLatch reached, CountDownLatch resume) {
    AtomicBoolean first = new AtomicBoolean(true);
    return () -> {
      if (first.getAndSet(false)) {
        reached.countDown();
        try {
          await(resume);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  private static void await(CountDownLatch l) throws InterruptedException {
    assertTrue(l.await(60, TimeUnit.SECONDS), "timed out");
  }

  @Test
  @DisplayName("a read fills the cache; a hit returns the decoded row itself, with no B-tree read")
  void reads_fillTheCache_hitsReturnTheSameRow() {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    assertEquals(0, store.cachedRows(), "a write fills nothing: the cache holds only what readers read");
    Versioned<Bond> first = store.get(Tables.BONDS, b.id().value()).orElseThrow();
    assertEquals(new Versioned<>(b, 1), first);
    assertEquals(1, store.cachedRows());
    assertSame(first, store.get(Tables.BONDS, b.id().value()).orElseThrow(), "served from the cache");
    assertEquals(Optional.empty(), store.get(Tables.BONDS, "bd_none"));
    assertEquals(1, store.cachedRows(), "misses are not cached");
  }

  @Test
  @Tag("I3")
  @DisplayName("I3 a revocation is what the very next read returns, also from another thread, and findBy follows")
  void revocation_isTheNextRead_onAnyThread() throws Exception {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    Versioned<Bond> live = store.get(Tables.BONDS, b.id().value()).orElseThrow(); // cached
    assertEquals(List.of(live), store.findBy(Tables.BONDS_BY_OPERATOR, OPERATOR.value()));
    revoke(live);
    Versioned<Bond> expected = new Versioned<>(revoked(b), 2);
    assertEquals(Optional.of(expected), pool.submit(() -> store.get(Tables.BONDS, b.id().value())).get(60, TimeUnit.SECONDS));
    assertEquals(Optional.of(expected), store.get(Tables.BONDS, b.id().value()));
    assertEquals(List.of(expected), store.findBy(Tables.BONDS_BY_OPERATOR, OPERATOR.value()));
    store.execute(tx -> {
      tx.delete(Tables.BONDS, expected);
      return null;
    });
    assertEquals(Optional.empty(), store.get(Tables.BONDS, b.id().value()), "a deleted row is not served");
    assertEquals(List.of(), store.findBy(Tables.BONDS_BY_OPERATOR, OPERATOR.value()));
  }

  /**
   * The race a read-through cache must not lose: a reader reads the old row from the B-tree, is
   * descheduled before its cache put, and a unit revokes the row meanwhile. Here the reader holds the
   * read lock while descheduled, so the writer waits for it (asserted, no timing); the reader's put of the
   * old row therefore lands before the commit is published, publish drops it, and the read after {@code
   * execute} returned is the revoked row.
   */
  @Test
  @Tag("I3")
  @DisplayName("I3 a reader descheduled between its B-tree read and its cache put cannot put the old row back after the commit")
  void descheduledFill_cannotOutliveTheCommit() throws Exception {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    Versioned<Bond> live = new Versioned<>(b, 1);
    CountDownLatch readerHasReadOld = new CountDownLatch(1);
    CountDownLatch resumeReader = new CountDownLatch(1);
    store.betweenReadAndFill = holdFirstCall(readerHasReadOld, resumeReader);
    Future<Optional<Versioned<Bond>>> reader = pool.submit(() -> store.get(Tables.BONDS, b.id().value()));
    await(readerHasReadOld);
    Future<?> revocation = pool.submit(() -> revoke(live));
    while (!store.writerWaitsForLock() && !revocation.isDone()) {
      Thread.onSpinWait(); // the writer is queued behind the descheduled reader's read lock
    }
    assertTrue(!revocation.isDone(), "the unit cannot complete while a reader is between its read and its put");
    resumeReader.countDown();
    assertEquals(Optional.of(live), reader.get(60, TimeUnit.SECONDS), "the reader read before the commit");
    revocation.get(60, TimeUnit.SECONDS);
    store.betweenReadAndFill = () -> {};
    assertEquals(Optional.of(new Versioned<>(revoked(b), 2)), store.get(Tables.BONDS, b.id().value()));
  }

  /** An agent with its bond and one key, inserted; returns the key id. */
  private String insertChain(Bond b) {
    io.spaceduck.api.Agent agent = new io.spaceduck.api.Agent(b.agent(), b.id(), OPERATOR, "agent", io.spaceduck.api.Tier.T1,
        io.spaceduck.api.IdentityStatus.ACTIVE, Fixtures.T0, new io.spaceduck.api.CertId(io.spaceduck.api.CertId.PREFIX + Fixtures.body(9)));
    io.spaceduck.api.KeyId keyId = new io.spaceduck.api.KeyId(Fixtures.body(77));
    io.spaceduck.storage.KeyRecord key = new io.spaceduck.storage.KeyRecord(
        new io.spaceduck.api.KeyInfo(keyId, agent.id(), Optional.of(b.id()), Fixtures.T0, Optional.empty(), Optional.empty()),
        io.spaceduck.storage.Bytes.of(new byte[] {1, 2, 3}));
    store.execute(tx -> {
      tx.insert(Tables.IDENTITIES, agent);
      tx.insert(Tables.BONDS, b);
      tx.insert(Tables.KEYS, key);
      return null;
    });
    return keyId.value();
  }

  /**
   * The authentication chain cache ({@link AuthenticationChains}): a hit returns the rows the fill read,
   * the very objects; a write to the chain's bond alone — a row the entry is not keyed by — outdates it
   * through the bond's generation, so the next call returns the revoked bond. And the race the kit
   * cannot force: a reader descheduled between its reads and its put, while the bond is revoked, holds
   * the read lock, so the writer waits, publish then outdates what the reader put, and the call after
   * {@code execute} returned sees the revocation.
   */
  @Test
  @Tag("I3")
  @DisplayName("I3 a chain hit returns the cached rows; a bond revoked alone, even while a reader is descheduled in its fill, is the next call's bond")
  void authenticationChain_hitsAndOutdatesByGeneration() throws Exception {
    Bond b = Fixtures.bond(1, OPERATOR);
    String keyId = insertChain(b);
    String decoyIdentity = Fixtures.operator(5).value();
    String decoyBond = Fixtures.bond(6, OPERATOR).id().value();
    io.spaceduck.storage.AuthenticationRows first = store.authenticationRows(keyId, decoyIdentity, decoyBond);
    io.spaceduck.storage.AuthenticationRows again = store.authenticationRows(keyId, decoyIdentity, decoyBond);
    assertSame(first.key().orElseThrow(), again.key().orElseThrow(), "a hit: the key row the fill read");
    assertSame(first.bond().orElseThrow(), again.bond().orElseThrow(), "a hit: the bond row the fill read");
    assertEquals(1, java.util.Objects.requireNonNull(store.chains()).size());

    // the race: the next fill (the entry is outdated by the revocation below) is held between its reads and its put
    revoke(new Versioned<>(b, 1));
    Versioned<Bond> revokedOnce = new Versioned<>(revoked(b), 2);
    assertEquals(Optional.of(revokedOnce), store.authenticationRows(keyId, decoyIdentity, decoyBond).bond(), "bond-only write seen");
    store.execute(tx -> { // back to active, version 3, so that there is something to revoke again
      tx.update(Tables.BONDS, revokedOnce, b);
      return null;
    });
    Versioned<Bond> live = new Versioned<>(b, 3);
    CountDownLatch readerHasRead = new CountDownLatch(1);
    CountDownLatch resumeReader = new CountDownLatch(1);
    java.util.Objects.requireNonNull(store.chains()).betweenReadAndFill = holdFirstCall(readerHasRead, resumeReader);
    Future<io.spaceduck.storage.AuthenticationRows> reader = pool.submit(() -> store.authenticationRows(keyId, decoyIdentity, decoyBond));
    await(readerHasRead);
    Future<?> revocation = pool.submit(() -> revoke(live));
    while (!store.writerWaitsForLock() && !revocation.isDone()) {
      Thread.onSpinWait(); // the writer is queued behind the descheduled reader's read lock
    }
    assertTrue(!revocation.isDone(), "the unit cannot complete while a reader is between its reads and its put");
    resumeReader.countDown();
    assertEquals(Optional.of(live), reader.get(60, TimeUnit.SECONDS).bond(), "the reader read before the commit");
    revocation.get(60, TimeUnit.SECONDS);
    assertEquals(Optional.of(new Versioned<>(revoked(b), 4)), store.authenticationRows(keyId, decoyIdentity, decoyBond).bond());
    assertEquals(Optional.of(new Versioned<>(revoked(b), 4)), pool.submit(() -> store.authenticationRows(keyId, decoyIdentity, decoyBond))
        .get(60, TimeUnit.SECONDS).bond(), "and on another thread");
  }

  /**
   * The same race for a "no row" answer: a reader finds no row for a key, is descheduled before it
   * records the negative entry, and a unit inserts the row meanwhile. The writer waits for the reader's
   * read lock, publish drops the negative entry the reader then put, and the read after {@code execute}
   * returned is the new row — on the reader's thread and the writer's. A cached "no row" read many times
   * first does not outlive the insert either.
   */
  @Test
  @Tag("I3")
  @DisplayName("I3 a cached 'no row' answer, and one put by a reader descheduled across the insert, never hides the inserted row")
  void absentRow_cachedOrRacing_neverHidesTheInsert() throws Exception {
    Bond b = Fixtures.bond(1, OPERATOR);
    String key = b.id().value();
    for (int i = 0; i < 3; i++) {
      assertEquals(Optional.empty(), store.get(Tables.BONDS, key));
    }
    insert(b);
    assertEquals(Optional.of(new Versioned<>(b, 1)), pool.submit(() -> store.get(Tables.BONDS, key)).get(60, TimeUnit.SECONDS));

    Bond c = Fixtures.bond(2, OPERATOR);
    CountDownLatch readerHasReadNothing = new CountDownLatch(1);
    CountDownLatch resumeReader = new CountDownLatch(1);
    store.betweenReadAndFill = holdFirstCall(readerHasReadNothing, resumeReader);
    Future<Optional<Versioned<Bond>>> reader = pool.submit(() -> store.get(Tables.BONDS, c.id().value()));
    await(readerHasReadNothing);
    Future<?> insertion = pool.submit(() -> insert(c));
    while (!store.writerWaitsForLock() && !insertion.isDone()) {
      Thread.onSpinWait();
    }
    assertTrue(!insertion.isDone(), "the unit cannot complete while a reader is between its read and its put");
    resumeReader.countDown();
    assertEquals(Optional.empty(), reader.get(60, TimeUnit.SECONDS), "the reader read before the commit");
    insertion.get(60, TimeUnit.SECONDS);
    store.betweenReadAndFill = () -> {};
    assertEquals(Optional.of(new Versioned<>(c, 1)), store.get(Tables.BONDS, c.id().value()));
    assertEquals(Optional.of(new Versioned<>(c, 1)), pool.submit(() -> store.get(Tables.BONDS, c.id().value())).get(60, TimeUnit.SECONDS));
  }

  @Test
  @DisplayName("a unit that conflicts leaves the cached row, which is still the durable one")
  void conflictingUnit_leavesTheCachedRow() {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    Versioned<Bond> live = store.get(Tables.BONDS, b.id().value()).orElseThrow();
    Versioned<Bond> stale = new Versioned<>(b, 7);
    assertThrows(
        StorageConflictException.class,
        () -> store.execute(tx -> {
          tx.update(Tables.BONDS, stale, revoked(b));
          return null;
        }));
    assertSame(live, store.get(Tables.BONDS, b.id().value()).orElseThrow());
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 a commit that fails before its commit point: the store closes, no read serves the cached row, the reopened store has the old one")
  void failedCommit_closesTheStore_noCachedReads() {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    Versioned<Bond> live = store.get(Tables.BONDS, b.id().value()).orElseThrow();
    store.beforeCommit = () -> {
      throw new IllegalStateException("injected: the disk failed before the journal fsync");
    };
    assertInstanceOf(StorageException.class, assertThrows(RuntimeException.class, () -> revoke(live)));
    StorageException closed = assertThrows(StorageException.class, () -> store.get(Tables.BONDS, b.id().value()));
    assertTrue(closed.getMessage().contains("closed itself"), closed.getMessage());
    store.close();
    store = MapDbStorage.open(file);
    assertEquals(Optional.of(live), store.get(Tables.BONDS, b.id().value()), "not applied");
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 a commit that fails after its commit point: the reopened store (journal replay, empty cache) serves the new row")
  void failureAfterCommitPoint_reopenServesTheNewRow() {
    Bond b = Fixtures.bond(1, OPERATOR);
    insert(b);
    Versioned<Bond> live = store.get(Tables.BONDS, b.id().value()).orElseThrow();
    store.beforeCommit = () -> store.volume().crashAfterRanges = 0;
    revoke(live); // durable: the caller hears "committed"
    assertThrows(StorageException.class, () -> store.get(Tables.BONDS, b.id().value()), "closed, not the cached row");
    store.close();
    store = MapDbStorage.open(file);
    assertEquals(Optional.of(new Versioned<>(revoked(b), 2)), store.get(Tables.BONDS, b.id().value()));
  }

  @Test
  @DisplayName("the cache is bounded: with cacheSize 2 at most 2 rows stay; cacheSize 0 caches nothing")
  void cacheIsBounded_andCanBeOff() {
    store.close();
    store = MapDbStorage.open(file, 2);
    for (int i = 1; i <= 20; i++) {
      insert(Fixtures.bond(i, OPERATOR));
    }
    for (int i = 1; i <= 20; i++) {
      Bond b = Fixtures.bond(i, OPERATOR);
      assertEquals(Optional.of(new Versioned<>(b, 1)), store.get(Tables.BONDS, b.id().value()));
    }
    assertTrue(store.cachedRows() <= 2, "rows cached: " + store.cachedRows());
    store.close();
    store = MapDbStorage.open(file, 0);
    Bond b = Fixtures.bond(1, OPERATOR);
    assertEquals(Optional.of(new Versioned<>(b, 1)), store.get(Tables.BONDS, b.id().value()));
    assertEquals(0, store.cachedRows());
    assertEquals(0, store.cacheSize());
  }
}
