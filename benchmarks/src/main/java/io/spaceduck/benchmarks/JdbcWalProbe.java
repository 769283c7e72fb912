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
 * inserted meanwhile ({@code pg_current_wal_insert_lsn}) per event, and the rate. A {@code CHECKPOINT}
 * before the measured appends makes the full-page images the same for every run. Not a JMH benchmark:
 * the bytes are the figure, the rate is only a hint.
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
        long wal = walInsertBytes(c) - before;
        double seconds = (System.nanoTime() - t0) / 1e9;
        long n = (long) threads * per;
        System.out.printf("threads %d, maxBatch %d, %d appends: %.0f WAL bytes per event, %.0f events/s%n",
            threads, maxBatch, n, wal / (double) n, n / seconds);
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

  private static long walInsertBytes(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
