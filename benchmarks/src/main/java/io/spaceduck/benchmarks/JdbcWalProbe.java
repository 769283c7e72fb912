package io.spaceduck.benchmarks;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * PostgreSQL write-ahead log bytes per audit append (issue 20's append cost, read where the load on
 * the machine cannot blur it): appends {@code per} single-event units from each of {@code threads}
 * threads to a fresh schema with the store option {@code maxBatch}, and prints the WAL the database
 * inserted meanwhile ({@code pg_current_wal_insert_lsn}) per event, the CPU time the whole machine
 * spent per event (this JVM, the database's processes and anything else: {@code /proc/stat}, Linux
 * only; run it on a quiet machine) and this JVM's share of it, and the rate. A {@code CHECKPOINT} before the measured appends
 * makes the full-page images the same for every run. Not a JMH benchmark: the bytes are the figure;
 * the CPU time is steadier than the rate when a commit's fsync is noisy (or run it with the server's
 * {@code synchronous_commit = off} to take the disk out).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.spaceduck.benchmarks.JdbcWalProbe 1 1 1500
 * java -cp benchmarks/target/benchmarks.jar io.spaceduck.benchmarks.JdbcWalProbe 8 512 1000
 * </pre>
 *
 * Database: {@code -Dspaceduck.bench.jdbc} (default a local PostgreSQL, see {@link BenchDatabase}).
 */
public final class JdbcWalProbe {
  private JdbcWalProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: JdbcWalProbe THREADS MAX_BATCH APPENDS_PER_THREAD");
    }
    int threads = Integer.parseInt(args[0]);
    int maxBatch = Integer.parseInt(args[1]);
    int per = Integer.parseInt(args[2]);
    try (BenchDatabase db = new BenchDatabase();
        Connection c = DriverManager.getConnection(db.baseUrl)) {
      Storage s = Storages.open(db.url, Map.of("poolSize", "12", "maxBatch", Integer.toString(maxBatch)));
      try {
        for (int i = 0; i < 300; i++) {
          append(s);
        }
        try (Statement st = c.createStatement()) {
          st.execute("CHECKPOINT");
        }
        long before = walInsertBytes(c);
        long cpu0 = busyTicks();
        long jvm0 = jvmCpuNanos();
        long t0 = System.nanoTime();
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
          ts[t] = new Thread(() -> {
            for (int i = 0; i < per; i++) {
              append(s);
            }
          });
          ts[t].start();
        }
        for (Thread t : ts) {
          t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long cpu = busyTicks() - cpu0;
        long jvm = jvmCpuNanos() - jvm0;
        long wal = walInsertBytes(c) - before;
        long n = (long) threads * per;
        System.out.printf("threads %d, maxBatch %d, %d appends: %.0f WAL bytes per event, %.1f us CPU per event (%.1f in this JVM), %.0f events/s%n",
            threads, maxBatch, n, wal / (double) n, cpu < 0 ? Double.NaN : cpu * 1e6 / TICKS_PER_SECOND / n, jvm / 1e3 / n, n / seconds);
      } finally {
        s.close();
      }
    }
  }

  private static void append(Storage s) {
    s.execute(tx -> {
      tx.appendAudit(AuditAppendBenchmark.DRAFT);
      return null;
    });
  }

  /** This JVM's CPU time so far, every thread (the JIT compiler and the collector included). */
  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** USER_HZ of {@code /proc/stat} (100 on every Linux this runs on). */
  private static final double TICKS_PER_SECOND = 100;

  /** The machine's busy CPU ticks so far (all but idle and iowait, every core), or -1 where there is no {@code /proc/stat}. */
  private static long busyTicks() {
    try {
      String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) { // idle, iowait
          busy += Long.parseLong(f[i]);
        }
      }
      return busy;
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long walInsertBytes(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
