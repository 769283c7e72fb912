package io.spaceduck.storage.jdbc;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.Hash;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.Codecs;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: one thread per store takes every unit and pulse waiting in its queue and commits them
 * in one database transaction, so the audit head lock and the commit's fsync are paid once per batch,
 * not once per event.
 *
 * <p>Before committing, the thread may wait a little for the callers its last batch released to
 * submit again ({@link JdbcOptions#groupCommitDelay()}, see {@link #gather}); a lone caller never
 * waits.
 *
 * <h2>Serializable units within a batch</h2>
 *
 * The batch commits exactly what running its units one after another, in queue order, would commit —
 * each unit judged on its own end state:
 *
 * <ol>
 *   <li><b>Plan</b> (in Java, before any write). Each unit's folded row operations ({@link NetOp}) are
 *       judged against what the units before it in the batch did: a condition (version, absence) that
 *       fails there <em>refuses</em> the unit (it conflicts once the batch has committed); a condition
 *       that holds on a row an earlier unit <em>wrote</em> (an insert after a delete) <em>defers</em> it
 *       to a batch of its own right after this one, since its statements are conditioned on the state
 *       before the batch. So two units that each check what the other writes never both commit (no
 *       write skew), and racing updates of one row no longer split the batch. Unique index keys are
 *       judged on each unit's end state: the committed holders of every key the batch claims are read
 *       once (one query per unique index; none for a batch that claims none), then moved along unit by
 *       unit.
 *   <li><b>Statements</b> of the applied units, at READ COMMITTED, each a conditional statement on the
 *       version column sent as JDBC batches: read conditions ({@code SELECT … FOR SHARE}), deletes,
 *       then — for tables with a unique index — the rows about to be updated give up their unique keys
 *       (set to NULL: the first step of a two-step move), updates, inserts. After the deletes and the
 *       clearing, writing final values can only collide where the end state itself would, so a unit
 *       that moves a value between rows or swaps two rows' values never meets its own transient
 *       duplicate, on any database (MariaDB and H2 have no deferrable constraints). Then pulses, then
 *       the audit appends: {@code SELECT … FOR UPDATE} of the head row, link in Java, insert the events
 *       and the audit tree nodes they complete, move the head, commit.
 * </ol>
 *
 * The database still decides every condition against the committed state (another instance may have
 * written meanwhile): if any statement fails, the transaction is rolled back and each job of the batch
 * is committed alone, so only the unit at fault fails. Cost over a plain batch: one read per unique
 * index for batches that claim a unique key, one more statement batch for batches that update rows of
 * a table with a unique index (only {@code contacts}), a deferred unit's own commit (rare: it needs
 * an insert after a delete of one row within one batch); the plan itself is a pass over the batch's
 * operations in memory.
 *
 * <h2>Outcomes</h2>
 *
 * A job completes normally only once its transaction has committed. Serialization failures, deadlocks
 * and lock timeouts roll back and retry the batch (bounded, with jittered backoff). A connection lost
 * before commit rolls back on the server, so the batch is retried on a new connection. A connection
 * lost <em>during</em> commit is resolved by looking for the batch's first audit event, under the audit
 * head lock (so a commit the server is still finishing is waited for, never taken for "not
 * committed"). Where it cannot be resolved — a batch without audit events (pulses only, or units
 * without events), or a database unreachable afterwards — the jobs inside the transaction fail with
 * {@link StorageOutcomeUnknownException}: a plain {@link StorageException} ("not applied") is thrown
 * only when nothing was committed.
 *
 * <p>Thread-safety: {@link #submit} and {@link #close} may be called from any thread; everything else
 * runs on the commit thread.
 */
final class GroupCommitter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

  /** The commit thread's name, followed by a space and the store's location. */
  static final String THREAD_NAME = "spaceduck-jdbc-commit";

  /** How long {@link #close()} waits for the commit thread to finish what is queued. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

  /** A unit's folded writes and audit drafts, or a pulse; completed once committed or failed. */
  sealed interface Job permits UnitJob, PulseJob, Stop {
    CompletableFuture<Void> done();
  }

  record UnitJob(List<NetOp> ops, List<AuditDraft> audits, CompletableFuture<Void> done) implements Job {}

  record PulseJob(Pulse pulse, CompletableFuture<Void> done) implements Job {}

  /** Wakes the thread at close. */
  record Stop(CompletableFuture<Void> done) implements Job {}

  /** Retries exhausted or the database unreachable: every job of the batch fails alike. */
  private static final class GaveUp extends StorageException {
    GaveUp(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The connection was lost during commit (or the commit failed in a way that does not say) and the
   * store cannot tell whether the transaction took effect: the jobs inside it fail with {@link
   * StorageOutcomeUnknownException}, never as "not applied".
   */
  private static final class Unknown extends Exception {
    final StorageOutcomeUnknownException failure;
    final Plan plan;

    Unknown(String message, @Nullable Throwable cause, Plan plan) {
      super(null, null, false, false);
      this.failure = cause == null ? new StorageOutcomeUnknownException(message) : new StorageOutcomeUnknownException(message, cause);
      this.plan = plan;
    }
  }

  /** What one attempt at a batch decided: which jobs its transaction applies, refuses, defers. */
  private static final class Plan {
    final List<Job> applied = new ArrayList<>();
    final List<Job> refused = new ArrayList<>();
    final List<Job> deferred = new ArrayList<>();
    /** The first audit event the transaction appends, or null if it appends none. */
    @Nullable AuditEvent firstEvent;
    /** The chain's head once the transaction has committed, or null if it appends nothing. */
    @Nullable Head newHead;

    boolean inTransaction(Job j) {
      return applied.contains(j);
    }
  }

  /** A failed condition somewhere in the batch (thrown without a stack trace). */
  private static final class Conflict extends Exception {
    Conflict() {
      super(null, null, false, false);
    }
  }

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Map<Table<?>, SqlTable> tables;
  private final JdbcOptions options;
  private final String where;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Duration closeWait;
  private volatile boolean closing;
  /** Set when close() gave up waiting: the thread then commits nothing more and fails what it holds. */
  private volatile boolean abandoned;
  private @Nullable Connection connection;
  /**
   * The audit head this committer's last committed batch left, or null when unknown (at start, after
   * any failure). The next batch links its events to it and moves the head only if the head row still
   * holds exactly it (a conditional update, which also takes the row's lock): one round trip instead
   * of locking, reading, inserting and moving. If another instance appended meanwhile, nothing is
   * written and the batch locks and reads the head as usual. Commit thread only.
   */
  private @Nullable Head knownHead;

  // counters for tests and benchmarks (written by the committer thread only)
  private volatile long batches;
  private volatile long jobs;
  private volatile long retries;
  private volatile long isolatedBatches;
  private volatile long deferredJobs;
  /** Batches whose gathering waited for more units (see {@link #gather}). */
  private volatile long gatheredBatches;
  /** Of those, the ones that waited until the delay ran out (fewer units came than expected). */
  private volatile long gatherTimeouts;
  /** Batches by size: index {@code i} counts batches of {@code i + 1} jobs, the last index every larger one. */
  private final AtomicLongArray batchSizes = new AtomicLongArray(BATCH_SIZE_BUCKETS);

  static final int BATCH_SIZE_BUCKETS = 17;

  /** Whether and how long a batch waits for more units (commit thread only). */
  private final Gathering gathering;
  /** Other jobs queued when the last batch's callers were released (-1: not known yet; commit thread only). */
  private int waitingAtRelease;

  GroupCommitter(DataSource dataSource, Dialect dialect, Map<Table<?>, SqlTable> tables, JdbcOptions options, String where) {
    this(dataSource, dialect, tables, options, where, CLOSE_WAIT);
  }

  GroupCommitter(
      DataSource dataSource, Dialect dialect, Map<Table<?>, SqlTable> tables, JdbcOptions options, String where, Duration closeWait) {
    this.closeWait = closeWait;
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.tables = tables;
    this.options = options;
    this.where = where;
    this.gathering = new Gathering(options.groupCommitDelay(), options.maxBatch());
    this.thread = new Thread(this::run, THREAD_NAME + " " + where);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a job; its future completes once committed (or failed). */
  void submit(Job job) {
    if (closing) {
      throw new StorageException(where + " is closed");
    }
    queue.add(job);
    if (closing && queue.remove(job)) { // raced with close(): nobody will take it
      throw new StorageException(where + " is closed");
    }
  }

  /**
   * Commits what is queued, then stops; returns once the commit thread has ended, so a closed store
   * writes nothing more. An interrupt of the closing thread does not cut the wait short (it is kept
   * for the caller). Only if the thread is still busy after {@link #CLOSE_WAIT} — a database that
   * stopped answering — does close return without it: the thread is then abandoned and starts no
   * commit any more (a batch it holds that has not reached its commit is rolled back and fails as
   * closed; one hung inside the commit itself resolves as the database decides) and releases its
   * connection when its current statement returns.
   */
  void close() {
    closing = true;
    queue.add(new Stop(new CompletableFuture<>()));
    boolean interrupted = false;
    long deadline = System.nanoTime() + closeWait.toNanos();
    try {
      for (long left = closeWait.toNanos(); thread.isAlive() && left > 0; left = deadline - System.nanoTime()) {
        try {
          TimeUnit.NANOSECONDS.timedJoin(thread, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (thread.isAlive()) {
        abandoned = true;
        log.warn(
            "{}: the commit thread did not finish within {} s of close; it commits nothing more and fails what it holds",
            where,
            closeWait.toSeconds());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Job j;
    while ((j = queue.poll()) != null) {
      j.done().completeExceptionally(new StorageException(where + " is closed"));
    }
  }

  long batches() {
    return batches;
  }

  long jobs() {
    return jobs;
  }

  long retries() {
    return retries;
  }

  long isolatedBatches() {
    return isolatedBatches;
  }

  long deferredJobs() {
    return deferredJobs;
  }

  long gatheredBatches() {
    return gatheredBatches;
  }

  long gatherTimeouts() {
    return gatherTimeouts;
  }

  /** Batches by size: element {@code i} counts batches of {@code i + 1} jobs, the last element every larger one. */
  List<Long> batchSizes() {
    Long[] out = new Long[BATCH_SIZE_BUCKETS];
    for (int i = 0; i < out.length; i++) {
      out[i] = batchSizes.get(i);
    }
    return List.of(out);
  }

  private void run() {
    try {
      loop();
    } finally {
      discardConnection(); // only this thread ever uses it
    }
  }

  private void loop() {
    List<Job> batch = new ArrayList<>();
    while (!abandoned) {
      Job first;
      try {
        first = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        first = null;
      }
      if (first == null) {
        if (closing && queue.isEmpty()) {
          return;
        }
        continue;
      }
      batch.clear();
      batch.add(first);
      queue.drainTo(batch, options.maxBatch() - 1);
      gather(batch);
      boolean stop = batch.removeIf(j -> j instanceof Stop);
      if (batch.isEmpty()) {
        if (stop && queue.isEmpty()) {
          return;
        }
        continue;
      }
      // counted before the jobs complete, so a caller whose unit returned sees its batch counted
      batches++;
      jobs += batch.size();
      batchSizes.incrementAndGet(Math.min(batch.size(), BATCH_SIZE_BUCKETS) - 1);
      waitingAtRelease = -1;
      long taken = System.nanoTime();
      try {
        commit(batch);
      } catch (RuntimeException | Error e) { // never let the thread die with jobs waiting
        log.error("commit thread failed on {}", where, e);
        for (Job j : batch) {
          j.done().completeExceptionally(new StorageException(where + ": commit failed: " + e, e));
        }
      }
      if (waitingAtRelease < 0) { // no batch committed (a failure path): what waits now
        waitingAtRelease = queue.size();
      }
      long releasedAt = System.nanoTime();
      gathering.released(batch.size(), waitingAtRelease, releasedAt, releasedAt - taken);
      if (stop && queue.isEmpty()) {
        return;
      }
    }
  }

  /**
   * The gathering delay (PostgreSQL's {@code commit_delay}, see {@link Gathering}): a caller of {@code
   * execute} waits for its unit, so callers in a loop resubmit only once their batch has committed —
   * microseconds after the committer took the next batch, which then holds only those that queued
   * during the commit: with 8 callers, batches alternate between halves, and 2 callers alternate
   * between batches of one. So the committer waits a little for the callers its last batch released
   * and commits as soon as they are there; {@link Gathering} decides whether and how long. Appends
   * to {@code batch} in queue order.
   */
  private void gather(List<Job> batch) {
    long deadline = gathering.deadline(batch.size(), closing);
    if (deadline == Gathering.NO_WAIT) {
      return;
    }
    boolean waited = false;
    boolean timedOut = false;
    while (batch.size() < gathering.expected() && !closing) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        timedOut = true;
        break;
      }
      Job next;
      try {
        waited = true;
        next = queue.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        break; // nobody interrupts this thread; commit what is held
      }
      if (next == null) {
        timedOut = true;
        break;
      }
      batch.add(next);
      if (next instanceof Stop) {
        break;
      }
      queue.drainTo(batch, options.maxBatch() - batch.size());
    }
    if (waited) { // a deadline already past when the batch was taken cost nothing and teaches nothing
      gathering.waited(timedOut);
      gatheredBatches++;
      if (timedOut) {
        gatherTimeouts++;
      }
    }
  }

  /**
   * Commits the batch; units it defers (they touch a row an earlier unit of the batch wrote) are then
   * committed as a batch of their own, first in line, and so on until none is left.
   */
  private void commit(List<Job> batch) {
    List<Job> next = batch;
    while (!next.isEmpty()) {
      next = commitOnce(next);
    }
  }

  /** Commits one batch and completes its jobs; returns the jobs it deferred. */
  private List<Job> commitOnce(List<Job> batch) {
    Plan plan;
    try {
      plan = attempt(batch);
    } catch (Conflict c) {
      failAloneOrSplit(batch, new StorageConflictException("a condition failed at commit"));
      return List.of();
    } catch (Unknown u) {
      // only the jobs inside the lost transaction may have committed; the others certainly did not
      for (Job j : batch) {
        j.done().completeExceptionally(u.plan.inTransaction(j) ? u.failure : new StorageException(u.failure.getMessage()
            + " (this unit was not part of it and was not applied)"));
      }
      return List.of();
    } catch (GaveUp e) {
      batch.forEach(j -> j.done().completeExceptionally(e));
      return List.of();
    } catch (StorageException e) {
      failAloneOrSplit(batch, e);
      return List.of();
    }
    // what waits before any caller of this batch can submit again: the other callers (see Gathering)
    waitingAtRelease = queue.size();
    for (Job j : plan.applied) {
      j.done().complete(null);
    }
    // refused against the state the units before them left: that state is now committed, so the
    // conflict is what a serial order of the batch gives them
    for (Job j : plan.refused) {
      j.done().completeExceptionally(new StorageConflictException("a condition failed at commit"));
    }
    if (!plan.deferred.isEmpty()) {
      deferredJobs += plan.deferred.size();
    }
    return plan.deferred;
  }

  /**
   * A lone job fails with {@code failure}; a batch is committed job by job instead, so only the unit
   * whose condition (or row) is at fault fails, never its batch-mates.
   */
  private void failAloneOrSplit(List<Job> batch, StorageException failure) {
    if (batch.size() == 1) {
      batch.get(0).done().completeExceptionally(failure);
      return;
    }
    isolatedBatches++;
    for (Job j : batch) {
      commit(List.of(j));
    }
  }

  /**
   * Commits the batch, retrying transient failures; throws what is final. Every failure it throws
   * says what happened to the units: {@link Conflict} and plain {@link StorageException}s (including
   * {@link GaveUp}) only when nothing was committed; {@link Unknown} when the commit may have taken
   * effect.
   */
  private Plan attempt(List<Job> batch) throws Conflict, Unknown {
    SQLException last = null;
    for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
      if (attempt > 0) {
        retries++;
        backoff(attempt);
      }
      if (abandoned) {
        throw new GaveUp(where + " is closed", last);
      }
      Connection c;
      try {
        c = connection();
      } catch (SQLException e) {
        last = e;
        continue; // database unreachable: wait and try again
      }
      boolean committing = false;
      @Nullable Plan plan = null;
      try {
        plan = apply(c, batch);
        if (abandoned) { // close() stopped waiting for this batch: it must not land after close returned
          rollbackQuietly(c);
          throw new GaveUp(where + " is closed", null);
        }
        committing = true;
        c.commit();
        remember(plan);
        return plan;
      } catch (SQLException e) {
        last = e;
        knownHead = null;
        rollbackQuietly(c);
        if (committing && Dialect.isConnectionLoss(e)) {
          discardConnection();
          if (plan.firstEvent == null) {
            throw new Unknown(where + ": the connection was lost during commit; whether it took effect is unknown", e, plan);
          }
          if (committed(plan.firstEvent, plan)) {
            remember(plan);
            return plan;
          }
          continue; // certainly not committed (see committed): safe to run again
        }
        if (dialect.isUniqueViolation(e)) {
          throw new Conflict();
        }
        if (Dialect.isConnectionLoss(e)) {
          discardConnection();
          continue; // the server rolled the transaction back
        }
        if (dialect.isRetryable(e)) {
          continue;
        }
        throw Text.failure(where + ": commit failed", e);
      } catch (Conflict conflict) {
        knownHead = null;
        rollbackQuietly(c);
        throw conflict;
      } catch (RuntimeException e) {
        knownHead = null;
        rollbackQuietly(c);
        if (committing && plan != null) {
          discardConnection();
          throw new Unknown(where + ": the commit failed in an unexpected way; whether it took effect is unknown: " + e, e, plan);
        }
        throw e;
      }
    }
    throw new GaveUp(
        where + ": gave up after " + (options.maxRetries() + 1) + " attempts: " + (last == null ? "" : last.getMessage()), last);
  }

  /** After a commit: the head the batch left is where the next batch most likely links (see {@link #knownHead}). */
  private void remember(Plan plan) {
    if (plan.newHead != null) {
      knownHead = plan.newHead;
    }
  }

  private void backoff(int attempt) {
    long maxMillis = Math.min(100, 2L << Math.min(attempt, 6));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, maxMillis + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the batch whose connection was lost during commit took effect: its first audit event is
   * in the table exactly. The audit head row is locked first: the lost transaction holds that lock
   * until the server has finished it either way, so the answer never comes from a moment when its
   * commit is still under way (it would then be "not committed", and running the batch again would
   * apply it twice). If the database cannot answer, the outcome is unknown.
   */
  private boolean committed(AuditEvent first, Plan plan) throws Unknown {
    SQLException last = null;
    for (int i = 0; i < 3; i++) {
      try (Connection c = dataSource.getConnection()) {
        try {
          c.setAutoCommit(false);
          c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
          try (Statement bound = c.createStatement()) {
            for (String sql : dialect.boundLockWait()) {
              bound.execute(sql);
            }
          }
          try (PreparedStatement lock = c.prepareStatement("SELECT seq FROM sd_audit_head WHERE id = 1 FOR UPDATE");
              ResultSet rs = lock.executeQuery()) {
            rs.next();
          }
          try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM sd_audit WHERE seq = ?")) {
            ps.setLong(1, first.seq());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() && Hash.of(rs.getBytes(1)).equals(first.hash());
            }
          }
        } finally {
          rollbackQuietly(c);
        }
      } catch (SQLException e) {
        last = e;
        backoff(i + 1);
      }
    }
    throw new Unknown(
        where + ": the connection was lost during commit and the database is unreachable; whether it took effect is unknown", last, plan);
  }

  private Connection connection() throws SQLException {
    Connection c = connection;
    if (c != null && !c.isClosed()) {
      return c;
    }
    c = dataSource.getConnection();
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    connection = c;
    return c;
  }

  private void discardConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already broken
      }
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the server rolls back
    }
  }

  /**
   * Runs the batch's statements in {@code c} (not committed): first decides, in queue order, which
   * units apply ({@link #plan}), then sends the applied units' net writes grouped by kind and table,
   * then the pulses and the audit appends.
   */
  private Plan apply(Connection c, List<Job> batch) throws SQLException, Conflict {
    Plan plan = plan(c, batch);
    EnumMap<NetOp.Kind, Map<SqlTable, List<NetOp>>> byKind = new EnumMap<>(NetOp.Kind.class);
    List<AuditDraft> drafts = new ArrayList<>();
    List<Pulse> pulses = new ArrayList<>();
    for (Job j : plan.applied) {
      if (j instanceof UnitJob u) {
        for (NetOp op : u.ops()) {
          byKind.computeIfAbsent(op.kind(), k -> new LinkedHashMap<>())
              .computeIfAbsent(tables.get(op.table()), t -> new ArrayList<>())
              .add(op);
        }
        drafts.addAll(u.audits());
      } else if (j instanceof PulseJob p) {
        pulses.add(p.pulse());
      }
    }
    for (NetOp.Kind kind : NetOp.Kind.values()) {
      Map<SqlTable, List<NetOp>> perTable = byKind.get(kind);
      if (perTable == null) {
        continue;
      }
      for (Map.Entry<SqlTable, List<NetOp>> e : perTable.entrySet()) {
        if (kind == NetOp.Kind.UPDATE && e.getKey().uniqueIndexes().size() > 0) {
          clearUniqueIndexes(c, e.getKey(), e.getValue());
        }
        run(c, kind, e.getKey(), e.getValue());
      }
    }
    if (!pulses.isEmpty()) {
      recordPulses(c, pulses);
    }
    plan.firstEvent = drafts.isEmpty() ? null : appendAudit(c, drafts, plan);
    return plan;
  }

  /**
   * The first step of a two-step move: the rows about to be updated give up their unique index keys
   * (NULL, which no unique constraint counts), so that writing the final values — updates, then
   * inserts, after the deletes — can only collide where the batch's end state itself would. Without
   * it a unit moving a value from one row to another (or two rows swapping values) meets its own
   * transient duplicate on every database whose unique constraints are checked per row (MariaDB, H2,
   * PostgreSQL's non-deferrable ones). The version condition is checked here already.
   */
  private static void clearUniqueIndexes(Connection c, SqlTable t, List<NetOp> updates) throws SQLException, Conflict {
    try (PreparedStatement ps = c.prepareStatement(t.clearUnique)) {
      for (NetOp op : updates) {
        ps.setBytes(1, Text.writeKey(op.key(), "key"));
        ps.setLong(2, op.expected());
        ps.addBatch();
      }
      expectOneEach(ps);
    }
  }

  /**
   * Which units of the batch apply: each unit, in queue order, is judged against the state the units
   * before it in the batch leave (not just the state before the batch), so that the batch commits
   * what running its units one after another would — the database's conditional statements then
   * check the rest against the committed state.
   *
   * <ul>
   *   <li>A unit whose condition (version, absence) on a row fails against what an earlier unit of the
   *       batch did to that row, or whose unique index keys are then held by another row, is
   *       <em>refused</em>: it conflicts, once the batch has committed (in that serial order it does).
   *   <li>A unit whose condition holds on a row an earlier unit of the batch <em>wrote</em> (an insert
   *       after a delete) is <em>deferred</em> to a batch of its own right after this one: its
   *       statements are conditioned on the state before the batch, so it cannot join it.
   *   <li>Pulses always apply; they touch no row of a unit.
   * </ul>
   *
   * Two units that each check what the other writes (write skew) can thus never both commit: the
   * second finds its checked row written. Unique index keys are judged on each unit's end state: the
   * holders of every key the batch claims are read once (one query per unique index), then moved
   * along as units are applied.
   */
  private Plan plan(Connection c, List<Job> batch) throws SQLException {
    Plan plan = new Plan();
    Map<Slot, Known> slots = new HashMap<>();
    Map<Claim, Set<String>> holders = readHolders(c, batch);
    for (Job j : batch) {
      if (!(j instanceof UnitJob u)) {
        plan.applied.add(j);
        continue;
      }
      Verdict v = judge(u, slots, holders);
      switch (v) {
        case APPLY -> {
          plan.applied.add(u);
          admit(u, slots, holders);
        }
        case REFUSE -> plan.refused.add(u);
        case DEFER -> plan.deferred.add(u);
      }
    }
    return plan;
  }

  private enum Verdict {
    APPLY,
    REFUSE,
    DEFER
  }

  /** A row. */
  private record Slot(Table<?> table, String key) {}

  /** What the units applied so far in the batch say about a row: it exists at a version, or not. */
  private record Known(boolean exists, long version, boolean written) {}

  /** A unique index key. */
  private record Claim(Index<?> index, String key) {}

  private static Verdict judge(UnitJob u, Map<Slot, Known> slots, Map<Claim, Set<String>> holders) {
    boolean defer = false;
    for (NetOp op : u.ops()) {
      Known k = slots.get(new Slot(op.table(), op.key()));
      if (k == null) {
        continue; // untouched by the batch so far: the database decides
      }
      boolean holds =
          switch (op.kind()) {
            case CHECK, UPDATE, DELETE -> k.exists() && k.version() == op.expected();
            case ABSENT, INSERT -> !k.exists();
          };
      if (!holds) {
        return Verdict.REFUSE;
      }
      defer |= k.written();
    }
    if (defer) {
      return Verdict.DEFER;
    }
    for (Map.Entry<Claim, String> claim : claims(u).entrySet()) {
      Set<String> after = new HashSet<>(holders.getOrDefault(claim.getKey(), Set.of()));
      for (NetOp op : u.ops()) {
        if (op.table() == claim.getKey().index().table() && op.kind() != NetOp.Kind.CHECK && op.kind() != NetOp.Kind.ABSENT) {
          after.remove(op.key()); // rewritten by the unit: it holds the key only if the unit says so
        }
      }
      after.add(claim.getValue());
      if (after.size() > 1) {
        return Verdict.REFUSE;
      }
    }
    for (Map.Entry<Claim, Long> count : claimCounts(u).entrySet()) {
      if (count.getValue() > 1) {
        return Verdict.REFUSE; // two rows of the unit claim one key
      }
    }
    return Verdict.APPLY;
  }

  private static void admit(UnitJob u, Map<Slot, Known> slots, Map<Claim, Set<String>> holders) {
    for (NetOp op : u.ops()) {
      Slot slot = new Slot(op.table(), op.key());
      switch (op.kind()) {
        case CHECK -> slots.putIfAbsent(slot, new Known(true, op.expected(), false));
        case ABSENT -> slots.putIfAbsent(slot, new Known(false, 0, false));
        case UPDATE, INSERT -> slots.put(slot, new Known(true, op.version(), true));
        case DELETE -> slots.put(slot, new Known(false, 0, true));
      }
      if (op.kind() != NetOp.Kind.CHECK && op.kind() != NetOp.Kind.ABSENT) {
        for (Map.Entry<Claim, Set<String>> h : holders.entrySet()) {
          if (h.getKey().index().table() == op.table()) {
            h.getValue().remove(op.key());
          }
        }
      }
    }
    for (Map.Entry<Claim, String> claim : claims(u).entrySet()) {
      holders.computeIfAbsent(claim.getKey(), k -> new HashSet<>()).add(claim.getValue());
    }
  }

  /** The unique index keys the unit's end state holds, each with the row holding it (the last, if several). */
  private static Map<Claim, String> claims(UnitJob u) {
    Map<Claim, String> out = new LinkedHashMap<>();
    forEachClaim(u, out::put);
    return out;
  }

  /** How many of the unit's rows claim each unique index key at its end (more than one: a duplicate). */
  private static Map<Claim, Long> claimCounts(UnitJob u) {
    Map<Claim, Long> out = new HashMap<>();
    forEachClaim(u, (claim, row) -> out.merge(claim, 1L, Long::sum));
    return out;
  }

  /** Every unique index key a row of the unit's end state holds, with that row's key, in op order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void forEachClaim(UnitJob u, java.util.function.BiConsumer<Claim, String> each) {
    for (NetOp op : u.ops()) {
      if (op.value() == null) {
        continue;
      }
      for (Object o : op.table().indexes()) {
        Index index = (Index) o;
        if (index.unique()) {
          Optional<String> ik = index.keyOf(op.value());
          ik.ifPresent(k -> each.accept(new Claim(index, k), op.key()));
        }
      }
    }
  }

  /**
   * The committed holders of every unique index key a unit of the batch claims: one query per unique
   * index and {@value #MAX_IN} keys; none at all for a batch that claims no unique key. A plain read:
   * a holder that changes before the commit makes the batch's own statements fail (a conflict, and
   * the batch is then committed unit by unit).
   */
  private Map<Claim, Set<String>> readHolders(Connection c, List<Job> batch) throws SQLException {
    Map<Index<?>, Set<String>> wanted = new LinkedHashMap<>();
    for (Job j : batch) {
      if (j instanceof UnitJob u) {
        for (Claim claim : claims(u).keySet()) {
          wanted.computeIfAbsent(claim.index(), i -> new java.util.TreeSet<>()).add(claim.key());
        }
      }
    }
    Map<Claim, Set<String>> out = new HashMap<>();
    for (Map.Entry<Index<?>, Set<String>> e : wanted.entrySet()) {
      SqlTable t = tables.get(e.getKey().table());
      List<String> keys = new ArrayList<>(e.getValue());
      for (int from = 0; from < keys.size(); from += MAX_IN) {
        List<String> chunk = keys.subList(from, Math.min(keys.size(), from + MAX_IN));
        int n = Integer.highestOneBit(chunk.size());
        n = n == chunk.size() ? n : n * 2;
        try (PreparedStatement ps = c.prepareStatement(t.holdersOf(e.getKey(), n))) {
          for (int i = 0; i < n; i++) {
            ps.setBytes(i + 1, Text.writeKey(chunk.get(Math.min(i, chunk.size() - 1)), "index key"));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              String ik = new String(rs.getBytes(2), java.nio.charset.StandardCharsets.UTF_8);
              String k = new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8);
              out.computeIfAbsent(new Claim(e.getKey(), ik), x -> new HashSet<>()).add(k);
            }
          }
        }
      }
    }
    return out;
  }

  private void run(Connection c, NetOp.Kind kind, SqlTable t, List<NetOp> ops) throws SQLException, Conflict {
    switch (kind) {
      case CHECK, ABSENT -> checkVersions(c, t, ops, kind == NetOp.Kind.CHECK);
      case DELETE -> {
        try (PreparedStatement ps = c.prepareStatement(t.delete)) {
          for (NetOp op : ops) {
            ps.setBytes(1, Text.writeKey(op.key(), "key"));
            ps.setLong(2, op.expected());
            ps.addBatch();
          }
          expectOneEach(ps);
        }
      }
      case UPDATE -> {
        try (PreparedStatement ps = c.prepareStatement(t.update)) {
          for (NetOp op : ops) {
            int i = 1;
            ps.setLong(i++, op.version());
            ps.setBytes(i++, encode(t, op.value()));
            i = setIndexes(ps, i, t, op.value());
            ps.setBytes(i++, Text.writeKey(op.key(), "key"));
            ps.setLong(i, op.expected());
            ps.addBatch();
          }
          expectOneEach(ps);
        }
      }
      case INSERT -> {
        try (PreparedStatement ps = c.prepareStatement(t.insert)) {
          for (NetOp op : ops) {
            int i = 1;
            ps.setBytes(i++, Text.writeKey(op.key(), "key"));
            ps.setLong(i++, op.version());
            ps.setBytes(i++, encode(t, op.value()));
            setIndexes(ps, i, t, op.value());
            ps.addBatch();
          }
          try {
            ps.executeBatch();
          } catch (BatchUpdateException e) {
            if (dialect.isUniqueViolation(e)) {
              throw new Conflict();
            }
            throw e;
          }
        }
      }
    }
  }

  /** Most keys in one {@code IN} list; lists are padded to a power of two so few statements are prepared. */
  private static final int MAX_IN = 64;

  /**
   * Read conditions of the whole batch on one table in a few round trips: every CHECK row must be at
   * its expected version (and is locked against change until commit), every ABSENT key missing.
   */
  private static void checkVersions(Connection c, SqlTable t, List<NetOp> ops, boolean lock) throws SQLException, Conflict {
    for (int from = 0; from < ops.size(); from += MAX_IN) {
      List<NetOp> chunk = ops.subList(from, Math.min(ops.size(), from + MAX_IN));
      int n = Integer.highestOneBit(chunk.size());
      n = n == chunk.size() ? n : n * 2;
      Map<String, Long> found = new java.util.HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(t.versionsOf(n, lock))) {
        for (int i = 0; i < n; i++) {
          ps.setBytes(i + 1, Text.writeKey(chunk.get(Math.min(i, chunk.size() - 1)).key(), "key"));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found.put(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8), rs.getLong(2));
          }
        }
      }
      for (NetOp op : chunk) {
        Long v = found.get(op.key());
        boolean holds = op.kind() == NetOp.Kind.CHECK ? v != null && v == op.expected() : v == null;
        if (!holds) {
          throw new Conflict();
        }
      }
    }
  }

  private static void expectOneEach(PreparedStatement ps) throws SQLException, Conflict {
    for (int n : ps.executeBatch()) {
      if (n == Statement.SUCCESS_NO_INFO) {
        throw new SQLException("the driver reported no update count for a conditional statement");
      }
      if (n != 1) {
        throw new Conflict();
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] encode(SqlTable t, @Nullable Object value) {
    Table table = t.table;
    return table.codec().encode(table.cast(value));
  }

  /** Binds the index columns, then the link columns ({@link SqlTable.Link}), from parameter {@code i} on. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int setIndexes(PreparedStatement ps, int i, SqlTable t, @Nullable Object value) throws SQLException {
    for (Index index : t.indexes) {
      i = setKeyOrNull(ps, i, index.keyOf(value));
    }
    for (SqlTable.Link link : t.links) {
      i = setKeyOrNull(ps, i, link.of().apply(value));
    }
    return i;
  }

  private static int setKeyOrNull(PreparedStatement ps, int i, Optional<String> key) throws SQLException {
    if (key.isPresent()) {
      ps.setBytes(i, Text.writeKey(key.get(), "index key"));
    } else {
      ps.setNull(i, Types.VARBINARY);
    }
    return i + 1;
  }

  private void recordPulses(Connection c, List<Pulse> pulses) throws SQLException {
    try (PreparedStatement history = c.prepareStatement("INSERT INTO sd_pulses (agent, at_key, v) VALUES (?, ?, ?)");
        PreparedStatement latest = c.prepareStatement(dialect.upsertLatestPulse())) {
      for (Pulse p : pulses) {
        byte[] agent = Text.writeKey(p.agent().value(), "agent id");
        byte[] body = Codecs.PULSE.encode(p);
        for (PreparedStatement ps : new PreparedStatement[] {history, latest}) {
          ps.setBytes(1, agent);
          ps.setBigDecimal(2, Text.atKey(p.at()));
          ps.setBytes(3, body);
          ps.addBatch();
        }
      }
      history.executeBatch();
      latest.executeBatch();
    }
  }

  /**
   * The newest event's position and hash — what the next event links to — and the audit tree the head
   * row records ({@link AuditTreeRows.Tree}; its size equals {@code seq} once caught up).
   */
  record Head(long seq, Hash hash, AuditTreeRows.Tree tree) {}

  /** A batch's events linked to a head, the tree nodes they complete that are rows ({@link AuditTreeRows#stored}), and the tree after them. */
  private record Linked(List<AuditEvent> events, List<AuditTreeNodes.Node> rows, AuditTreeRows.Tree tree) {}

  /**
   * The audit appends of a batch (A5): link the drafts to the head, write the events and the audit
   * tree nodes they complete ({@link AuditTreeNodes}, issue 20) and move the head, all under the head
   * row's lock. Tries the head this committer left last ({@link #knownHead}) first; if the head has
   * moved, locks and reads it and the tree's right edge ({@link AuditTreeRows#treeOf}: two statements,
   * at most 15 leaves or rows per four levels) — the only case that reads nodes — and writes again.
   * Events another engine stored without their nodes (an engine older than schema 4) are first caught
   * up from the log ({@link AuditTreeRows#extend}). Returns the first event.
   */
  private AuditEvent appendAudit(Connection c, List<AuditDraft> drafts, Plan plan) throws SQLException {
    Head head = knownHead;
    Linked linked = head == null ? null : link(drafts, head, head.tree());
    if (linked == null || !writeBatchEvents(c, head, linked)) {
      head = lockHead(c);
      AuditTreeRows.Tree tree = head.tree();
      if (tree.size() < head.seq()) {
        tree = AuditTreeRows.extend(c, dialect, tree, head.seq());
      }
      linked = link(drafts, head, tree);
      if (!writeBatchEvents(c, head, linked)) {
        throw new SQLException("sd_audit_head changed under its lock: the schema was altered outside the engine");
      }
    }
    AuditEvent last = linked.events().get(linked.events().size() - 1);
    plan.newHead = new Head(last.seq(), last.hash(), linked.tree());
    return linked.events().get(0);
  }

  /**
   * The drafts as events after {@code head}: consecutive {@code seq}, each linked to the one before;
   * with the nodes they complete in {@code tree}, the tree of the events up to the head.
   */
  private static Linked link(List<AuditDraft> drafts, Head head, AuditTreeRows.Tree tree) {
    List<AuditEvent> events = new ArrayList<>(drafts.size());
    List<Hash> hashes = new ArrayList<>(drafts.size());
    long seq = head.seq();
    Hash prev = head.hash();
    for (AuditDraft d : drafts) {
      AuditEvent e = AuditChain.link(d, ++seq, prev);
      events.add(e);
      hashes.add(e.hash());
      prev = e.hash();
    }
    List<AuditTreeNodes.Node> nodes = AuditTreeNodes.appended(tree.size(), hashes, tree.lookup());
    return new Linked(events, AuditTreeRows.rows(nodes), tree.grow(hashes.size(), nodes));
  }

  /** {@code SELECT … FOR UPDATE} of the head row: the lock that serializes the chain across instances. */
  private static Head lockHead(Connection c) throws SQLException {
    AuditTreeRows.HeadRow h = AuditTreeRows.readHead(c, true);
    if (h.treeSize() > h.seq()) {
      throw new SQLException("sd_audit_head records an audit tree of " + h.treeSize() + " events but a log of " + h.seq()
          + ": the row was altered outside the engine");
    }
    return new Head(h.seq(), h.hash(), AuditTreeRows.treeOf(c, h.treeSize()));
  }

  /**
   * Writes this batch's events and tree nodes: moves the head from exactly {@code head} (its seq, hash
   * and tree size) to the last event and the grown tree — a conditional update that also locks the
   * head row until commit — and inserts the events and the nodes, or writes nothing and returns false
   * when the head row no longer holds {@code head}. PostgreSQL does it all in one statement (data-
   * modifying CTEs and {@code INSERT … SELECT FROM unnest(…)} of column arrays, however many events:
   * one round trip); the other dialects send the update, then a JDBC batch of event inserts and one
   * of node inserts (three).
   */
  private boolean writeBatchEvents(Connection c, Head head, Linked linked) throws SQLException {
    List<AuditEvent> events = linked.events();
    AuditEvent last = events.get(events.size() - 1);
    if (dialect == Dialect.POSTGRESQL) {
      boolean nodes = !linked.rows().isEmpty(); // most batches complete no stored node
      try (PreparedStatement ps = c.prepareStatement(nodes ? MOVE_HEAD_AND_INSERT_POSTGRESQL : MOVE_HEAD_AND_INSERT_EVENTS_POSTGRESQL)) {
        bindHeadMove(ps, head, last, linked.tree());
        if (nodes) {
          AuditTreeRows.bindColumns(c, ps, 7, linked.rows());
        }
        AuditRows.bindColumns(c, ps, nodes ? 10 : 7, events);
        int inserted = ps.executeUpdate();
        if (inserted != 0 && inserted != events.size()) {
          throw new SQLException("inserted " + inserted + " of " + events.size() + " audit events");
        }
        return inserted == events.size();
      }
    }
    try (PreparedStatement up = c.prepareStatement(MOVE_HEAD)) {
      bindHeadMove(up, head, last, linked.tree());
      if (up.executeUpdate() != 1) {
        return false;
      }
    }
    try (PreparedStatement ins = c.prepareStatement("INSERT INTO sd_audit (" + AuditRows.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (AuditEvent e : events) {
        AuditRows.bind(ins, e);
        ins.addBatch();
      }
      ins.executeBatch();
    }
    AuditTreeRows.insert(c, dialect, linked.rows());
    return true;
  }

  /** Parameters: new seq, new hash, new tree size; expected seq, expected hash, expected tree size. */
  private static final String MOVE_HEAD =
      "UPDATE sd_audit_head SET seq = ?, hash = ?, tree_size = ? WHERE id = 1 AND seq = ? AND hash = ? AND tree_size = ?";

  /**
   * {@link #MOVE_HEAD}, then (only if it moved the head) the tree nodes from three column arrays and
   * the events from twelve; the statement's update count is the events'.
   */
  private static final String MOVE_HEAD_AND_INSERT_POSTGRESQL =
      "WITH moved AS (" + MOVE_HEAD + " RETURNING id),"
          + " nodes AS (INSERT INTO sd_audit_tree (lvl, idx, hash)"
          + " SELECT * FROM unnest(?::int2[], ?::int8[], ?::bytea[]) WHERE EXISTS (SELECT 1 FROM moved))"
          + insertEventsIfMoved();

  /** {@link #MOVE_HEAD_AND_INSERT_POSTGRESQL} for a batch that completes no stored tree node (14 of 15 single events). */
  private static final String MOVE_HEAD_AND_INSERT_EVENTS_POSTGRESQL = "WITH moved AS (" + MOVE_HEAD + " RETURNING id)" + insertEventsIfMoved();

  private static String insertEventsIfMoved() {
    return " INSERT INTO sd_audit (" + AuditRows.COLUMNS + ")"
        + " SELECT * FROM unnest(?::int8[], ?::int8[], ?::bytea[], ?::bytea[], ?::bytea[], ?::bytea[], ?::bytea[],"
        + " ?::bytea[], ?::bytea[], ?::bytea[], ?::bytea[], ?::bytea[]) WHERE EXISTS (SELECT 1 FROM moved)";
  }

  private static void bindHeadMove(PreparedStatement ps, Head from, AuditEvent to, AuditTreeRows.Tree tree) throws SQLException {
    ps.setLong(1, to.seq());
    ps.setBytes(2, to.hash().toByteArray());
    ps.setLong(3, tree.size());
    ps.setLong(4, from.seq());
    ps.setBytes(5, from.hash().toByteArray());
    ps.setLong(6, from.tree().size());
  }
}
