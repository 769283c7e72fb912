package io.spaceduck.storage.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} of real, unpooled connections that records every statement execution — one
 * {@code execute…} call of a statement, or a commit/rollback, is one round trip to the database — with
 * its SQL and whether it ran in autocommit (the store's reads) or not (the committer's transactions).
 * Thread-safe.
 */
final class CountingDataSource implements DataSource {
  /** One round trip: the SQL (or {@code COMMIT}/{@code ROLLBACK}), and whether its connection was in autocommit. */
  record Trip(String sql, boolean autocommit) {}

  private final String url;
  final List<Trip> trips = new CopyOnWriteArrayList<>();

  CountingDataSource(String url) {
    this.url = url;
  }

  /** The round trips of {@code call}, in order. */
  List<Trip> during(Runnable call) {
    trips.clear();
    call.run();
    return List.copyOf(trips);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection real = DriverManager.getConnection(url);
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
      String name = m.getName();
      if (name.equals("commit") || name.equals("rollback")) {
        trips.add(new Trip(name.toUpperCase(java.util.Locale.ROOT), false));
      }
      Object r = invoke(real, m, args);
      if (r instanceof PreparedStatement ps && name.equals("prepareStatement")) {
        return statement(real, ps, (String) args[0], PreparedStatement.class);
      }
      if (r instanceof Statement s && name.equals("createStatement")) {
        return statement(real, s, null, Statement.class);
      }
      return r;
    });
  }

  private <S extends Statement> S statement(Connection real, S s, String sql, Class<S> type) {
    return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (m.getName().startsWith("execute")) {
        trips.add(new Trip(sql != null ? sql : String.valueOf(args == null ? "batch" : args[0]), real.getAutoCommit()));
      }
      return invoke(s, m, args);
    }));
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return getConnection();
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
}
