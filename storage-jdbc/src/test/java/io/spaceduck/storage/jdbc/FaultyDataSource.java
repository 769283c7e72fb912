package io.spaceduck.storage.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} of real, unpooled connections, each wrapped in {@link Proxy}s (connection,
 * statements) so that a test can make the group committer's statements or commit fail the way a
 * database or a network does: a serialization failure, a deadlock, a connection lost before, during or
 * after the real commit, a committer held at a latch. Faults fire only on connections whose autocommit
 * is off — the committer's — so reads, Flyway and the committer's own "did it commit?" query are never
 * touched. Closing a real connection without commit makes the server roll back, exactly as a lost
 * connection does. Thread-safe.
 */
final class FaultyDataSource implements DataSource {
  /** Where a fault fires. */
  enum Point {
    /** Any {@code execute…} of a statement whose SQL contains the rule's text. */
    STATEMENT,
    /** {@link Connection#commit()}. */
    COMMIT
  }

  /** What a fault does instead of (or around) the real call; {@code proceed} makes the real call. */
  @FunctionalInterface
  interface Around {
    Object invoke(Connection real, Callable<Object> proceed) throws Exception;
  }

  private record Rule(Point point, String sql, AtomicInteger remaining, Around around) {}

  private final DataSource real;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Connection, Integer> idsByReal = Collections.synchronizedMap(new IdentityHashMap<>());
  private final List<Integer> lost = new CopyOnWriteArrayList<>();
  private final List<Integer> committed = new CopyOnWriteArrayList<>();
  private volatile boolean refuseConnections;
  /** Real connections cut off from their proxies: the store's calls fail as lost, the test still holds them. */
  private final Set<Connection> severed = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));

  FaultyDataSource(DataSource real) {
    this.real = real;
  }

  /** Unpooled connections to {@code ns}: each {@code getConnection()} opens a new physical one. */
  static FaultyDataSource unpooled(TestDatabase.Namespace ns) {
    return new FaultyDataSource(new DriverDataSource(ns.url()));
  }

  // ---- arming faults ----

  /** The next {@code times} matching calls run {@code around} instead of the plain call. */
  FaultyDataSource arm(Point point, String sql, int times, Around around) {
    rules.add(new Rule(point, sql, new AtomicInteger(times), around));
    return this;
  }

  /** Matching statements throw an {@link SQLException} with {@code sqlState} (the real call never runs). */
  FaultyDataSource failStatement(String sql, String sqlState, int times) {
    return arm(Point.STATEMENT, sql, times, (c, proceed) -> {
      throw new SQLException("injected failure " + sqlState, sqlState);
    });
  }

  /** The connection dies at a matching statement: closed on the server side without commit, 08006. */
  FaultyDataSource loseConnectionAt(String sql) {
    return arm(Point.STATEMENT, sql, 1, (c, proceed) -> {
      throw lose(c);
    });
  }

  /**
   * The connection dies during the next {@code commit()}: either before the real commit reached the
   * database (it is rolled back) or after it took effect.
   */
  FaultyDataSource loseConnectionAtCommit(boolean afterRealCommit) {
    return arm(Point.COMMIT, "", 1, (c, proceed) -> {
      if (afterRealCommit) {
        proceed.call();
      }
      throw lose(c);
    });
  }

  /** The next matching statement signals {@code reached} and waits for {@code release} (at most 60 s). */
  FaultyDataSource blockAt(String sql, CountDownLatch reached, CountDownLatch release) {
    return arm(Point.STATEMENT, sql, 1, (c, proceed) -> {
      reached.countDown();
      if (!release.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the blocked committer");
      }
      return proceed.call();
    });
  }

  /** Whether {@code getConnection()} fails as if the database were unreachable. */
  void refuseConnections(boolean refuse) {
    refuseConnections = refuse;
  }

  /** Disarms every rule. */
  void clear() {
    rules.clear();
  }

  /** Ids of the physical connections a fault killed, in order. */
  List<Integer> lostConnections() {
    return List.copyOf(lost);
  }

  /** Ids of the physical connections on which a real commit succeeded, in order. */
  List<Integer> committedConnections() {
    return List.copyOf(committed);
  }

  /**
   * Cuts the store off from {@code real} without touching it: the store's further calls on it fail as
   * a lost connection (its close does nothing), while the real transaction stays open on the server —
   * for the test to commit or roll back, as a server finishing a commit whose client vanished would.
   * Returns the exception to throw.
   */
  SQLException sever(Connection real) {
    severed.add(real);
    Integer id = idOf(real);
    if (id != null) {
      lost.add(id);
    }
    return new SQLException("injected: connection lost", "08006");
  }

  private SQLException lose(Connection c) {
    Integer id = idOf(c);
    try {
      c.close(); // the server rolls back whatever was not committed
    } catch (SQLException ignored) {
      // already gone
    }
    if (id != null) {
      lost.add(id);
    }
    return new SQLException("injected: connection lost", "08006");
  }

  private Integer idOf(Connection real) {
    return idsByReal.get(real);
  }

  private Rule take(Point point, String sql) {
    for (Rule r : rules) {
      if (r.point() == point && sql.contains(r.sql())) {
        int left;
        do {
          left = r.remaining().get();
        } while (left > 0 && !r.remaining().compareAndSet(left, left - 1));
        if (left > 0) {
          return r;
        }
      }
    }
    return null;
  }

  // ---- DataSource ----

  @Override
  public Connection getConnection() throws SQLException {
    if (refuseConnections) {
      throw new SQLException("injected: database unreachable", "08001");
    }
    return wrap(real.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come from the URL");
  }

  private Connection wrap(Connection c) {
    int id = ids.incrementAndGet();
    idsByReal.put(c, id);
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, new ConnectionHandler(c));
  }

  private final class ConnectionHandler implements InvocationHandler {
    private final Connection c;
    private volatile boolean autoCommit = true;

    ConnectionHandler(Connection c) {
      this.c = c;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      if (severed.contains(c)) {
        switch (m.getName()) {
          case "close" -> {
            return null;
          }
          case "isClosed" -> {
            return true;
          }
          case "equals" -> {
            return proxy == args[0];
          }
          case "hashCode" -> {
            return System.identityHashCode(proxy);
          }
          default -> throw new SQLException("injected: connection lost", "08006");
        }
      }
      switch (m.getName()) {
        case "setAutoCommit" -> autoCommit = (Boolean) args[0];
        case "prepareStatement" -> {
          Statement s = (Statement) call(m, args);
          return statementProxy(PreparedStatement.class, s, (String) args[0]);
        }
        case "createStatement" -> {
          return statementProxy(Statement.class, (Statement) call(m, args), null);
        }
        case "commit" -> {
          Rule r = autoCommit ? null : take(Point.COMMIT, "");
          if (r != null) {
            return r.around().invoke(c, this::commit);
          }
          return commit();
        }
        case "close" -> idsByReal.remove(c);
        case "equals" -> {
          return proxy == args[0];
        }
        case "hashCode" -> {
          return System.identityHashCode(proxy);
        }
        case "toString" -> {
          return "faulty(" + c + ")";
        }
        default -> {
          // forwarded below
        }
      }
      return call(m, args);
    }

    private Object commit() throws SQLException {
      Integer id = idOf(c);
      c.commit();
      if (id != null) {
        committed.add(id);
      }
      return null;
    }

    private Object call(Method m, Object[] args) throws Throwable {
      try {
        return m.invoke(c, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    private Object statementProxy(Class<? extends Statement> type, Statement s, String preparedSql) {
      return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
        if (m.getName().startsWith("execute") && !autoCommit) {
          String sql = preparedSql != null ? preparedSql : args != null && args.length > 0 && args[0] instanceof String q ? q : "";
          Rule r = take(Point.STATEMENT, sql);
          if (r != null) {
            return r.around().invoke(c, () -> forward(s, m, args));
          }
        }
        return forward(s, m, args);
      });
    }
  }

  private static Object forward(Object target, Method m, Object[] args) throws Exception {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw (Error) e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }

  /** The plainest real DataSource: a new physical connection from the driver per call. */
  private record DriverDataSource(String url) implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return DriverManager.getConnection(url);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return DriverManager.getConnection(url, username, password);
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }

    @Override
    public String toString() {
      return JdbcStorage.describe(url);
    }
  }
}
